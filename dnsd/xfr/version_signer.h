// Signs what one zone version adds to its zone's static signatures: the SOA
// (whose serial is the version's), the DNSKEY RRset, each pool RRset as the
// version serves it (the whole set, which transfers carry, and every
// max_answers window of it, which answers carry), and the NSEC records whose
// type bitmaps a pool served empty changes. Runs when a version is published,
// off the query path; what the version before already signed the same way is
// copied, not signed again, so a health change signs only the RRsets it
// changed.
#pragma once

#include <memory>
#include <string>

#include "dnsd/dnssec/signing_setup.h"
#include "dnsd/query/zone_version.h"

namespace dnsd::xfr {

/// The signatures of `version` (its zone, pools, serial and SOA set) under
/// `setup`, on top of `zone_signatures` (sign_zone of the same Zone and
/// setup), reusing from `previous` (null: none) what it signed identically.
/// nullptr with `error` on a signing failure. Publisher's thread; allocates.
///
/// Bound: a pool RRset of n served members with n > answer_limit has n
/// windows (one per rotation start), so it holds n + 1 signatures, at most
/// kMaxPoolMembers + 1. When members change, a window whose members (in
/// order) were a window of the version before is copied, so one member
/// leaving or joining signs the whole set and the about answer_limit
/// windows that hold it or that it shifts, not all n.
std::shared_ptr<const dnssec::VersionSignatures> sign_version(
    const ZoneVersion& version, std::shared_ptr<const dnssec::ZoneSignatures> zone_signatures,
    const dnssec::SigningSetup& setup, const ZoneVersion* previous, std::string& error);

}  // namespace dnsd::xfr
