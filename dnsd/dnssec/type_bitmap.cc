#include "dnsd/dnssec/type_bitmap.h"

#include <algorithm>

namespace dnsd::dnssec {

void append_type_bitmap(std::span<const uint16_t> types, std::vector<uint8_t>& out) {
  size_t i = 0;
  while (i < types.size()) {
    const uint8_t window = uint8_t(types[i] >> 8);
    uint8_t bitmap[32] = {};
    size_t used = 0;  // octets up to the last one with a bit set
    for (; i < types.size() && (types[i] >> 8) == window; ++i) {
      const uint8_t low = uint8_t(types[i] & 0xFF);
      bitmap[low / 8] |= uint8_t(0x80 >> (low % 8));
      used = size_t(low / 8) + 1;
    }
    out.push_back(window);
    out.push_back(uint8_t(used));
    out.insert(out.end(), bitmap, bitmap + used);
  }
}

void nsec_types(const zones::Zone& zone, uint32_t node, const std::function<bool(uint32_t)>& pool_served,
                std::vector<uint16_t>& out) {
  out.clear();
  const zones::Node& n = zone.node(node);
  const bool apex = n.flags & zones::node_flag::kApex;
  const bool cut = !apex && (n.flags & zones::node_flag::kDelegation);
  const auto rrsets = zone.rrsets(n);
  for (size_t i = 0; i < rrsets.size(); ++i) {
    const zones::RRset& set = rrsets[i];
    if (cut && set.type != zones::rrtype::NS && set.type != zones::rrtype::DS) continue;
    if (set.pool != zones::kNone && !pool_served(n.first_rrset + uint32_t(i))) continue;
    out.push_back(set.type);
  }
  out.push_back(zones::rrtype::RRSIG);
  out.push_back(zones::rrtype::NSEC);
  if (apex) out.push_back(zones::rrtype::DNSKEY);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

}  // namespace dnsd::dnssec
