// The NSEC chain of one zone (RFC 4034 4, RFC 4035 2.3): which names own an
// NSEC record, in what order, and which NSEC proves a name's non-existence.
// Built once per Zone object at publish time, so denial on the query path is a
// binary search, mostly over a compact array of name prefixes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "zones/zone.h"

namespace dnsd::dnssec {

/// The names of one zone that own NSEC records, in canonical order: the apex, every name with
/// authoritative RRsets, and delegation points (RFC 4035 2.3). Empty non-terminals (nodes with
/// no RRsets) and names below a zone cut (kOccluded: glue) are not in it. Built once per Zone
/// object (builder thread), then read by any thread. Holds node indices, not names, and beside
/// each an 8-byte key that sorts like its name (from the labels in front of the origin), so a
/// lookup mostly searches one contiguous array instead of touching a node and its name at
/// every step.
class NsecChain {
 public:
  /// Sorts the zone's NSEC owners canonically. Builder thread.
  explicit NsecChain(const zones::Zone& zone);

  /// Number of NSEC records the zone has. Any thread.
  size_t size() const { return chain_.size(); }
  /// Node index at chain position `position` (0 is the apex). Any thread.
  uint32_t node_at(size_t position) const { return chain_[position]; }
  /// Chain position of `node`, or zones::kNone when it owns no NSEC. Any thread.
  uint32_t position_of(uint32_t node) const { return node < position_.size() ? position_[node] : zones::kNone; }
  /// The node whose NSEC follows `node`'s (its "Next Domain Name"): the next chain name,
  /// wrapping to the apex after the last; kNone when `node` owns no NSEC. Any thread.
  uint32_t next_of(uint32_t node) const;
  /// The chain node whose NSEC matches or covers `name` (lowercased wire, at or below the zone's
  /// origin): the last chain name canonically <= name. Binary search; no allocation; any thread.
  /// A name outside the zone gets some chain node, never an index out of range.
  uint32_t covering_node(const zones::Zone& zone, const uint8_t* name, size_t length) const;
  /// Bytes held, for memory reports. Any thread.
  size_t bytes() const;

 private:
  std::vector<uint32_t> chain_;     ///< node indices in canonical order; [0] is the apex
  std::vector<uint64_t> keys_;      ///< per chain position: an 8-byte order-keeping prefix of its name, ascending
  std::vector<uint32_t> position_;  ///< per node: its index in chain_, or kNone
};

}  // namespace dnsd::dnssec
