#include "dnsd/query/lookup.h"

namespace dnsd {

uint32_t answering_zone(const zones::ZoneSet& zones, const zones::LabeledName& name, uint16_t qtype) {
  const uint32_t index = zones.find_zone(name);
  const bool at_apex = index != zones::kNone && name.label_count > 0 &&
                       name.length == zones.zone(index).origin_length();
  if (!at_apex || qtype != zones::rrtype::DS) return index;
  const uint32_t parent = zones.find_zone(name, 1);  // skip the apex label
  return parent != zones::kNone ? parent : index;
}

Lookup lookup_name(const zones::Zone& zone, const zones::LabeledName& name, uint16_t qtype) {
  using zones::kNone;
  const size_t below_apex = name.label_count - zone.origin_labels();  // labels under the origin
  uint32_t closest = zone.apex();
  // Walk down from just below the apex toward the name, so the highest cut wins.
  for (size_t depth = 1; depth <= below_apex; ++depth) {
    const size_t skip = below_apex - depth;
    const uint32_t index = zone.find(name.suffix(skip), name.suffix_length(skip), name.suffix_hash[skip]);
    if (index == kNone) {
      const uint32_t wildcard = zone.node(closest).wildcard_child;
      if (wildcard != kNone) return {LookupKind::Wildcard, wildcard};
      return {LookupKind::NoName, closest};
    }
    const zones::Node& node = zone.node(index);
    if (node.flags & zones::node_flag::kDelegation) {
      if (skip == 0 && qtype == zones::rrtype::DS) return {LookupKind::Found, index};
      return {LookupKind::Delegation, index};
    }
    closest = index;
  }
  return {LookupKind::Found, closest};
}

}  // namespace dnsd
