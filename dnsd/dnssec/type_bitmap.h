// The type bitmap of NSEC and NSEC3 records (RFC 4034 4.1.2, RFC 5155 3.2.1),
// and which types a name's NSEC lists, decided at publish time.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "zones/zone.h"

namespace dnsd::dnssec {

/// Appends the NSEC/NSEC3 type bitmap (RFC 4034 4.1.2: one block per window that has a type,
/// each the window number, the bitmap length and the bitmap without trailing zero octets) of
/// `types`, which must be ascending and unique. Nothing is appended for no types. Any thread.
void append_type_bitmap(std::span<const uint16_t> types, std::vector<uint8_t>& out);

/// The types the NSEC at chain node `node` lists, ascending, replacing `out`'s content: the
/// node's RRset types plus RRSIG and NSEC, and DNSKEY at the apex (every signed zone has one
/// there). A pool RRset (RRset::pool != kNone) counts only when `pool_served(global RRset
/// index)` is true, since health can empty a pool (serve-none). At a delegation point
/// (kDelegation, not apex) only NS, DS when the zone has a DS there, RRSIG and NSEC (RFC 4035
/// 2.3: the glue and anything else at the cut belong to the child). Builder thread.
void nsec_types(const zones::Zone& zone, uint32_t node, const std::function<bool(uint32_t)>& pool_served,
                std::vector<uint16_t>& out);

}  // namespace dnsd::dnssec
