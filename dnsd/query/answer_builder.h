// Fills the answer, authority and additional sections of one response from
// one zone of a snapshot: the RFC 1034 4.3.2 walk (CNAME chains inside the
// zone, wildcards, referrals, negative answers), with pools answered by
// health selection. When the query has DO=1 and the zone is signed, the
// RRSIGs of every RRset and the NSEC records that prove a denial go with
// them, copied from the version's signatures; pool answers then come from
// the version's served members, the ones those signatures cover. Lives on
// the worker's stack: no allocation, no clock, no lock.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dnsd/query/lookup.h"
#include "dnsd/query/packet_writer.h"
#include "dnsd/query/query.h"
#include "dnsd/query/wire_reader.h"

namespace dnsd {

/// Builds one response's sections. One per query, on the worker's stack.
class AnswerBuilder {
 public:
  AnswerBuilder(const ParsedQuery& q, const Snapshot& snapshot, RotationState& rotation, PacketWriter& writer)
      : q_(q), snapshot_(snapshot), zones_(*snapshot.zones), health_(*snapshot.health), rotation_(rotation),
        w_(writer) {}

  /// Fills the sections for a query that found its zone. Returns the rcode.
  uint16_t answer(uint32_t zone_index);
  bool truncated() const { return truncated_; }
  bool authoritative() const { return authoritative_; }
  /// Whether some pool selection found no healthy member (see QueryResult::all_down).
  bool all_down() const { return all_down_; }
  /// The first pool (index in the zone) that had no healthy member, or kNone.
  uint32_t all_down_pool() const { return all_down_pool_; }
  /// What the response is about, for rate limiting (see QueryResult::kind).
  ResponseKind kind() const { return kind_; }
  uint64_t kind_hash() const { return kind_hash_; }

 private:
  /// Outcome of putting one RRset into the packet.
  enum class Put : uint8_t { Written, Empty, NoRoom };

  uint16_t walk();
  Put put_rrset(Section section, const uint8_t* owner, size_t owner_length, const zones::RRset& set);
  Put put_pool(Section section, const uint8_t* owner, size_t owner_length, const zones::RRset& set);
  Put put_signed_pool(Section section, const uint8_t* owner, size_t owner_length, const zones::RRset& set);
  void note_pool_rule(health::SelectionRule rule, uint32_t pool);
  bool put_soa(Section section, uint32_t ttl);
  bool put_negative_soa();
  void put_referral(const zones::Node& cut);
  void put_additional_for(const zones::RRset& set);
  bool add_target_addresses(uint32_t node_index, bool required);
  uint32_t next_rotation(const zones::RRset& set) {
    return set.rotation_slot == zones::kNone ? 0
                                            : rotation_.next(zones_.rotation_base(zone_index_) + set.rotation_slot);
  }

  // DNSSEC (answer_builder_dnssec.cc): only with DO=1 in a signed zone.
  bool put_sigs(Section section, const uint8_t* owner, size_t owner_length, uint32_t ttl, dnssec::SigList sigs);
  Put put_dnskey(const uint8_t* owner, size_t owner_length);
  Put put_nsec_answer(const zones::Node& node, uint32_t node_index, const uint8_t* owner, size_t owner_length);
  Put put_rrsig_answer(const zones::Node& node, const uint8_t* owner, size_t owner_length);
  bool put_nsec(uint32_t node_index);
  /// Queues the NSEC at chain node `node` for the authority section.
  void prove(uint32_t node);
  /// Queues the NSEC that covers `name` (it does not exist).
  void prove_absent(const uint8_t* name, size_t length);
  /// Queues the NSECs of an NXDOMAIN for `name` under closest encloser `encloser`.
  void prove_no_name(const zones::LabeledName& name, uint32_t encloser);
  /// Queues the NSEC of a NODATA at `node` (found for `name`).
  void prove_no_data(const zones::LabeledName& name, uint32_t node);
  /// Writes the queued NSECs; sets TC when they do not fit.
  void put_proofs();

  const ParsedQuery& q_;
  const Snapshot& snapshot_;
  const zones::ZoneSet& zones_;
  const health::HealthView& health_;
  RotationState& rotation_;
  PacketWriter& w_;
  const zones::Zone* zone_ = nullptr;
  uint32_t zone_index_ = zones::kNone;
  const ZoneVersion* version_ = nullptr;
  /// The version's signatures when the answer carries them (DO=1, signed zone); else null.
  const dnssec::VersionSignatures* sigs_ = nullptr;
  bool truncated_ = false;
  bool authoritative_ = true;
  bool all_down_ = false;
  uint32_t all_down_pool_ = zones::kNone;
  ResponseKind kind_ = ResponseKind::Answer;
  uint64_t kind_hash_ = 0;
  static constexpr size_t kMaxAdditionalTargets = 16;
  uint32_t additional_done_[kMaxAdditionalTargets];
  size_t additional_count_ = 0;
  static constexpr size_t kMaxProofs = 8;
  uint32_t proofs_[kMaxProofs];
  size_t proof_count_ = 0;
};

}  // namespace dnsd
