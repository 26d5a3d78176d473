#include "dnsd/xfr/zone_content.h"

#include <algorithm>

#include "health/selection.h"

namespace dnsd::xfr {
namespace {

namespace rr = zones::rrtype;

uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  return h ^ (h >> 33);
}

uint64_t hash_bytes(uint64_t h, const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001B3ull;  // FNV-1a
  return h;
}

}  // namespace

uint64_t epoch_hash(uint64_t epoch) { return mix(epoch); }

uint64_t record_hash(const RecordView& r) {
  uint64_t h = 0xCBF29CE484222325ull;
  h = hash_bytes(h, r.owner, r.owner_length);
  const uint8_t fixed[6] = {uint8_t(r.type >> 8), uint8_t(r.type), uint8_t(r.ttl >> 24), uint8_t(r.ttl >> 16),
                            uint8_t(r.ttl >> 8), uint8_t(r.ttl)};
  h = hash_bytes(h, fixed, sizeof fixed);
  h = hash_bytes(h, r.rdata, r.rdata_length);
  return mix(h);
}

PoolContent select_pool_content(const zones::Zone& zone, uint32_t zone_index, const health::HealthView& health) {
  PoolContent out;
  std::vector<health::MemberView> views;
  for (uint32_t n = 0; n < zone.node_count(); ++n) {
    const zones::Node& node = zone.node(n);
    const auto sets = zone.rrsets(node);
    for (uint32_t j = 0; j < sets.size(); ++j) {
      const zones::RRset& set = sets[j];
      if (set.pool == zones::kNone) continue;
      const zones::Pool& pool = zone.pool(set.pool);
      views.assign(pool.members.size(), {});
      health::read_member_views(pool, health.pool(zone_index, set.pool), views);
      out.rrsets.push_back(node.first_rrset + j);
      out.first_member.push_back(uint32_t(out.members.size()));
      out.rules.push_back(health::eligible_members(pool, views, set.type == rr::AAAA ? 6 : 4, out.members));
    }
  }
  out.first_member.push_back(uint32_t(out.members.size()));
  return out;
}

void append_rrsigs(const uint8_t* owner, uint8_t owner_length, uint32_t ttl, dnssec::SigList sigs,
                   std::vector<RecordView>& out) {
  std::span<const uint8_t> rdata;
  while (sigs.next(rdata)) {
    RecordView r;
    r.owner = owner;
    r.owner_length = owner_length;
    r.type = rr::RRSIG;
    r.ttl = ttl;
    r.rdata = rdata.data();
    r.rdata_length = uint16_t(rdata.size());
    out.push_back(r);
  }
}

RecordView member_record(const zones::Zone& zone, const zones::Node& node, const zones::RRset& set, uint16_t member) {
  const zones::PoolMember& m = zone.pool(set.pool).members[member];
  RecordView r;
  r.owner = zone.node_name(node);
  r.owner_length = node.name_length;
  r.type = set.type;
  r.ttl = set.ttl;
  r.rdata = m.address.data();
  r.rdata_length = m.family == 6 ? 16 : 4;
  return r;
}

void append_pool_records(const ZoneVersion& v, const zones::Node& node, const zones::RRset& set, size_t k,
                         std::vector<RecordView>& out) {
  const zones::Zone& zone = *v.zone;
  for (const uint16_t member : v.pools.served(k)) out.push_back(member_record(zone, node, set, member));
  if (v.signatures) append_rrsigs(zone.node_name(node), node.name_length, set.ttl, v.signatures->pool_whole(k), out);
}

void append_dnskey_records(const ZoneVersion& v, std::vector<RecordView>& out) {
  const dnssec::VersionSignatures& sigs = *v.signatures;
  const zones::Zone& zone = *v.zone;
  for (size_t i = 0; i < sigs.dnskey.size(); ++i) {
    const auto rdata = sigs.dnskey_rdata(i);
    RecordView r;
    r.owner = zone.origin();
    r.owner_length = uint8_t(zone.origin_length());
    r.type = rr::DNSKEY;
    r.ttl = sigs.dnskey_ttl;
    r.rdata = rdata.data();
    r.rdata_length = uint16_t(rdata.size());
    out.push_back(r);
  }
  append_rrsigs(zone.origin(), uint8_t(zone.origin_length()), sigs.dnskey_ttl, sigs.dnskey_signatures(), out);
}

