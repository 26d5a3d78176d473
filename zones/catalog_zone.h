// The catalog zone (RFC 9432, schema version 2): a generated zone that lists
// the member zones a primary serves, so secondaries such as Knot and BIND can
// provision (and drop) them from one transferred zone. Built from the member
// names alone, it is plain zone data like any loaded zone; the transfer plane
// gives it its serial when it publishes a new version.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "zones/name.h"
#include "zones/transfer_policy.h"
#include "zones/zone.h"

namespace dnsd::zones {

/// The member-node label RFC 9432 calls <unique-N> for `member` (any case): 16
/// lowercase hex digits of the 64-bit FNV-1a hash of its lowercased wire form.
/// A function of the name alone, so a member keeps it across restarts and
/// reloads (a changed label would make consumers reset the zone's state).
/// build_catalog_zone uses it unless two members collide. Any thread.
std::string catalog_member_id(const Name& member);

/// Builds the catalog zone `catalog` (presentation form, e.g. "catalog.invalid." or "cat.example.") listing `members`
/// (zone origins, presentation form), with `transfer` as its policy. The content is a function of the member set
/// alone (sorted), so the same members give identical zones: SOA (serial 1; the transfer plane versions it), NS
/// "invalid.", version TXT "2", and one PTR per member at "<id>.zones.<catalog>" where <id> is catalog_member_id, so
/// a member keeps its id across restarts. Every record has TTL 0, as in RFC 9432's examples. Members are
/// compared case-insensitively (a repeat is listed once) and the catalog itself is never listed. Should two
/// members' ids collide, the later one in canonical order is re-hashed until unique, which keeps the result a
/// function of the set. Returns nullptr and sets `error` on a bad name. Any thread; allocates.
std::shared_ptr<const Zone> build_catalog_zone(std::string_view catalog, const std::vector<std::string>& members,
                                               const TransferPolicy& transfer, std::string& error);

}  // namespace dnsd::zones
