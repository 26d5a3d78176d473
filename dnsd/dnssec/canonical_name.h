// Canonical DNS name order (RFC 4034 6.1): the order of the NSEC chain, so
// both building the chain and finding the NSEC that covers a query name use it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dnsd::dnssec {

/// Canonical DNS name order (RFC 4034 6.1) of two lowercased, uncompressed wire
/// names: negative when `a` sorts first, zero when equal, positive when `b` sorts
/// first. Labels compare right to left as unsigned byte strings, a shorter label
/// before a longer one it prefixes, and a name before the names below it. No
/// allocation (label offsets live on the stack); any thread, the query path included.
int canonical_compare(const uint8_t* a, size_t a_length, const uint8_t* b, size_t b_length);

}  // namespace dnsd::dnssec
