// The DNSSEC half of AnswerBuilder: RRSIGs beside their RRsets, the DNSKEY
// and NSEC answers, pool answers from the signed members, and the NSEC
// records that prove NXDOMAIN, NODATA and wildcard answers (RFC 4035 3.1).
// Everything is copied from the version's signatures: nothing is signed here.
#include <algorithm>

#include "dnsd/query/answer_builder.h"
#include "health/selection.h"

namespace dnsd {
namespace {

namespace rr = zones::rrtype;
constexpr uint16_t kClassIn = 1;
constexpr uint16_t kNoNames[2] = {0xFFFF, 0xFFFF};

}  // namespace

// RRSIG rdata holds no compressible name (RFC 4034 3.1.7), and each record's
// TTL is the covered RRset's as served.
bool AnswerBuilder::put_sigs(Section section, const uint8_t* owner, size_t owner_length, uint32_t ttl,
                             dnssec::SigList sigs) {
  std::span<const uint8_t> rdata;
  while (sigs.next(rdata))
    if (!w_.add_record(section, owner, owner_length, rr::RRSIG, kClassIn, ttl, rdata.data(), rdata.size(), kNoNames))
      return false;
  return true;
}

// A pool answered from the version's served members, so that the window
// signed for this rotation start covers exactly what is written.
AnswerBuilder::Put AnswerBuilder::put_signed_pool(Section section, const uint8_t* owner, size_t owner_length,
                                                  const zones::RRset& set) {
  const PoolContent& pools = version_->pools;
  const size_t k = pools.find(zone_->rrset_index(set));
  if (k == PoolContent::npos) return Put::Empty;
  note_pool_rule(pools.rules[k], set.pool);
  const auto served = pools.served(k);
  if (served.empty()) return Put::Empty;
  const zones::Pool& pool = zone_->pool(set.pool);
  health::Selection chosen;
  const size_t start = health::order_candidates(pool, served, next_rotation(set), chosen);
  const PacketWriter::Mark before = w_.mark();
  for (uint16_t i = 0; i < chosen.count; ++i) {
    const zones::PoolMember& m = pool.members[chosen.member[i]];
    if (!w_.add_record(section, owner, owner_length, set.type, kClassIn, set.ttl, m.address.data(),
                       m.family == 6 ? 16 : 4, kNoNames)) {
      w_.rollback(before);
      return Put::NoRoom;
    }
  }
  if (!put_sigs(section, owner, owner_length, set.ttl, sigs_->pool(k, uint32_t(start)))) {
    w_.rollback(before);
    return Put::NoRoom;
  }
  return Put::Written;
}

AnswerBuilder::Put AnswerBuilder::put_dnskey(const uint8_t* owner, size_t owner_length) {
  const dnssec::VersionSignatures& v = *version_->signatures;
  if (v.dnskey.empty()) return Put::Empty;
  const PacketWriter::Mark before = w_.mark();
  for (size_t i = 0; i < v.dnskey.size(); ++i) {
    const auto rdata = v.dnskey_rdata(i);
    if (!w_.add_record(Section::Answer, owner, owner_length, rr::DNSKEY, kClassIn, v.dnskey_ttl, rdata.data(),
                       rdata.size(), kNoNames)) {
      w_.rollback(before);
      return Put::NoRoom;
    }
  }
  if (sigs_ && !put_sigs(Section::Answer, owner, owner_length, v.dnskey_ttl, v.dnskey_signatures())) {
    w_.rollback(before);
    return Put::NoRoom;
  }
  return Put::Written;
}

AnswerBuilder::Put AnswerBuilder::put_nsec_answer(const zones::Node&, uint32_t node_index, const uint8_t* owner,
                                                  size_t owner_length) {
  const dnssec::NsecView nsec = version_->signatures->nsec(node_index);
  if (!nsec.found()) return Put::Empty;
  const PacketWriter::Mark before = w_.mark();
  const uint32_t ttl = zone_->negative_ttl();
  if (!w_.add_record(Section::Answer, owner, owner_length, rr::NSEC, kClassIn, ttl, nsec.rdata.data(),
                     nsec.rdata.size(), kNoNames) ||
      (sigs_ && !put_sigs(Section::Answer, owner, owner_length, ttl, nsec.sigs))) {
    w_.rollback(before);
    return Put::NoRoom;
  }
  return Put::Written;
}

// A query for RRSIG gets the signatures of the name's static RRsets and of
// its NSEC, as BIND and Knot answer it; a validator never asks this.
AnswerBuilder::Put AnswerBuilder::put_rrsig_answer(const zones::Node& node, const uint8_t* owner,
                                                   size_t owner_length) {
  const dnssec::VersionSignatures& v = *version_->signatures;
  const PacketWriter::Mark before = w_.mark();
  for (const zones::RRset& set : zone_->rrsets(node)) {
    const dnssec::SigList sigs = &set == &zone_->soa() ? v.soa_sigs() : v.zone->rrset(zone_->rrset_index(set));
    if (!put_sigs(Section::Answer, owner, owner_length, set.ttl, sigs)) {
      w_.rollback(before);
      return Put::NoRoom;
    }
  }
  const uint32_t node_index = zone_->node_index(node);
  if (!put_sigs(Section::Answer, owner, owner_length, zone_->negative_ttl(), v.nsec(node_index).sigs)) {
    w_.rollback(before);
    return Put::NoRoom;
  }
  return w_.count(Section::Answer) > before.counts[0] ? Put::Written : Put::Empty;
}

// One NSEC and its signatures, at its own node's name, in authority.
bool AnswerBuilder::put_nsec(uint32_t node_index) {
  const dnssec::NsecView nsec = sigs_->nsec(node_index);
  if (!nsec.found()) return true;
  const zones::Node& node = zone_->node(node_index);
  const uint32_t ttl = zone_->negative_ttl();  // RFC 9077: min(SOA TTL, SOA minimum)
  const PacketWriter::Mark before = w_.mark();
  if (!w_.add_record(Section::Authority, zone_->node_name(node), node.name_length, rr::NSEC, kClassIn, ttl,
                     nsec.rdata.data(), nsec.rdata.size(), kNoNames) ||
      !put_sigs(Section::Authority, zone_->node_name(node), node.name_length, ttl, nsec.sigs)) {
    w_.rollback(before);
    return false;
  }
  return true;
}

void AnswerBuilder::prove(uint32_t node) {
  if (node == zones::kNone) return;
  for (size_t i = 0; i < proof_count_; ++i)
    if (proofs_[i] == node) return;
  if (proof_count_ < kMaxProofs) proofs_[proof_count_++] = node;
}

void AnswerBuilder::prove_absent(const uint8_t* name, size_t length) {
  prove(sigs_->zone->chain().covering_node(*zone_, name, length));
}

// RFC 4035 3.1.3.2: an NSEC covering the name, and one covering the
// wildcard at its closest encloser (often the same one).
void AnswerBuilder::prove_no_name(const zones::LabeledName& name, uint32_t encloser) {
  prove_absent(name.wire, name.length);
  if (encloser == zones::kNone) return;
  const zones::Node& ce = zone_->node(encloser);
  if (size_t(ce.name_length) + 2 > zones::kMaxNameLength) return;
  uint8_t wildcard[zones::kMaxNameLength];
  wildcard[0] = 1;
  wildcard[1] = '*';
  std::copy_n(zone_->node_name(ce), ce.name_length, wildcard + 2);
  prove_absent(wildcard, ce.name_length + 2);
}

// RFC 4035 3.1.3.1: the NSEC at the name shows the type is not there; an
// empty non-terminal owns none, so the NSEC whose span holds it proves it.
void AnswerBuilder::prove_no_data(const zones::LabeledName& name, uint32_t node) {
  if (sigs_->zone->chain().position_of(node) != zones::kNone) prove(node);
  else prove_absent(name.wire, name.length);
}

void AnswerBuilder::put_proofs() {
  for (size_t i = 0; i < proof_count_; ++i)
    if (!put_nsec(proofs_[i])) {
      truncated_ = true;  // RFC 4035 3.1.1: a denial without its proof is no answer
      return;
    }
}

}  // namespace dnsd
