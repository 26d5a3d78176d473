#include "dnsd/xfr/zone_diff.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "dnsd/xfr/zone_content.h"

namespace dnsd::xfr {
namespace {

namespace rr = zones::rrtype;

int compare_bytes(const uint8_t* a, size_t an, const uint8_t* b, size_t bn) {
  const int c = std::memcmp(a, b, std::min(an, bn));
  if (c != 0) return c;
  return an < bn ? -1 : an > bn ? 1 : 0;
}

// Any strict total order over whole records will do: it only pairs equal ones.
int compare(const RecordView& a, const RecordView& b) {
  if (int c = compare_bytes(a.owner, a.owner_length, b.owner, b.owner_length)) return c;
  if (a.type != b.type) return a.type < b.type ? -1 : 1;
  if (int c = compare_bytes(a.rdata, a.rdata_length, b.rdata, b.rdata_length)) return c;
  if (a.ttl != b.ttl) return a.ttl < b.ttl ? -1 : 1;
  return 0;
}

std::vector<RecordView> sorted_records(const ZoneVersion& v) {
  std::vector<RecordView> out;
  ZoneWalker walker(v);
  RecordView r;
  while (walker.next(r)) out.push_back(r);
  std::sort(out.begin(), out.end(), [](const RecordView& a, const RecordView& b) { return compare(a, b) < 0; });
  return out;
}

void diff_all(const ZoneVersion& from, const ZoneVersion& to, ZoneChange& change) {
  const std::vector<RecordView> a = sorted_records(from), b = sorted_records(to);
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    const int c = i == a.size() ? 1 : j == b.size() ? -1 : compare(a[i], b[j]);
    if (c < 0) change.removed.append(a[i++]);
    else if (c > 0) change.added.append(b[j++]);
    else ++i, ++j;
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

// Same Zone object: the pool RRsets are the same list in both versions, and
// each one's members are in member order, so a merge per RRset finds the change.
void diff_pools(const ZoneVersion& from, const ZoneVersion& to, ZoneChange& change) {
  const zones::Zone& zone = *to.zone;
  std::vector<std::pair<const zones::Node*, const zones::RRset*>> owners(to.pools.rrsets.size());
  for (uint32_t n = 0, k = 0; n < zone.node_count() && k < owners.size(); ++n) {
    const zones::Node& node = zone.node(n);
    const auto sets = zone.rrsets(node);
    for (uint32_t j = 0; j < sets.size() && k < owners.size(); ++j)
      if (node.first_rrset + j == to.pools.rrsets[k]) owners[k++] = {&node, &sets[j]};
  }
  for (size_t k = 0; k < owners.size(); ++k) {
    if (!owners[k].first) continue;
    const auto a = from.pools.served(k), b = to.pools.served(k);
    size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
      if (j == b.size() || (i < a.size() && a[i] < b[j]))
        change.removed.append(member_record(zone, *owners[k].first, *owners[k].second, a[i++]));
      else if (i == a.size() || b[j] < a[i])
        change.added.append(member_record(zone, *owners[k].first, *owners[k].second, b[j++]));
      else
        ++i, ++j;
    }
  }
}

}  // namespace

ZoneChange diff_versions(const ZoneVersion& from, const ZoneVersion& to) {
  ZoneChange change;
  change.from_serial = from.serial;
  change.to_serial = to.serial;
  change.from_soa_rdata = from.soa_rdata;
  change.to_soa_rdata = to.soa_rdata;
  if (from.zone == to.zone && from.pools.rrsets == to.pools.rrsets) diff_pools(from, to, change);
  else diff_all(from, to, change);
  return change;
}

}  // namespace dnsd::xfr
