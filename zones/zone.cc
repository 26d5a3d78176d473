#include "zones/zone.h"

#include <cstring>

namespace dnsd::zones {

uint32_t Zone::find(const uint8_t* lower_name, size_t length, uint64_t hash) const {
  const size_t mask = table_.size() - 1;
  for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    uint32_t index = table_[slot];
    if (index == kNone) return kNone;
    const Node& n = nodes_[index];
    if (hashes_[index] == hash && n.name_length == length &&
        std::memcmp(names_.data() + n.name_offset, lower_name, length) == 0)
      return index;
  }
}

const RRset* Zone::find_rrset(const Node& n, uint16_t type) const {
  const RRset* begin = rrsets_.data() + n.first_rrset;
  for (const RRset* s = begin; s != begin + n.rrset_count; ++s)
    if (s->type == type) return s;
  return nullptr;
}

}  // namespace dnsd::zones
