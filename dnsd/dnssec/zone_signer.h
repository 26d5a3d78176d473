// Signs what a zone serves regardless of health: every authoritative static
// RRset and the NSEC chain. Runs when a zone is loaded or its signing setup
// changes (a new window, a key rollover), off the query path, on several
// threads for large zones. The per-version part (SOA, DNSKEY, pools) is the
// versioner's (dnsd/xfr/version_signer.h).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dnsd/dnssec/signed_zone.h"
#include "dnsd/dnssec/signing_setup.h"
#include "zones/zone.h"

namespace dnsd::dnssec {

/// Signs `zone`'s static RRsets (not the SOA, pools, delegation NS or glue)
/// and its NSEC chain, each pool RRset counted as present, with
/// setup.zone_key over setup.window, on `threads` threads (at least one).
/// nullptr with `error` on a signing failure. Allocates; seconds for a zone
/// of a few hundred thousand names. Any thread but the query path.
std::shared_ptr<const ZoneSignatures> sign_zone(const zones::Zone& zone, const SigningSetup& setup, unsigned threads,
                                                std::string& error);

/// The NSEC rdata at chain node `node` of `zone`: the next chain name and
/// the type bitmap nsec_types gives with `pool_served`. Replaces `out`.
void make_nsec_rdata(const zones::Zone& zone, const NsecChain& chain, uint32_t node,
                     const std::function<bool(uint32_t)>& pool_served, std::vector<uint8_t>& out);

/// Whether RRset `set` at `node` is signed by the zone: authoritative data
/// (not below a cut, not the NS or glue at a cut; DS at a cut is) that is
/// neither a pool (signed per version) nor the SOA (signed per version).
bool signed_statically(const zones::Zone& zone, const zones::Node& node, const zones::RRset& set);

}  // namespace dnsd::dnssec
