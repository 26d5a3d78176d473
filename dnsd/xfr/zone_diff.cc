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

void sort_records(std::vector<RecordView>& records) {
  std::sort(records.begin(), records.end(), [](const RecordView& a, const RecordView& b) { return compare(a, b) < 0; });
}

std::vector<RecordView> sorted_records(const ZoneVersion& v) {
  std::vector<RecordView> out;
  ZoneWalker walker(v);
  RecordView r;
  while (walker.next(r)) out.push_back(r);
  sort_records(out);
  return out;
}

/// Appends to `change` what sorted `a` has and sorted `b` lacks as removed, and the reverse as added.
void merge_diff(const std::vector<RecordView>& a, const std::vector<RecordView>& b, ZoneChange& change) {
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    const int c = i == a.size() ? 1 : j == b.size() ? -1 : compare(a[i], b[j]);
    if (c < 0) change.removed.append(a[i++]);
    else if (c > 0) change.added.append(b[j++]);
    else ++i, ++j;
  }
}

void diff_all(const ZoneVersion& from, const ZoneVersion& to, ZoneChange& change) {
  merge_diff(sorted_records(from), sorted_records(to), change);
}

/// The records a version's own signing layer adds to its zone's static
/// signatures: the SOA's RRSIGs, the DNSKEY RRset and its RRSIGs, the pool
/// RRsets' RRSIGs, and the NSEC records (with RRSIGs) at `nsec_nodes`.
std::vector<RecordView> signing_layer(const ZoneVersion& v, const std::vector<uint32_t>& nsec_nodes) {
  std::vector<RecordView> out;
  const dnssec::VersionSignatures& sigs = *v.signatures;
  const zones::Zone& zone = *v.zone;
  append_rrsigs(zone.origin(), uint8_t(zone.origin_length()), zone.soa().ttl, sigs.soa_sigs(), out);
  append_dnskey_records(v, out);
  size_t k = 0;
  for (uint32_t n = 0; n < zone.node_count() && k < v.pools.rrsets.size(); ++n) {
    const zones::Node& node = zone.node(n);
    const auto sets = zone.rrsets(node);
    for (uint32_t j = 0; j < sets.size() && k < v.pools.rrsets.size(); ++j)
      if (node.first_rrset + j == v.pools.rrsets[k])
        append_rrsigs(zone.node_name(node), node.name_length, sets[j].ttl, sigs.pool_whole(k++), out);
  }
  for (const uint32_t n : nsec_nodes) append_nsec_records(v, n, out);
  sort_records(out);
  return out;
}

// Same Zone object and static signatures: only the signing layer can differ.
void diff_signing_layers(const ZoneVersion& from, const ZoneVersion& to, ZoneChange& change) {
  std::vector<uint32_t> nodes;
  for (const auto& [n, ref] : from.signatures->nsec_overrides) nodes.push_back(n);
  for (const auto& [n, ref] : to.signatures->nsec_overrides) nodes.push_back(n);
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  merge_diff(signing_layer(from, nodes), signing_layer(to, nodes), change);
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
  const bool same_signing = (!from.signatures && !to.signatures) ||
                            (from.signatures && to.signatures && from.signatures->zone == to.signatures->zone);
  if (from.zone == to.zone && from.pools.rrsets == to.pools.rrsets && same_signing) {
    diff_pools(from, to, change);
    if (to.signatures) diff_signing_layers(from, to, change);
  } else {
    diff_all(from, to, change);
  }
  return change;
}

ZoneChange diff_pool_members(const ZoneVersion& from, const ZoneVersion& to) {
  ZoneChange change;
  change.from_serial = from.serial;
  change.to_serial = to.serial;
  diff_pools(from, to, change);
  return change;
}

}  // namespace dnsd::xfr
