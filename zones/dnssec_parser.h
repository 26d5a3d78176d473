// Reads a zone file's "dnssec" object into a DnssecPolicy (format:
// zones/FORMAT.md, "DNSSEC"), reporting every mistake at its JSON pointer.
// Loader thread only.
#pragma once

#include <string>

#include "zones/dnssec_policy.h"
#include "zones/json_fields.h"

namespace dnsd::zones {

/// Parses the "dnssec" object found at `pointer` (normally "/dnssec") into
/// `out`, which it marks enabled. Reports all errors to ctx; `out` is only
/// meaningful when none were added.
void parse_dnssec(const Json& dnssec, const std::string& pointer, DnssecPolicy& out, LoadContext& ctx);

}  // namespace dnsd::zones
