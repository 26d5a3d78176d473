#include "dnsd/query/rotation.h"

#include <memory>
#include <new>
#include <unordered_map>

namespace dnsd {

namespace {
constexpr size_t kLineBytes = 64;
constexpr size_t kCountersPerLine = kLineBytes / sizeof(std::atomic<uint32_t>);
}

void RotationCounters::AlignedDelete::operator()(std::atomic<uint32_t>* p) const {
  ::operator delete[](p, std::align_val_t(kLineBytes));
}

RotationCounters::RotationCounters(const zones::ZoneSet& set, unsigned rows, const RotationCounters* previous,
                                   const zones::ZoneSet* previous_set)
    : rows_(rows == 0 ? 1 : rows), slots_(set.rotation_slots()) {
  stride_ = (size_t(slots_) + kCountersPerLine - 1) / kCountersPerLine * kCountersPerLine;
  if (stride_ == 0) stride_ = kCountersPerLine;
  // On a line boundary, or the first and last line of each row would be shared
  // with its neighbours (new[] aligns to 16 bytes only).
  const size_t count = stride_ * rows_;
  auto* counters = static_cast<std::atomic<uint32_t>*>(
      ::operator new[](count * sizeof(std::atomic<uint32_t>), std::align_val_t(kLineBytes)));
  std::uninitialized_value_construct_n(counters, count);
  counters_.reset(counters);
  for (unsigned r = 0; r < rows_; ++r)
    for (uint32_t s = 0; s < slots_; ++s) row(r)[s].store(r, std::memory_order_relaxed);
  if (!previous || !previous_set) return;
  std::unordered_map<const zones::Zone*, uint32_t> before;
  for (uint32_t p = 0; p < previous_set->size(); ++p) before.emplace(&previous_set->zone(p), p);
  for (uint32_t z = 0; z < set.size(); ++z) {
    const zones::Zone& zone = set.zone(z);
    const auto it = before.find(&zone);
    if (it == before.end()) continue;
    const uint32_t from = previous_set->rotation_base(it->second), to = set.rotation_base(z);
    // Relaxed reads of a counter its worker may be advancing: a value a step old is as good.
    for (unsigned r = 0; r < rows_ && r < previous->rows_; ++r)
      for (uint32_t s = 0; s < zone.rotation_slots(); ++s)
        row(r)[to + s].store(previous->row(r)[from + s].load(std::memory_order_relaxed), std::memory_order_relaxed);
  }
}

}  // namespace dnsd
