// Finds what a zone holds for a name, per RFC 1034 4.3.2 and RFC 4592: an
// exact node, a wildcard that covers the name, a zone cut above it, or nothing.
// Pure: reads the immutable zone, writes nothing.
#pragma once

#include <cstdint>

#include "zones/name.h"
#include "zones/zone.h"
#include "zones/zone_set.h"

namespace dnsd {

/// What the zone holds for a name. One switch in query.cc maps it to a reply.
enum class LookupKind : uint8_t {
  Found,       ///< the name exists (possibly as an empty non-terminal)
  Wildcard,    ///< the name does not exist but "*.<closest encloser>" covers it
  Delegation,  ///< a zone cut sits at or above the name: refer
  NoName,      ///< nothing: NXDOMAIN
};

/// Result of one lookup.
struct Lookup {
  LookupKind kind = LookupKind::NoName;
  uint32_t node = zones::kNone;  ///< exact node, wildcard node, cut node, or closest encloser for NoName
};

/// The zone of `zones` that answers `name` for `qtype`, or kNone (REFUSED): the
/// closest enclosing zone, except that DS at a zone apex is answered by a
/// parent zone when dnsd serves one, since DS lives on the parent side of a cut
/// (RFC 4035 3.1.4.1). The query path and explain both call this, so explain
/// names the zone that really answers. Any thread; no allocation, no lock.
uint32_t answering_zone(const zones::ZoneSet& zones, const zones::LabeledName& name, uint16_t qtype);

/// Looks `name` up in `zone`, which must contain it. A DS query at a cut is
/// answered from the parent side (RFC 4035 3.1.4.1), so the cut node is Found.
/// Any thread; no allocation.
Lookup lookup_name(const zones::Zone& zone, const zones::LabeledName& name, uint16_t qtype);

}  // namespace dnsd
