// The difference between two versions of a zone, as IXFR sends it: the
// records the newer one no longer has and the ones it gained.
#pragma once

#include "dnsd/query/zone_version.h"

namespace dnsd::xfr {

/// The change from `from` to `to` (versions of the same zone). When both
/// share one Zone object and static signatures, only pool RRsets and the
/// versions' own signing layers (SOA and pool RRSIGs, DNSKEY, NSEC records a
/// pool emptied) can differ, and only those are compared; otherwise every
/// record of both is sorted and merged. Publisher's
/// thread; allocates.
ZoneChange diff_versions(const ZoneVersion& from, const ZoneVersion& to);

/// The pool members alone that differ between `from` and `to`, which must
/// share one Zone object and pool RRset layout: what a fingerprint follows
/// after a health change. Publisher's thread; allocates.
ZoneChange diff_pool_members(const ZoneVersion& from, const ZoneVersion& to);

}  // namespace dnsd::xfr
