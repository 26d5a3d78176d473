// One straight line per name: look it up (LookupKind), then one switch picks
// the answer, a referral, NODATA or NXDOMAIN; a CNAME moves on to its target.
#include "dnsd/query/answer_builder.h"

#include <algorithm>

#include "health/selection.h"

namespace dnsd {
namespace {

using zones::kNone;
namespace rr = zones::rrtype;

constexpr uint16_t kClassIn = 1;
/// CNAME links followed inside a zone before giving up (loop protection).
constexpr int kMaxCnameChain = 12;
constexpr uint16_t kNoNames[2] = {0xFFFF, 0xFFFF};

/// Hash of the suffix of `name` that is `suffix_wire` (a zone origin or a cut,
/// which the name lies under): read from the name's suffix hashes, no rehashing.
uint64_t suffix_hash_of(const zones::LabeledName& name, const uint8_t* suffix_wire, size_t suffix_length) {
  const size_t labels = zones::name_label_count(suffix_wire, suffix_length);
  return labels <= name.label_count ? name.suffix_hash[name.label_count - labels] : 0;
}

uint64_t with_type(uint64_t hash, uint16_t qtype) { return (hash ^ qtype) * 0x9E3779B97F4A7C15ull; }

/// Room for one pool's member views, left unset: a pool may have up to
/// kMaxPoolMembers members but usually has a few, and only those are written,
/// so a query does not pay for clearing the whole array.
union MemberViews {
  MemberViews() {}
  health::MemberView at[health::kMaxPoolMembers];
};

}  // namespace

AnswerBuilder::Put AnswerBuilder::put_rrset(Section section, const uint8_t* owner, size_t owner_length,
                                            const zones::RRset& set) {
  if (set.pool != kNone) return sigs_ ? put_signed_pool(section, owner, owner_length, set)
                                      : put_pool(section, owner, owner_length, set);
  if (&set == &zone_->soa()) return put_soa(section, set.ttl) ? Put::Written : Put::NoRoom;
  const auto records = zone_->records(set);
  if (records.empty()) return Put::Empty;
  const PacketWriter::Mark before = w_.mark();
  // Rotate on every response: start at the next record of this RRset's counter.
  const size_t n = records.size();
  const size_t start = set.rotation_slot == kNone ? 0 : next_rotation(set) % n;
  for (size_t i = 0, at = start; i < n; ++i, at = at + 1 == n ? 0 : at + 1) {
    const zones::Record& r = records[at];
    const bool added = i == 0 ? w_.add_record(section, owner, owner_length, set.type, kClassIn, set.ttl,
                                              zone_->rdata(r), r.rdata_length, r.name_at)
                              : w_.add_next_record(section, zone_->rdata(r), r.rdata_length, r.name_at);
    if (!added) {
      w_.rollback(before);  // never half an RRset
      return Put::NoRoom;
    }
  }
  if (sigs_ && !put_sigs(section, owner, owner_length, set.ttl, sigs_->zone->rrset(zone_->rrset_index(set)))) {
    w_.rollback(before);  // an RRset and its signatures go together
    return Put::NoRoom;
  }
  return Put::Written;
}

void AnswerBuilder::note_pool_rule(health::SelectionRule rule, uint32_t pool) {
  const bool pool_down = rule == health::SelectionRule::AllDownServeAll ||
                         rule == health::SelectionRule::AllDownServeNone ||
                         rule == health::SelectionRule::DrainedLastResort;
  if (pool_down && !all_down_) all_down_pool_ = pool;
  all_down_ |= pool_down;
}

AnswerBuilder::Put AnswerBuilder::put_pool(Section section, const uint8_t* owner, size_t owner_length,
                                           const zones::RRset& set) {
  const zones::Pool& pool = zone_->pool(set.pool);
  MemberViews views;
  const size_t n = std::min(pool.members.size(), health::kMaxPoolMembers);
  const auto links = health_.pool(zone_index_, set.pool);
  health::read_member_views(pool, links, std::span(views.at, n));
  std::fill(views.at + std::min(n, links.size()), views.at + n, health::MemberView{});  // no link: unknown
  const uint8_t family = set.type == rr::AAAA ? 6 : 4;
  const health::Selection chosen = health::select_members(pool, std::span(views.at, n), family, next_rotation(set));
  note_pool_rule(chosen.rule, set.pool);
  if (chosen.count == 0) return Put::Empty;
  const PacketWriter::Mark before = w_.mark();
  const size_t length = family == 6 ? 16 : 4;
  for (uint16_t i = 0; i < chosen.count; ++i) {
    const zones::PoolMember& m = pool.members[chosen.member[i]];
    const bool added = i == 0 ? w_.add_record(section, owner, owner_length, set.type, kClassIn, set.ttl,
                                              m.address.data(), length, kNoNames)
                              : w_.add_next_record(section, m.address.data(), length, kNoNames);
    if (!added) {
      w_.rollback(before);
      return Put::NoRoom;
    }
  }
  return Put::Written;
}

// The apex SOA as the zone's current version serves it: the zone file's
// SOA with the version's serial.
bool AnswerBuilder::put_soa(Section section, uint32_t ttl) {
  const zones::Record& r = zone_->records(zone_->soa())[0];
  const std::vector<uint8_t>& rdata = version_->soa_rdata;
  const PacketWriter::Mark before = w_.mark();
  if (!w_.add_record(section, zone_->origin(), zone_->origin_length(), rr::SOA, kClassIn, ttl, rdata.data(),
                     rdata.size(), r.name_at))
    return false;
  if (sigs_ && !put_sigs(section, zone_->origin(), zone_->origin_length(), ttl, sigs_->soa_sigs())) {
    w_.rollback(before);
    return false;
  }
  return true;
}

// RFC 2308 section 3: the SOA goes in the authority section with TTL =
// min(SOA TTL, SOA minimum).
bool AnswerBuilder::put_negative_soa() {
  if (put_soa(Section::Authority, zone_->negative_ttl())) return true;
  truncated_ = true;
  return false;
}

// Adds A and AAAA of an in-zone target once per response. `required` marks
// glue below a cut: if it does not fit, the referral is truncated (RFC 9471).
bool AnswerBuilder::add_target_addresses(uint32_t node_index, bool required) {
  for (size_t i = 0; i < additional_count_; ++i)
    if (additional_done_[i] == node_index) return true;
  if (additional_count_ == kMaxAdditionalTargets) return true;
  additional_done_[additional_count_++] = node_index;
  const zones::Node& node = zone_->node(node_index);
  if ((node.flags & zones::node_flag::kOccluded) && !required) return true;  // glue is only for referrals
  for (const uint16_t type : {rr::A, rr::AAAA}) {
    const zones::RRset* set = zone_->find_rrset(node, type);
    if (!set) continue;
    if (put_rrset(Section::Additional, zone_->node_name(node), node.name_length, *set) == Put::NoRoom) {
      if (required) {
        truncated_ = true;
      }
      return false;
    }
  }
  return true;
}

void AnswerBuilder::put_additional_for(const zones::RRset& set) {
  if (set.type != rr::NS && set.type != rr::MX && set.type != rr::SRV) return;
  for (const zones::Record& r : zone_->records(set))
    if (r.target_node != kNone && !add_target_addresses(r.target_node, false)) return;
}

// A referral: not authoritative, the cut's NS in authority, with the DS that
// secures the child or the NSEC that proves it has none when signed; glue in
// additional.
void AnswerBuilder::put_referral(const zones::Node& cut) {
  const zones::RRset* ns = zone_->find_rrset(cut, rr::NS);
  if (put_rrset(Section::Authority, zone_->node_name(cut), cut.name_length, *ns) == Put::NoRoom) {
    truncated_ = true;
    return;
  }
  if (sigs_) {
    const zones::RRset* ds = zone_->find_rrset(cut, rr::DS);
    const bool fits = ds ? put_rrset(Section::Authority, zone_->node_name(cut), cut.name_length, *ds) != Put::NoRoom
                         : put_nsec(zone_->node_index(cut));
    if (!fits) {
      truncated_ = true;
      return;
    }
  }
  for (const zones::Record& r : zone_->records(*ns)) {
    if (r.target_node == kNone) continue;
    const bool glue = (zone_->node(r.target_node).flags & zones::node_flag::kOccluded) != 0;
    if (!add_target_addresses(r.target_node, glue) && truncated_) return;
  }
}

uint16_t AnswerBuilder::answer(uint32_t zone_index) {
  zone_index_ = zone_index;
  zone_ = &zones_.zone(zone_index);
  version_ = snapshot_.versions[zone_index].get();
  if (q_.dnssec_ok && version_->signatures) sigs_ = version_->signatures.get();
  const uint16_t rcode = walk();
  if (sigs_ && !truncated_) put_proofs();
  return rcode;
}

uint16_t AnswerBuilder::walk() {
  const zones::LabeledName* name = &q_.qname;
  zones::LabeledName cname_target;  // storage for the name a CNAME leads to
  uint64_t visited[kMaxCnameChain + 1];  // names already answered in this chain, by hash
  for (int link = 0; link <= kMaxCnameChain; ++link) {
    // A loop ends where a name repeats: each CNAME of the loop appears once.
    for (int i = 0; i < link; ++i)
      if (visited[i] == name->suffix_hash[0]) return rcode::kNoError;
    visited[link] = name->suffix_hash[0];
    const Lookup found = lookup_name(*zone_, *name, q_.qtype);
    switch (found.kind) {
      case LookupKind::NoName:
        kind_ = ResponseKind::NxDomain;
        kind_hash_ = suffix_hash_of(*name, zone_->origin(), zone_->origin_length());
        if (put_negative_soa() && sigs_) prove_no_name(*name, found.node);
        return rcode::kNxDomain;
      case LookupKind::Delegation: {
        if (link == 0) authoritative_ = false;
        const zones::Node& cut = zone_->node(found.node);
        kind_ = ResponseKind::Referral;
        kind_hash_ = suffix_hash_of(*name, zone_->node_name(cut), cut.name_length);
        put_referral(cut);
        return rcode::kNoError;
      }
      case LookupKind::Found:
        kind_ = ResponseKind::Answer;
        kind_hash_ = with_type(name->suffix_hash[0], q_.qtype);
        break;
      case LookupKind::Wildcard: {
        // Keyed by the wildcard, so floods of random names under it share one budget.
        const zones::Node& wild = zone_->node(found.node);
        const uint64_t encloser = suffix_hash_of(*name, zone_->node_name(wild) + 2, wild.name_length - 2);
        static constexpr uint8_t kStar = '*';
        kind_ = ResponseKind::Answer;
        kind_hash_ = with_type(zones::hash_label(encloser, &kStar, 1), q_.qtype);
        // RFC 4035 3.1.3.3: a synthesized answer proves the name itself does not exist.
        if (sigs_) prove_absent(name->wire, name->length);
        break;
      }
    }
    const zones::Node& node = zone_->node(found.node);
    const uint8_t* owner = name->wire;  // a wildcard answers with the query name as owner
    const size_t owner_length = name->length;

    Put put = Put::Empty;
    const zones::RRset* set = nullptr;
    if (q_.qtype == rr::ANY) {
      // RFC 8482: one RRset is a complete answer to ANY.
      const auto all = zone_->rrsets(node);
      if (!all.empty()) set = zone_->find_rrset(node, rr::CNAME) ? zone_->find_rrset(node, rr::CNAME) : &all[0];
    } else if (version_->signatures && found.kind == LookupKind::Found && q_.qtype == rr::DNSKEY &&
               found.node == zone_->apex()) {
      put = put_dnskey(owner, owner_length);
    } else if (version_->signatures && found.kind == LookupKind::Found && q_.qtype == rr::NSEC) {
      put = put_nsec_answer(node, found.node, owner, owner_length);
    } else if (version_->signatures && found.kind == LookupKind::Found && q_.qtype == rr::RRSIG) {
      put = put_rrsig_answer(node, owner, owner_length);
    } else {
      set = zone_->find_rrset(node, q_.qtype);
    }
    if (set) put = put_rrset(Section::Answer, owner, owner_length, *set);
    if (put == Put::NoRoom) {
      truncated_ = true;
      return rcode::kNoError;
    }
    if (put == Put::Written) {
      if (set) put_additional_for(*set);
      return rcode::kNoError;
    }
    // An empty pool answer falls through to NODATA.
    if (!set && (node.flags & zones::node_flag::kCname) && q_.qtype != rr::CNAME) {
      const zones::RRset& cname = *zone_->find_rrset(node, rr::CNAME);
      if (put_rrset(Section::Answer, owner, owner_length, cname) == Put::NoRoom) {
        truncated_ = true;
        return rcode::kNoError;
      }
      const zones::Record& r = zone_->records(cname)[0];
      if (cname_target.parse(zone_->rdata(r), r.rdata_length) == 0) return rcode::kNoError;
      // Follow the chain only inside this zone; a resolver follows it elsewhere.
      if (!zones::name_is_subdomain(cname_target.wire, cname_target.length, zone_->origin(), zone_->origin_length()))
        return rcode::kNoError;
      name = &cname_target;
      continue;
    }
    kind_ = ResponseKind::NoData;
    if (put_negative_soa() && sigs_) prove_no_data(*name, found.node);  // NODATA
    return rcode::kNoError;
  }
  return rcode::kNoError;  // chain too long or a loop: the links so far are the answer
}

}  // namespace dnsd
