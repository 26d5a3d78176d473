#include "zones/catalog_zone.h"

#include <cstdio>
#include <set>

#include "zones/zone_builder.h"

namespace dnsd::zones {
namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;

uint64_t fnv1a(uint64_t hash, std::string_view bytes) {
  for (char c : bytes) {
    hash ^= uint8_t(c);
    hash *= kFnvPrime;
  }
  return hash;
}

std::string hex16(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

// RFC 9432 section 4.1 recommends "invalid." (RFC 2606) for the apex NS: a
// catalog is for consumers, not resolvers, and must not point anywhere real.
const std::string kInvalid = std::string("\x07invalid\x00", 9);

void append_u32(std::string& out, uint32_t v) {
  out.push_back(char(v >> 24));
  out.push_back(char(v >> 16));
  out.push_back(char(v >> 8));
  out.push_back(char(v));
}

// SOA as in RFC 9432 appendix A: "invalid." for MNAME and RNAME, a long
// EXPIRE so consumers keep their member list through a long primary outage,
// and MINIMUM 0 since nothing should cache catalog answers.
std::string catalog_soa_rdata() {
  std::string rdata = kInvalid + kInvalid;
  for (uint32_t v : {1u, 3600u, 600u, 2147483646u, 0u}) append_u32(rdata, v);
  return rdata;
}

bool parse_name(std::string_view text, const char* what, Name& out, std::string& error) {
  std::string why;
  if (!name_from_text(text, root_name(), out, why)) {
    error = std::string("invalid ") + what + " name \"" + std::string(text) + "\": " + why;
    return false;
  }
  out = out.lowered();
  return true;
}

// "<label>.<parent>" in wire form; false when it would be longer than a name may be.
bool child_name(std::string_view label, const Name& parent, Name& out) {
  out.wire.assign(1, char(label.size()));
  out.wire.append(label);
  out.wire += parent.wire;
  return out.wire.size() <= kMaxNameLength;
}

}  // namespace

std::string catalog_member_id(const Name& member) { return hex16(fnv1a(kFnvOffset, member.lowered().wire)); }

std::shared_ptr<const Zone> build_catalog_zone(std::string_view catalog, const std::vector<std::string>& members,
                                               const TransferPolicy& transfer, std::string& error) {
  Name origin;
  if (!parse_name(catalog, "catalog zone", origin, error)) return nullptr;
  if (origin.label_count() == 0) {
    error = "the catalog zone cannot be the root zone";
    return nullptr;
  }
  std::set<Name> sorted;  // lowercased, so a name given twice in two cases is one member
  for (const std::string& text : members) {
    Name member;
    if (!parse_name(text, "member zone", member, error)) return nullptr;
    if (member != origin) sorted.insert(std::move(member));
  }
  Name zones_node, version_node;
  if (!child_name("zones", origin, zones_node) || !child_name("version", origin, version_node) ||
      zones_node.size() + 17 > kMaxNameLength) {
    error = "catalog zone name \"" + origin.text() + "\" is too long to hold member names below it";
    return nullptr;
  }

  ZoneBuilder builder(origin);
  builder.add_record(origin, rrtype::SOA, 0, catalog_soa_rdata());
  builder.add_record(origin, rrtype::NS, 0, kInvalid);
  builder.add_record(version_node, rrtype::TXT, 0, std::string("\x01" "2", 2));
  std::set<std::string> used;
  for (const Name& member : sorted) {
    uint64_t hash = fnv1a(kFnvOffset, member.wire);
    std::string id = hex16(hash);
    for (char salt = 1; used.count(id); ++salt) {
      hash = fnv1a(hash, std::string_view(&salt, 1));
      id = hex16(hash);
    }
    used.insert(id);
    Name node;
    child_name(id, zones_node, node);  // fits: checked above
    builder.add_record(node, rrtype::PTR, 0, member.wire);
  }
  builder.set_transfer(transfer);
  return builder.build(error);
}

}  // namespace dnsd::zones
