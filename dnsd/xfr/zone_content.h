// What a zone version transfers, record by record: the zone's static records
// and, for each pool RRset, the members the version's PoolContent names; in
// a signed zone also every RRSIG, the NSEC chain and the DNSKEY RRset. The
// apex SOA is left out: transfers write it themselves, with the version's
// serial, first and last (its RRSIG is an ordinary record here).
#pragma once

#include <cstddef>
#include <cstdint>

#include "dnsd/query/zone_version.h"
#include "health/health_view.h"

namespace dnsd::xfr {

/// The members every pool RRset of zone `zone_index` of the snapshot `health`
/// belongs to would serve now (health::eligible_members). Publisher's thread.
PoolContent select_pool_content(const zones::Zone& zone, uint32_t zone_index, const health::HealthView& health);

/// Walks a version's records in the zone's node order, apex SOA excluded:
/// at each node its RRsets, each followed by its RRSIGs, then the DNSKEY
/// RRset at the apex and the node's NSEC, when signed. The version must
/// outlive the walker. Owned by one thread; allocates.
class ZoneWalker {
 public:
  explicit ZoneWalker(const ZoneVersion& version) : v_(version), zone_(*version.zone) {}
  /// Fills `out` with the next record; false after the last.
  bool next(RecordView& out);

 private:
  /// Queues the records of node `node_`.
  void fill_node();

  const ZoneVersion& v_;
  const zones::Zone& zone_;
  uint32_t node_ = 0;
  size_t pool_ = 0;  ///< next index into v_.pools.rrsets
  std::vector<RecordView> pending_;
  size_t at_ = 0;
};

/// Appends the records of one pool RRset as version `v` serves it in
/// transfers (k is its index into v.pools.rrsets), with its RRSIGs when signed.
void append_pool_records(const ZoneVersion& v, const zones::Node& node, const zones::RRset& set, size_t k,
                         std::vector<RecordView>& out);

/// The record of pool member `member` of `set` (a pool RRset at `node`).
RecordView member_record(const zones::Zone& zone, const zones::Node& node, const zones::RRset& set, uint16_t member);

/// Appends signed version `v`'s DNSKEY RRset and its RRSIGs.
void append_dnskey_records(const ZoneVersion& v, std::vector<RecordView>& out);

/// Appends the NSEC at `node` of signed version `v` and its RRSIGs (nothing
/// for a name outside the chain).
void append_nsec_records(const ZoneVersion& v, uint32_t node, std::vector<RecordView>& out);

/// Appends `sigs` as RRSIG records at `owner` with TTL `ttl`.
void append_rrsigs(const uint8_t* owner, uint8_t owner_length, uint32_t ttl, dnssec::SigList sigs,
                   std::vector<RecordView>& out);

/// Whether records of `type` are made by signing (RRSIG, NSEC, DNSKEY): a
/// fingerprint leaves them out and counts the signing epoch instead, since
/// ECDSA signatures differ each time the same content is signed.
bool made_by_signing(uint16_t type);

/// A signing epoch's share of a fingerprint (0 for an unsigned version). Any thread.
uint64_t epoch_hash(uint64_t epoch);

/// One record's share of a fingerprint. Any thread.
uint64_t record_hash(const RecordView& record);

/// Hash of everything the version serves but its SOA serial and the bytes
/// of its signatures (its signing epoch stands for them), independent of
/// record order. Equal content gives an equal fingerprint. Any thread.
uint64_t content_fingerprint(const ZoneVersion& version);

}  // namespace dnsd::xfr
