// Canonical DNS name order (RFC 4034 6.1): the order of the NSEC chain, so
// both building the chain and finding the NSEC that covers a query name use it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "zones/name.h"

namespace dnsd::dnssec {

/// Canonical DNS name order (RFC 4034 6.1) of two lowercased, uncompressed wire
/// names: negative when `a` sorts first, zero when equal, positive when `b` sorts
/// first. Labels compare right to left as unsigned byte strings, a shorter label
/// before a longer one it prefixes, and a name before the names below it. No
/// allocation (label offsets live on the stack); any thread, the query path included.
int canonical_compare(const uint8_t* a, size_t a_length, const uint8_t* b, size_t b_length);

/// Where each label of a name starts, found once so that a binary search compares
/// one name with many without taking it apart each time. Fixed-size, for the stack.
struct CanonicalLabels {
  const uint8_t* name = nullptr;
  uint8_t count = 0;                   ///< labels, not counting the root
  uint8_t start[zones::kMaxLabels];    ///< label i starts at name[start[i]], left to right

  /// Splits the first `length` bytes of a lowercased wire name into labels, stopping
  /// at the root label or the end of the bytes: so a name's labels in front of a
  /// suffix every compared name shares (a zone's origin) can be taken on their own.
  /// A malformed name keeps the labels read before the fault. No allocation; any thread.
  CanonicalLabels(const uint8_t* name, size_t length);
};

/// canonical_compare for names already split into labels. Any thread.
int canonical_compare(const CanonicalLabels& a, const CanonicalLabels& b);

}  // namespace dnsd::dnssec