void append_nsec_records(const ZoneVersion& v, uint32_t node_index, std::vector<RecordView>& out) {
  const dnssec::NsecView nsec = v.signatures->nsec(node_index);
  if (!nsec.found()) return;
  const zones::Zone& zone = *v.zone;
  const zones::Node& node = zone.node(node_index);
  RecordView r;
  r.owner = zone.node_name(node);
  r.owner_length = node.name_length;
  r.type = rr::NSEC;
  r.ttl = zone.negative_ttl();
  r.rdata = nsec.rdata.data();
  r.rdata_length = uint16_t(nsec.rdata.size());
  out.push_back(r);
  append_rrsigs(r.owner, r.owner_length, r.ttl, nsec.sigs, out);
}

bool made_by_signing(uint16_t type) { return type == rr::RRSIG || type == rr::NSEC || type == rr::DNSKEY; }

void ZoneWalker::fill_node() {
  pending_.clear();
  at_ = 0;
  const zones::Node& node = zone_.node(node_);
  const dnssec::VersionSignatures* sigs = v_.signatures.get();
  const uint8_t* owner = zone_.node_name(node);
  const auto sets = zone_.rrsets(node);
  for (uint32_t j = 0; j < sets.size(); ++j) {
    const zones::RRset& set = sets[j];
    if (set.pool != zones::kNone) {
      const auto& all = v_.pools.rrsets;
      while (pool_ < all.size() && all[pool_] < node.first_rrset + j) ++pool_;
      if (pool_ < all.size() && all[pool_] == node.first_rrset + j) append_pool_records(v_, node, set, pool_, pending_);
      continue;
    }
    if (&set == &zone_.soa()) {  // transfers write the SOA; its signatures are ordinary records
      if (sigs) append_rrsigs(owner, node.name_length, set.ttl, sigs->soa_sigs(), pending_);
      continue;
    }
    for (const zones::Record& rec : zone_.records(set)) {
      RecordView r;
      r.owner = owner;
      r.owner_length = node.name_length;
      r.type = set.type;
      r.ttl = set.ttl;
      r.rdata = zone_.rdata(rec);
      r.rdata_length = rec.rdata_length;
      r.name_at[0] = rec.name_at[0];
      r.name_at[1] = rec.name_at[1];
      pending_.push_back(r);
    }
    if (sigs) append_rrsigs(owner, node.name_length, set.ttl, sigs->zone->rrset(node.first_rrset + j), pending_);
  }
  if (!sigs) return;
  if (node_ == zone_.apex()) append_dnskey_records(v_, pending_);
  append_nsec_records(v_, node_, pending_);
}

bool ZoneWalker::next(RecordView& out) {
  while (at_ == pending_.size()) {
    if (node_ >= zone_.node_count()) return false;
    fill_node();
    ++node_;
  }
  out = pending_[at_++];
  return true;
}

uint64_t content_fingerprint(const ZoneVersion& version) {
  // A sum of per-record hashes: independent of order, and a record set, not
  // a sequence, is what a zone is.
  uint64_t sum = 0;
  ZoneWalker walker(version);
  RecordView r;
  while (walker.next(r))
    if (!made_by_signing(r.type)) sum += record_hash(r);
  sum += epoch_hash(version.signing_epoch);
  // The SOA counts without its serial: a new serial alone is not new content.
  const std::vector<uint8_t>& soa = version.soa_rdata;
  RecordView s{version.zone->origin(), uint8_t(version.zone->origin_length()), rr::SOA, version.zone->soa().ttl,
               soa.data(), uint16_t(soa.size() >= 20 ? soa.size() - 20 : soa.size())};
  sum += record_hash(s);
  if (soa.size() >= 20) sum += mix(hash_bytes(0, soa.data() + soa.size() - 16, 16));
  return sum;
}

}  // namespace dnsd::xfr
