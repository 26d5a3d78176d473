#include "dnsd/dnssec/nsec_chain.h"

#include <algorithm>

#include "dnsd/dnssec/canonical_name.h"

namespace dnsd::dnssec {
namespace {

// RFC 4035 2.3: the apex and every name holding RRsets in this zone; never an
// empty non-terminal, never glue below a cut. A delegation point holds NS.
bool owns_nsec(const zones::Node& node) {
  if (node.flags & zones::node_flag::kApex) return true;
  if (node.flags & zones::node_flag::kOccluded) return false;
  return node.rrset_count > 0;
}

}  // namespace

NsecChain::NsecChain(const zones::Zone& zone) {
  position_.assign(zone.node_count(), zones::kNone);
  for (uint32_t i = 0; i < zone.node_count(); ++i)
    if (owns_nsec(zone.node(i))) chain_.push_back(i);
  chain_.shrink_to_fit();
  std::sort(chain_.begin(), chain_.end(), [&zone](uint32_t a, uint32_t b) {
    const zones::Node& na = zone.node(a);
    const zones::Node& nb = zone.node(b);
    return canonical_compare(zone.node_name(na), na.name_length, zone.node_name(nb), nb.name_length) < 0;
  });
  for (uint32_t p = 0; p < chain_.size(); ++p) position_[chain_[p]] = p;
}

uint32_t NsecChain::next_of(uint32_t node) const {
  const uint32_t position = position_of(node);
  if (position == zones::kNone) return zones::kNone;
  return chain_[position + 1 == chain_.size() ? 0 : position + 1];
}

uint32_t NsecChain::covering_node(const zones::Zone& zone, const uint8_t* name, size_t length) const {
  // The first chain name canonically greater than `name`; the one before it covers or matches.
  size_t low = 0;
  size_t count = chain_.size();
  while (count > 0) {
    const size_t half = count / 2;
    const zones::Node& n = zone.node(chain_[low + half]);
    if (canonical_compare(zone.node_name(n), n.name_length, name, length) <= 0) {
      low += half + 1;
      count -= half + 1;
    } else {
      count = half;
    }
  }
  return chain_[low == 0 ? 0 : low - 1];
}

size_t NsecChain::bytes() const {
  return sizeof(*this) + chain_.capacity() * sizeof(uint32_t) + position_.capacity() * sizeof(uint32_t);
}

}  // namespace dnsd::dnssec
