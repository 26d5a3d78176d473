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

// The first 8 bytes, big-endian and zero-padded, of a byte string that sorts
// the way the names do: the labels in front of the origin, right to left, each
// ended by 0x00, with a label's 0x00 and 0x01 bytes written as 0x01 0x01 and
// 0x01 0x02 so that the end of a label sorts before any byte in it. Padding and
// cutting keep the order, so key(a) < key(b) means a < b canonically; equal keys
// say nothing. The apex's key is 0.
uint64_t order_key(const CanonicalLabels& relative) {
  uint64_t key = 0;
  int room = 8;
  auto put = [&](uint8_t byte) {
    if (room > 0) key = key << 8 | byte;
    --room;
  };
  for (size_t i = relative.count; i > 0 && room > 0; --i) {
    const uint8_t* label = relative.name + relative.start[i - 1];
    for (size_t j = 1; j <= label[0] && room > 0; ++j) {
      if (label[j] <= 1) put(1);
      put(label[j] == 0 ? 1 : label[j] == 1 ? 2 : label[j]);
    }
    put(0);
  }
  // A shift by 64 bits (the origin itself: nothing put) is undefined.
  return room >= 8 ? 0 : room > 0 ? key << (8 * room) : key;
}

// The labels of `node`'s name in front of the origin, which every chain name shares.
CanonicalLabels relative_labels(const zones::Zone& zone, uint32_t node) {
  const zones::Node& n = zone.node(node);
  return CanonicalLabels(zone.node_name(n), n.name_length - zone.origin_length());
}

}  // namespace

NsecChain::NsecChain(const zones::Zone& zone) {
  position_.assign(zone.node_count(), zones::kNone);
  for (uint32_t i = 0; i < zone.node_count(); ++i)
    if (owns_nsec(zone.node(i))) chain_.push_back(i);
  chain_.shrink_to_fit();
  std::sort(chain_.begin(), chain_.end(), [&zone](uint32_t a, uint32_t b) {
    return canonical_compare(relative_labels(zone, a), relative_labels(zone, b)) < 0;
  });
  keys_.reserve(chain_.size());
  for (uint32_t p = 0; p < chain_.size(); ++p) {
    position_[chain_[p]] = p;
    keys_.push_back(order_key(relative_labels(zone, chain_[p])));
  }
}

uint32_t NsecChain::next_of(uint32_t node) const {
  const uint32_t position = position_of(node);
  if (position == zones::kNone) return zones::kNone;
  return chain_[position + 1 == chain_.size() ? 0 : position + 1];
}

uint32_t NsecChain::covering_node(const zones::Zone& zone, const uint8_t* name, size_t length) const {
  // Every chain name ends in the origin, so only the labels in front of it are compared.
  if (length < zone.origin_length()) return chain_[0];
  const CanonicalLabels query(name, length - zone.origin_length());
  // Chain names with a smaller key sort before the name, those with a greater key after
  // it; only the (usually few) with an equal key need their names compared.
  const auto [first, last] = std::equal_range(keys_.begin(), keys_.end(), order_key(query));
  // The first of those canonically greater than `name`; the chain name before it covers or matches.
  size_t low = size_t(first - keys_.begin());
  size_t count = size_t(last - first);
  while (count > 0) {
    const size_t half = count / 2;
    if (canonical_compare(relative_labels(zone, chain_[low + half]), query) <= 0) {
      low += half + 1;
      count -= half + 1;
    } else {
      count = half;
    }
  }
  return chain_[low == 0 ? 0 : low - 1];
}

size_t NsecChain::bytes() const {
  return sizeof(*this) + (chain_.capacity() + position_.capacity()) * sizeof(uint32_t) +
         keys_.capacity() * sizeof(uint64_t);
}

}  // namespace dnsd::dnssec
