#include "dnsd/dnssec/canonical_name.h"

#include <algorithm>
#include <cstring>

namespace dnsd::dnssec {

CanonicalLabels::CanonicalLabels(const uint8_t* wire, size_t length) : name(wire) {
  length = std::min(length, zones::kMaxNameLength);
  size_t pos = 0;
  while (pos < length && count < zones::kMaxLabels) {
    const uint8_t size = wire[pos];
    if (size == 0 || size > 63 || pos + 1 + size > length) break;
    start[count++] = uint8_t(pos);
    pos += 1 + size_t(size);
  }
}

int canonical_compare(const CanonicalLabels& a, const CanonicalLabels& b) {
  size_t a_labels = a.count;
  size_t b_labels = b.count;
  while (a_labels > 0 && b_labels > 0) {
    const uint8_t* la = a.name + a.start[--a_labels];
    const uint8_t* lb = b.name + b.start[--b_labels];
    const size_t a_size = la[0];
    const size_t b_size = lb[0];
    const size_t common = std::min(a_size, b_size);
    for (size_t i = 1; i <= common; ++i)
      if (la[i] != lb[i]) return la[i] < lb[i] ? -1 : 1;
    if (a_size != b_size) return a_size < b_size ? -1 : 1;
  }
  if (a_labels == b_labels) return 0;
  return a_labels < b_labels ? -1 : 1;
}

int canonical_compare(const uint8_t* a, size_t a_length, const uint8_t* b, size_t b_length) {
  return canonical_compare(CanonicalLabels(a, a_length), CanonicalLabels(b, b_length));
}

}  // namespace dnsd::dnssec
