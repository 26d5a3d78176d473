#include "dnsd/dnssec/canonical_name.h"

#include <algorithm>
#include <cstring>

#include "zones/name.h"

namespace dnsd::dnssec {
namespace {

// Where each label of `name` starts, left to right, into `at`; returns the
// label count (root not counted). Stops at the root label, at the end of the
// bytes, or at a length byte that is not a plain label, so a malformed name
// compares by the labels read so far instead of reading past its end.
size_t label_starts(const uint8_t* name, size_t length, uint8_t* at) {
  length = std::min(length, zones::kMaxNameLength);
  size_t count = 0;
  size_t pos = 0;
  while (pos < length && count < zones::kMaxLabels) {
    const uint8_t label = name[pos];
    if (label == 0 || label > 63 || pos + 1 + label > length) break;
    at[count++] = uint8_t(pos);
    pos += 1 + size_t(label);
  }
  return count;
}

}  // namespace

int canonical_compare(const uint8_t* a, size_t a_length, const uint8_t* b, size_t b_length) {
  uint8_t a_at[zones::kMaxLabels];
  uint8_t b_at[zones::kMaxLabels];
  size_t a_labels = label_starts(a, a_length, a_at);
  size_t b_labels = label_starts(b, b_length, b_at);
  while (a_labels > 0 && b_labels > 0) {
    const uint8_t* la = a + a_at[--a_labels];
    const uint8_t* lb = b + b_at[--b_labels];
    const size_t a_size = la[0];
    const size_t b_size = lb[0];
    const int bytes = std::memcmp(la + 1, lb + 1, std::min(a_size, b_size));
    if (bytes != 0) return bytes;
    if (a_size != b_size) return a_size < b_size ? -1 : 1;
  }
  if (a_labels == b_labels) return 0;
  return a_labels < b_labels ? -1 : 1;
}

}  // namespace dnsd::dnssec
