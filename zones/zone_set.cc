#include "zones/zone_set.h"

#include <cstring>

namespace dnsd::zones {

ZoneSet::ZoneSet(std::vector<std::shared_ptr<const Zone>> zones, std::vector<ZoneSource> sources)
    : zones_(std::move(zones)), sources_(std::move(sources)) {
  sources_.resize(zones_.size());
  size_t size = 16;
  while (size < zones_.size() * 2) size <<= 1;
  table_.assign(size, kNone);
  hashes_.resize(zones_.size());
  rotation_base_.resize(zones_.size());
  for (uint32_t i = 0; i < zones_.size(); ++i) {
    const Zone& z = *zones_[i];
    hashes_[i] = name_hash(z.origin(), z.origin_length());
    rotation_base_[i] = rotation_slots_;
    rotation_slots_ += z.rotation_slots();
    size_t slot = hashes_[i] & (size - 1);
    while (table_[slot] != kNone) {
      const Zone& other = *zones_[table_[slot]];
      if (name_equal(other.origin(), other.origin_length(), z.origin(), z.origin_length())) break;  // later wins
      slot = (slot + 1) & (size - 1);
    }
    table_[slot] = i;
  }
}

uint32_t ZoneSet::find_zone(const LabeledName& name, size_t first_skip) const {
  const size_t mask = table_.size() - 1;
  for (size_t skip = first_skip; skip <= name.label_count; ++skip) {
    const uint64_t h = name.suffix_hash[skip];
    const uint8_t* wire = name.suffix(skip);
    const size_t length = name.suffix_length(skip);
    for (size_t slot = h & mask;; slot = (slot + 1) & mask) {
      uint32_t index = table_[slot];
      if (index == kNone) break;
      const Zone& z = *zones_[index];
      if (hashes_[index] == h && z.origin_length() == length && std::memcmp(z.origin(), wire, length) == 0)
        return index;
    }
  }
  return kNone;
}

}  // namespace dnsd::zones
