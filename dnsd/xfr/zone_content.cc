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
      health::eligible_members(pool, views, set.type == rr::AAAA ? 6 : 4, out.members);
    }
  }
  out.first_member.push_back(uint32_t(out.members.size()));
  return out;
}

bool ZoneWalker::next(RecordView& out) {
  for (; node_ < zone_.node_count(); ++node_, rrset_ = 0) {
    const zones::Node& node = zone_.node(node_);
    const auto sets = zone_.rrsets(node);
    for (; rrset_ < sets.size(); ++rrset_, record_ = 0) {
      const zones::RRset& set = sets[rrset_];
      if (&set == &zone_.soa()) continue;
      out.owner = zone_.node_name(node);
      out.owner_length = node.name_length;
      out.type = set.type;
      out.ttl = set.ttl;
      if (set.pool != zones::kNone) {
        const uint32_t global = node.first_rrset + rrset_;
        const auto& all = v_.pools.rrsets;
        const auto it = std::lower_bound(all.begin(), all.end(), global);
        if (it == all.end() || *it != global) continue;  // not selected in this version
        const auto served = v_.pools.served(size_t(it - all.begin()));
        if (record_ >= served.size()) continue;
        const zones::PoolMember& m = zone_.pool(set.pool).members[served[record_++]];
        out.rdata = m.address.data();
        out.rdata_length = m.family == 6 ? 16 : 4;
        out.name_at[0] = out.name_at[1] = 0xFFFF;
        return true;
      }
      const auto records = zone_.records(set);
      if (record_ >= records.size()) continue;
      const zones::Record& r = records[record_++];
      out.rdata = zone_.rdata(r);
      out.rdata_length = r.rdata_length;
      out.name_at[0] = r.name_at[0];
      out.name_at[1] = r.name_at[1];
      return true;
    }
  }
  return false;
}

uint64_t content_fingerprint(const ZoneVersion& version) {
  // A sum of per-record hashes: independent of order, and a record set, not
  // a sequence, is what a zone is.
  uint64_t sum = 0;
  ZoneWalker walker(version);
  RecordView r;
  while (walker.next(r)) sum += record_hash(r);
  // The SOA counts without its serial: a new serial alone is not new content.
  const std::vector<uint8_t>& soa = version.soa_rdata;
  RecordView s{version.zone->origin(), uint8_t(version.zone->origin_length()), rr::SOA, version.zone->soa().ttl,
               soa.data(), uint16_t(soa.size() >= 20 ? soa.size() - 20 : soa.size())};
  sum += record_hash(s);
  if (soa.size() >= 20) sum += mix(hash_bytes(0, soa.data() + soa.size() - 16, 16));
  return sum;
}

}  // namespace dnsd::xfr
