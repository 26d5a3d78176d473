#include "zones/zone_builder.h"

#include <algorithm>
#include <unordered_set>

namespace dnsd::zones {
namespace {

// Length of the uncompressed wire name at rdata[pos], or 0 if malformed.
size_t embedded_name_length(std::string_view rdata, size_t pos) {
  size_t start = pos;
  while (pos < rdata.size()) {
    uint8_t len = uint8_t(rdata[pos]);
    if (len > 63) return 0;
    pos += 1 + len;
    if (len == 0) return pos <= rdata.size() ? pos - start : 0;
  }
  return 0;
}

// Where a type keeps a name that RFC 3597 section 4 lets us compress.
void compressible_names(uint16_t type, std::string_view rdata, uint16_t out[2]) {
  switch (type) {
    case rrtype::NS:
    case rrtype::CNAME:
    case rrtype::PTR:
      out[0] = 0;
      break;
    case rrtype::MX:
      if (rdata.size() > 2) out[0] = 2;
      break;
    case rrtype::SOA: {
      size_t first = embedded_name_length(rdata, 0);
      if (first == 0) break;
      out[0] = 0;
      if (embedded_name_length(rdata, first) != 0) out[1] = uint16_t(first);
      break;
    }
    default:
      break;
  }
}

// Offset of the name whose address records belong in the additional section
// (or whose CNAME chain we follow), or -1.
int target_name_offset(uint16_t type) {
  switch (type) {
    case rrtype::NS:
    case rrtype::CNAME:
      return 0;
    case rrtype::MX:
      return 2;
    case rrtype::SRV:
      return 6;
    default:
      return -1;
  }
}

uint32_t read_u32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

// The node named by the uncompressed wire name at `wire`, or kNone (also for a
// malformed name).
uint32_t find_node(const Zone& z, const uint8_t* wire, size_t length) {
  LabeledName n;
  if (n.parse(wire, length) == 0) return kNone;
  return z.find(n.wire, n.length, n.suffix_hash[0]);
}

// The parent of a wire name: the name without its leftmost label.
std::string_view parent_of(std::string_view wire) { return wire.substr(1 + uint8_t(wire[0])); }

}  // namespace

/// The builder's records grouped for laying out: entries sorted by owner name,
/// type and call order; the distinct owners; every node name; the zone cuts.
struct ZoneBuilder::Layout {
  std::vector<uint32_t> order;                ///< entry indices, grouped by owner then type
  std::vector<std::string_view> owners;       ///< distinct owner names, sorted
  std::vector<uint32_t> owner_begin;          ///< per distinct owner, where its entries start in order; + end
  std::vector<std::string_view> names;        ///< owners and empty non-terminals, sorted
  std::unordered_set<std::string_view> cuts;  ///< owners below the apex with NS records
};

ZoneBuilder::ZoneBuilder(const Name& origin) : origin_(origin.lowered()) {}

uint32_t ZoneBuilder::add_owner(const Name& owner) {
  if (!owner.is_subdomain_of(origin_)) return kNone;
  if (!owners_.empty()) {
    std::string_view last = owner_wire(uint32_t(owners_.size() - 1));
    if (name_equal(owner.data(), owner.size(), reinterpret_cast<const uint8_t*>(last.data()), last.size()))
      return uint32_t(owners_.size() - 1);
  }
  owners_.push_back(OwnerSpan{uint32_t(owner_bytes_.size()), uint32_t(owner.size())});
  size_t at = owner_bytes_.size();
  owner_bytes_ += owner.wire;
  for (size_t i = at; i < owner_bytes_.size(); ++i) owner_bytes_[i] = char(lower_byte(uint8_t(owner_bytes_[i])));
  return uint32_t(owners_.size() - 1);
}

void ZoneBuilder::add_entry(uint32_t owner, uint16_t type, uint32_t ttl, std::string_view rdata, uint32_t pool) {
  if (owner == kNone) return;
  Entry e;
  e.owner = owner;
  e.type = type;
  e.ttl = ttl;
  e.rdata_offset = uint32_t(rdata_bytes_.size());
  e.rdata_length = uint32_t(rdata.size());
  e.pool = pool;
  rdata_bytes_.append(rdata);
  entries_.push_back(e);
}

void ZoneBuilder::add_record(uint32_t owner, uint16_t type, uint32_t ttl, std::string_view rdata) {
  add_entry(owner, type, ttl, rdata, kNone);
}

void ZoneBuilder::add_record(const Name& owner, uint16_t type, uint32_t ttl, std::string_view rdata) {
  add_record(add_owner(owner), type, ttl, rdata);
}

uint32_t ZoneBuilder::add_pool(Pool pool) {
  pools_.push_back(std::move(pool));
  return uint32_t(pools_.size() - 1);
}

void ZoneBuilder::add_pool_rrset(const Name& owner, uint16_t type, uint32_t ttl, uint32_t pool_index) {
  add_entry(add_owner(owner), type, ttl, {}, pool_index);
}

std::shared_ptr<const Zone> ZoneBuilder::build(std::string& error) {
  for (Entry& e : entries_)
    if (e.ttl == kZoneTtl) e.ttl = default_ttl_;
  Layout layout;
  sort_entries(layout);
  if (!has_apex_soa(layout)) {
    error = "zone " + origin_.text() + " has no SOA record at its apex";
    return nullptr;
  }
  auto zone = std::make_shared<Zone>();
  Zone& z = *zone;
  collect_names_and_cuts(layout);
  lay_out_nodes_and_rrsets(z, layout);
  z.transfer_ = transfer_;
  z.dnssec_ = dnssec_;
  build_hash_table(z);
  link_wildcards(z);
  link_targets(z);
  if (!read_soa(z)) {
    error = "zone " + origin_.text() + " has a malformed SOA record";
    return nullptr;
  }
  return zone;
}

// One sort of the owners by name, one of the entries by (owner, type, call):
// the order std::map would give, without a node per owner and type.
void ZoneBuilder::sort_entries(Layout& layout) {
  // Sorted by their first eight bytes as one integer, then by the whole name:
  // most comparisons never touch the name bytes.
  struct ByName {
    uint64_t prefix;
    uint32_t owner;
  };
  std::vector<ByName> sorted(owners_.size());
  for (uint32_t i = 0; i < sorted.size(); ++i) {
    std::string_view wire = owner_wire(i);
    uint64_t prefix = 0;
    for (size_t b = 0; b < 8; ++b) prefix = prefix << 8 | (b < wire.size() ? uint8_t(wire[b]) : 0);
    sorted[i] = ByName{prefix, i};
  }
  std::sort(sorted.begin(), sorted.end(), [this](const ByName& a, const ByName& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return owner_wire(a.owner) < owner_wire(b.owner);
  });
  std::vector<uint32_t> by_name(sorted.size());
  for (size_t i = 0; i < sorted.size(); ++i) by_name[i] = sorted[i].owner;
  std::vector<ByName>().swap(sorted);
  std::vector<uint32_t> rank(owners_.size(), kNone);  // kNone: an owner whose records were all ignored
  for (const Entry& e : entries_) rank[e.owner] = 0;
  for (uint32_t id : by_name) {
    if (rank[id] == kNone) continue;
    std::string_view wire = owner_wire(id);
    if (layout.owners.empty() || layout.owners.back() != wire) layout.owners.push_back(wire);
    rank[id] = uint32_t(layout.owners.size() - 1);
  }
  // A counting sort by owner (in call order within each), then each owner's
  // few entries by type: linear, where one sort of all entries would not be.
  layout.owner_begin.assign(layout.owners.size() + 1, 0);
  for (const Entry& e : entries_) ++layout.owner_begin[rank[e.owner] + 1];
  for (size_t g = 1; g < layout.owner_begin.size(); ++g) layout.owner_begin[g] += layout.owner_begin[g - 1];
  std::vector<uint32_t> next(layout.owner_begin.begin(), layout.owner_begin.end() - 1);
  layout.order.resize(entries_.size());
  for (uint32_t i = 0; i < entries_.size(); ++i) layout.order[next[rank[entries_[i].owner]]++] = i;
  for (size_t g = 0; g < layout.owners.size(); ++g) {
    auto begin = layout.order.begin() + layout.owner_begin[g], end = layout.order.begin() + layout.owner_begin[g + 1];
    if (end - begin > 1)
      std::stable_sort(begin, end, [this](uint32_t a, uint32_t b) { return entries_[a].type < entries_[b].type; });
  }
}

// Checked first: negative answers and the serial need the apex SOA.
bool ZoneBuilder::has_apex_soa(const Layout& layout) const {
  auto apex = std::lower_bound(layout.owners.begin(), layout.owners.end(), std::string_view(origin_.wire));
  if (apex == layout.owners.end() || *apex != origin_.wire) return false;
  size_t g = size_t(apex - layout.owners.begin());
  for (uint32_t i = layout.owner_begin[g]; i < layout.owner_begin[g + 1]; ++i) {
    const Entry& e = entries_[layout.order[i]];
    if (e.type == rrtype::SOA && e.pool == kNone) return true;
  }
  return false;
}

// Ancestors without records are empty non-terminals (NODATA, not NXDOMAIN); NS below the apex is a cut.
// Every ancestor is a suffix of an owner's bytes, so names are views, never copies.
void ZoneBuilder::collect_names_and_cuts(Layout& layout) const {
  std::string_view origin(origin_.wire);
  std::unordered_set<std::string_view> empty_non_terminals;
  for (std::string_view owner : layout.owners) {
    for (std::string_view up = owner; up.size() > origin.size();) {
      up = parent_of(up);
      if (up == origin || std::binary_search(layout.owners.begin(), layout.owners.end(), up) ||
          !empty_non_terminals.insert(up).second)
        break;
    }
  }
  layout.names.reserve(layout.owners.size() + empty_non_terminals.size());
  layout.names = layout.owners;
  size_t owners = layout.names.size();
  layout.names.insert(layout.names.end(), empty_non_terminals.begin(), empty_non_terminals.end());
  std::sort(layout.names.begin() + owners, layout.names.end());
  std::inplace_merge(layout.names.begin(), layout.names.begin() + owners, layout.names.end());
  for (size_t g = 0; g < layout.owners.size(); ++g) {
    if (layout.owners[g] == origin) continue;
    for (uint32_t i = layout.owner_begin[g]; i < layout.owner_begin[g + 1]; ++i)
      if (entries_[layout.order[i]].type == rrtype::NS) {
        layout.cuts.insert(layout.owners[g]);
        break;
      }
  }
}

// Flat arrays and per-node flags and rotation slots, decided once here instead of per query.
void ZoneBuilder::lay_out_nodes_and_rrsets(Zone& z, const Layout& layout) {
  std::string_view origin(origin_.wire);
  z.nodes_.reserve(layout.names.size());
  z.rrsets_.reserve(layout.order.size());
  z.records_.reserve(layout.order.size());
  z.rdata_.reserve(rdata_bytes_.size());
  size_t name_bytes = 0;
  for (std::string_view wire : layout.names) name_bytes += wire.size();
  z.names_.reserve(name_bytes);
  uint32_t rotation = 0;
  size_t g = 0;  // the next distinct owner; names and owners are both sorted
  std::vector<std::string_view> rdatas;
  std::unordered_set<std::string_view> seen;
  for (std::string_view wire : layout.names) {
    Node node;
    node.name_offset = uint32_t(z.names_.size());
    node.name_length = uint8_t(wire.size());
    node.label_count = uint8_t(name_label_count(reinterpret_cast<const uint8_t*>(wire.data()), wire.size()));
    z.names_.insert(z.names_.end(), reinterpret_cast<const uint8_t*>(wire.data()),
                    reinterpret_cast<const uint8_t*>(wire.data()) + wire.size());
    if (wire == origin) {
      node.flags |= node_flag::kApex;
      z.apex_ = uint32_t(z.nodes_.size());
    }
    if (!layout.cuts.empty()) {
      if (layout.cuts.count(wire)) node.flags |= node_flag::kDelegation;
      for (std::string_view up = wire; up.size() > origin.size();) {
        up = parent_of(up);
        if (layout.cuts.count(up)) {
          node.flags |= node_flag::kOccluded;
          break;
        }
      }
    }
    node.first_rrset = uint32_t(z.rrsets_.size());
    if (g < layout.owners.size() && layout.owners[g] == wire) {
      uint32_t end = layout.owner_begin[g + 1];
      for (uint32_t i = layout.owner_begin[g]; i < end;) {
        uint16_t type = entries_[layout.order[i]].type;
        RRset set;
        set.type = type;
        rdatas.clear();
        seen.clear();
        for (; i < end && entries_[layout.order[i]].type == type; ++i) {
          const Entry& e = entries_[layout.order[i]];
          if (e.pool != kNone) {
            set.ttl = e.ttl;
            set.pool = e.pool;
            continue;
          }
          if (rdatas.empty() || e.ttl < set.ttl) set.ttl = e.ttl;
          std::string_view data = rdata_of(e);
          bool repeated;
          if (rdatas.size() < 16) {
            repeated = std::find(rdatas.begin(), rdatas.end(), data) != rdatas.end();
          } else {  // a large RRset: a set, not a scan per record
            if (seen.empty()) seen.insert(rdatas.begin(), rdatas.end());
            repeated = !seen.insert(data).second;
          }
          if (!repeated) rdatas.push_back(data);
        }
        set.first_record = uint32_t(z.records_.size());
        for (std::string_view rdata : rdatas) {
          Record r;
          r.rdata_offset = uint32_t(z.rdata_.size());
          r.rdata_length = uint16_t(rdata.size());
          compressible_names(type, rdata, r.name_at);
          z.rdata_.insert(z.rdata_.end(), reinterpret_cast<const uint8_t*>(rdata.data()),
                          reinterpret_cast<const uint8_t*>(rdata.data()) + rdata.size());
          z.records_.push_back(r);
        }
        set.record_count = uint16_t(rdatas.size());
        if (set.record_count > 1 || set.pool != kNone) set.rotation_slot = rotation++;
        if (type == rrtype::CNAME) node.flags |= node_flag::kCname;
        z.rrsets_.push_back(set);
      }
      ++g;
    }
    node.rrset_count = uint16_t(z.rrsets_.size() - node.first_rrset);
    z.nodes_.push_back(node);
  }
  z.rrsets_.shrink_to_fit();
  z.records_.shrink_to_fit();
  z.rdata_.shrink_to_fit();
  z.rotation_slots_ = rotation;
  z.pools_ = std::move(pools_);
}

// At most half full, so Zone::find() takes a few probes and never allocates.
void ZoneBuilder::build_hash_table(Zone& z) {
  size_t size = 16;
  while (size < z.nodes_.size() * 2) size <<= 1;
  z.table_.assign(size, kNone);
  z.hashes_.resize(z.nodes_.size());
  for (uint32_t i = 0; i < z.nodes_.size(); ++i) {
    const Node& n = z.nodes_[i];
    uint64_t h = name_hash(z.names_.data() + n.name_offset, n.name_length);
    z.hashes_[i] = h;
    size_t slot = h & (size - 1);
    while (z.table_[slot] != kNone) slot = (slot + 1) & (size - 1);
    z.table_[slot] = i;
  }
}

// "*.parent" makes parent the source of wildcard synthesis (RFC 4592); linked so no lookup is needed.
void ZoneBuilder::link_wildcards(Zone& z) {
  for (Node& node : z.nodes_) {
    const uint8_t* name = z.names_.data() + node.name_offset;
    if (node.name_length > 2 && name[0] == 1 && name[1] == '*') {
      uint32_t parent = find_node(z, name + 2, node.name_length - 2);
      if (parent != kNone) z.nodes_[parent].wildcard_child = uint32_t(&node - z.nodes_.data());
    }
  }
}

// In-zone NS, MX, SRV and CNAME targets, so additional addresses and CNAME chains need no lookup.
void ZoneBuilder::link_targets(Zone& z) {
  for (RRset& set : z.rrsets_) {
    int at = target_name_offset(set.type);
    if (at < 0) continue;
    for (uint32_t i = 0; i < set.record_count; ++i) {
      Record& r = z.records_[set.first_record + i];
      if (size_t(at) < r.rdata_length)
        r.target_node = find_node(z, z.rdata_.data() + r.rdata_offset + at, r.rdata_length - at);
    }
  }
}

// Serial and negative TTL (RFC 2308) read once, so answers never parse the SOA; false if malformed.
bool ZoneBuilder::read_soa(Zone& z) {
  const Node& apex = z.nodes_[z.apex_];
  z.soa_ = z.find_rrset(apex, rrtype::SOA);
  const Record& soa = z.records_[z.soa_->first_record];
  std::string_view soa_rdata(reinterpret_cast<const char*>(z.rdata_.data() + soa.rdata_offset), soa.rdata_length);
  size_t mname = embedded_name_length(soa_rdata, 0);
  size_t rname = mname ? embedded_name_length(soa_rdata, mname) : 0;
  if (!mname || !rname || mname + rname + 20 != soa.rdata_length) return false;
  const uint8_t* fixed = z.rdata_.data() + soa.rdata_offset + mname + rname;
  z.serial_ = read_u32(fixed);
  z.negative_ttl_ = std::min(z.soa_->ttl, read_u32(fixed + 16));
  return true;
}

}  // namespace dnsd::zones
