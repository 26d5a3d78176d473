// Counts heap allocations in a benchmark program: while malloc_count::counting
// is set, every malloc call adds one to malloc_count::calls; glibc's own
// allocator does the work. Include it in exactly one file of each benchmark
// executable (it defines malloc).
#pragma once

#include <cstddef>

namespace malloc_count {
inline size_t calls = 0;
inline bool counting = false;
}  // namespace malloc_count

extern "C" void* __libc_malloc(size_t size);
extern "C" void* malloc(size_t size) {
  if (malloc_count::counting) ++malloc_count::calls;
  return __libc_malloc(size);
}
