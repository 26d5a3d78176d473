#include "zones/zone_builder.h"

#include <algorithm>
#include <set>

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

}  // namespace

ZoneBuilder::ZoneBuilder(const Name& origin) : origin_(origin.lowered()) {}

void ZoneBuilder::add_record(const Name& owner, uint16_t type, uint32_t ttl, std::string_view rdata) {
  Name lower = owner.lowered();
  if (!lower.is_subdomain_of(origin_)) return;
  PendingRRset& set = owners_[lower.wire][type];
  if (set.rdatas.empty() || ttl < set.ttl) set.ttl = ttl;
  std::string data(rdata);
  if (std::find(set.rdatas.begin(), set.rdatas.end(), data) == set.rdatas.end()) set.rdatas.push_back(std::move(data));
}

uint32_t ZoneBuilder::add_pool(Pool pool) {
  pools_.push_back(std::move(pool));
  return uint32_t(pools_.size() - 1);
}

void ZoneBuilder::add_pool_rrset(const Name& owner, uint16_t type, uint32_t ttl, uint32_t pool_index) {
  Name lower = owner.lowered();
  if (!lower.is_subdomain_of(origin_)) return;
  PendingRRset& set = owners_[lower.wire][type];
  set.ttl = ttl;
  set.pool = pool_index;
}

std::shared_ptr<const Zone> ZoneBuilder::build(std::string& error) {
  if (!has_apex_soa()) {
    error = "zone " + origin_.text() + " has no SOA record at its apex";
    return nullptr;
  }
  auto zone = std::make_shared<Zone>();
  Zone& z = *zone;
  lay_out_nodes_and_rrsets(z, collect_names_and_cuts());
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

// Checked first: negative answers and the serial need the apex SOA.
bool ZoneBuilder::has_apex_soa() const {
  auto apex_it = owners_.find(origin_.wire);
  return apex_it != owners_.end() && apex_it->second.count(rrtype::SOA) &&
         !apex_it->second.at(rrtype::SOA).rdatas.empty();
}

// Ancestors without records are empty non-terminals (NODATA, not NXDOMAIN); NS below the apex is a cut.
ZoneBuilder::NamesAndCuts ZoneBuilder::collect_names_and_cuts() const {
  NamesAndCuts out;
  for (const auto& [owner, types] : owners_) {
    Name n{owner};
    while (true) {
      out.names.insert(n.wire);
      if (n == origin_) break;
      n = n.parent();
    }
  }
  for (const auto& [owner, types] : owners_)
    if (owner != origin_.wire && types.count(rrtype::NS)) out.cuts.insert(owner);
  return out;
}

// Flat arrays and per-node flags and rotation slots, decided once here instead of per query.
void ZoneBuilder::lay_out_nodes_and_rrsets(Zone& z, const NamesAndCuts& layout) {
  z.nodes_.reserve(layout.names.size());
  uint32_t rotation = 0;
  for (const std::string& wire : layout.names) {
    Node node;
    node.name_offset = uint32_t(z.names_.size());
    node.name_length = uint8_t(wire.size());
    node.label_count = uint8_t(name_label_count(reinterpret_cast<const uint8_t*>(wire.data()), wire.size()));
    z.names_.insert(z.names_.end(), wire.begin(), wire.end());
    if (wire == origin_.wire) {
      node.flags |= node_flag::kApex;
      z.apex_ = uint32_t(z.nodes_.size());
    }
    if (layout.cuts.count(wire)) node.flags |= node_flag::kDelegation;
    for (Name up = Name{wire}; up != origin_;) {
      up = up.parent();
      if (layout.cuts.count(up.wire)) {
        node.flags |= node_flag::kOccluded;
        break;
      }
    }
    node.first_rrset = uint32_t(z.rrsets_.size());
    auto owner_it = owners_.find(wire);
    if (owner_it != owners_.end()) {
      for (const auto& [type, pending] : owner_it->second) {
        RRset set;
        set.type = type;
        set.ttl = pending.ttl;
        set.pool = pending.pool;
        set.first_record = uint32_t(z.records_.size());
        for (const std::string& rdata : pending.rdatas) {
          Record r;
          r.rdata_offset = uint32_t(z.rdata_.size());
          r.rdata_length = uint16_t(rdata.size());
          compressible_names(type, rdata, r.name_at);
          z.rdata_.insert(z.rdata_.end(), rdata.begin(), rdata.end());
          z.records_.push_back(r);
        }
        set.record_count = uint16_t(pending.rdatas.size());
        if (set.record_count > 1 || set.pool != kNone) set.rotation_slot = rotation++;
        if (type == rrtype::CNAME) node.flags |= node_flag::kCname;
        z.rrsets_.push_back(set);
      }
    }
    node.rrset_count = uint16_t(z.rrsets_.size() - node.first_rrset);
    z.nodes_.push_back(node);
  }
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
