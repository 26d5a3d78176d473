// Reads a zone file's "transfer" object into a TransferPolicy (format:
// zones/FORMAT.md, "Transfers"), reporting every mistake at its JSON pointer.
// Loader thread only.
#pragma once

#include <set>
#include <string>

#include "zones/json_fields.h"
#include "zones/transfer_policy.h"

namespace dnsd::zones {

/// Parses the "transfer" object found at `pointer` (normally "/transfer") into
/// `out`, which it marks enabled. When `tsig_keys` is set, a "tsig" naming a
/// key not in it (canonical names) is an error. Reports all errors to ctx;
/// `out` is only meaningful when none were added.
void parse_transfer(const Json& transfer, const std::string& pointer, const std::set<std::string>* tsig_keys,
                    TransferPolicy& out, LoadContext& ctx);

}  // namespace dnsd::zones
