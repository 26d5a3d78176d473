// The canonical form of one record's rdata (RFC 4034 6.2, as corrected by
// RFC 6840 5.1): what RRSIGs sign and what RRsets are sorted by.
//
// Domain names embedded in the rdata are lowercased for NS, MD, MF, CNAME,
// SOA, MB, MG, MR, PTR, MINFO, MX, RP, AFSDB, RT, PX, KX, SRV, NAPTR, DNAME,
// SIG and RRSIG. Every other type is copied as it is, among them NSEC (whose
// next name keeps its case, RFC 6840 5.1), HINFO (no names), and the
// obsolete NXT and A6 (A6's prefix name is left as written: dnsd never
// serves A6, RFC 6563, and validators disagree on it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dnsd::dnssec {

/// Appends the canonical form of the uncompressed rdata `rdata` (`length`
/// bytes) of a record of `type` to `out`. False, with `out` as it was, when
/// the rdata does not parse for its type (too short, a bad or compressed name,
/// bytes left over). Any thread.
bool canonical_rdata(uint16_t type, const uint8_t* rdata, size_t length, std::vector<uint8_t>& out);

}  // namespace dnsd::dnssec
