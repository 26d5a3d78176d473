// The immutable, lookup-optimised form of one zone. Built once by ZoneBuilder
// when a zone file is loaded, then only read, by any number of worker threads,
// for as long as a snapshot refers to it. Owner names and rdata are stored in
// wire form so that answering a query copies bytes and never converts them.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "zones/name.h"
#include "zones/pool.h"
#include "zones/dnssec_policy.h"
#include "zones/transfer_policy.h"

namespace dnsd::zones {

/// "No such index" in every index field of the zone model.
inline constexpr uint32_t kNone = UINT32_MAX;

/// DNS types the zone model and query processing treat specially.
namespace rrtype {
inline constexpr uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, MX = 15, TXT = 16, AAAA = 28, SRV = 33,
                          DNAME = 39, OPT = 41, DS = 43, RRSIG = 46, NSEC = 47, DNSKEY = 48, NSEC3 = 50, SVCB = 64,
                          HTTPS = 65, IXFR = 251, AXFR = 252, MAILB = 253, MAILA = 254, ANY = 255;
}

/// One resource record's rdata inside a zone. The bytes live in the zone's rdata blob.
struct Record {
  uint32_t rdata_offset = 0;     ///< into Zone's rdata blob
  uint16_t rdata_length = 0;     ///< uncompressed length
  /// Offsets inside the rdata of up to two embedded names that may be compressed
  /// (NS, CNAME, PTR, MX, SOA only, per RFC 3597 section 4); 0xFFFF when unused.
  uint16_t name_at[2] = {0xFFFF, 0xFFFF};
  /// Node of the in-zone name this record points at (NS, MX, SRV target or CNAME
  /// target), used for additional-section addresses and CNAME chasing; kNone if
  /// the target is outside the zone or absent.
  uint32_t target_node = kNone;
};

/// All records of one type at one owner. Either static records, or a pool whose
/// live members are chosen per query.
struct RRset {
  uint16_t type = 0;
  uint32_t ttl = 0;
  uint32_t first_record = 0;  ///< into Zone::records
  uint16_t record_count = 0;
  /// Index into a per-worker rotation table, for RRsets whose order rotates
  /// (several records, or a pool); kNone when the order is fixed.
  uint32_t rotation_slot = kNone;
  /// Index into Zone::pools when the records come from a health-checked pool; kNone otherwise.
  uint32_t pool = kNone;
};

/// Node flags, computed by the builder.
namespace node_flag {
inline constexpr uint16_t kApex = 1;        ///< the zone's origin
inline constexpr uint16_t kDelegation = 2;  ///< NS below the apex: a zone cut
inline constexpr uint16_t kOccluded = 4;    ///< below a zone cut: only glue, never answered
inline constexpr uint16_t kCname = 8;       ///< holds a CNAME
}  // namespace node_flag

/// One owner name, or an empty non-terminal (a name with no records that has
/// descendants), which must answer NODATA rather than NXDOMAIN.
struct Node {
  uint32_t name_offset = 0;   ///< into Zone's name blob (lowercased wire form)
  uint8_t name_length = 0;
  uint8_t label_count = 0;
  uint16_t flags = 0;
  uint32_t first_rrset = 0;   ///< into Zone::rrsets; RRsets of a node are sorted by type
  uint16_t rrset_count = 0;
  uint32_t wildcard_child = kNone;  ///< node "*.<this>" if it exists (RFC 4592 source of synthesis)
};

/// An immutable zone. Readers on any thread; never modified after build().
class Zone {
 public:
  /// Lowercased wire form of the origin.
  const uint8_t* origin() const { return names_.data() + nodes_[apex_].name_offset; }
  size_t origin_length() const { return nodes_[apex_].name_length; }
  size_t origin_labels() const { return nodes_[apex_].label_count; }
  /// Origin in presentation form.
  std::string origin_text() const { return name_to_text(origin(), origin_length()); }

  /// Node with the given lowercased wire name and its name_hash, or kNone. Lock-free, allocation-free.
  uint32_t find(const uint8_t* lower_name, size_t length, uint64_t hash) const;

  const Node& node(uint32_t index) const { return nodes_[index]; }
  uint32_t apex() const { return apex_; }
  size_t node_count() const { return nodes_.size(); }
  const uint8_t* node_name(const Node& n) const { return names_.data() + n.name_offset; }

  std::span<const RRset> rrsets(const Node& n) const { return {rrsets_.data() + n.first_rrset, n.rrset_count}; }
  /// Global index of an RRset of this zone (Node::first_rrset + position).
  uint32_t rrset_index(const RRset& set) const { return uint32_t(&set - rrsets_.data()); }
  /// Index of a node of this zone.
  uint32_t node_index(const Node& node) const { return uint32_t(&node - nodes_.data()); }
  /// RRsets in the zone: global RRset indices (Node::first_rrset + position) are below it.
  size_t rrset_count() const { return rrsets_.size(); }
  /// The RRset of `type` at `n`, or nullptr.
  const RRset* find_rrset(const Node& n, uint16_t type) const;
  std::span<const Record> records(const RRset& s) const { return {records_.data() + s.first_record, s.record_count}; }
  const uint8_t* rdata(const Record& r) const { return rdata_.data() + r.rdata_offset; }

  /// Pools referenced by pool RRsets.
  const Pool& pool(uint32_t index) const { return pools_[index]; }
  std::span<const Pool> pools() const { return pools_; }

  /// The SOA RRset at the apex (always present in a built zone).
  const RRset& soa() const { return *soa_; }
  /// SOA serial, for status and logs.
  uint32_t serial() const { return serial_; }
  /// TTL for the SOA in negative answers: min(SOA TTL, SOA minimum) per RFC 2308.
  uint32_t negative_ttl() const { return negative_ttl_; }
  /// Number of rotation slots this zone's RRsets use.
  uint32_t rotation_slots() const { return rotation_slots_; }

  /// Who may transfer this zone and whom to NOTIFY; disabled when the zone
  /// file has no "transfer" object. Any thread.
  const TransferPolicy& transfer() const { return transfer_; }

  /// How the zone is signed; disabled when the zone file has no "dnssec"
  /// object. Any thread.
  const DnssecPolicy& dnssec() const { return dnssec_; }

 private:
  friend class ZoneBuilder;
  std::vector<Node> nodes_;
  std::vector<RRset> rrsets_;
  std::vector<Record> records_;
  std::vector<uint8_t> rdata_;
  std::vector<uint8_t> names_;
  std::vector<uint32_t> table_;  ///< open addressing: node index or kNone; size is a power of two
  std::vector<uint64_t> hashes_;  ///< name_hash of each node, parallel to nodes_
  std::vector<Pool> pools_;
  uint32_t apex_ = 0;
  const RRset* soa_ = nullptr;
  uint32_t serial_ = 0;
  uint32_t negative_ttl_ = 0;
  uint32_t rotation_slots_ = 0;
  TransferPolicy transfer_;
  DnssecPolicy dnssec_;
};

}  // namespace dnsd::zones
