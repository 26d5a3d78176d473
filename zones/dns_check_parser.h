// Reads a dns check's own keys (query_name, query_type, edns, transport,
// expect_rcode, expect_address, expect_answer) out of a pool's "check" object
// (format: zones/FORMAT.md, "Checks"). pool_parser.cc reads the keys every
// check type shares. Loader thread only.
#pragma once

#include <string>

#include "zones/check_spec.h"
#include "zones/json_fields.h"

namespace dnsd::zones {

/// Fills the dns fields of `spec` from `check` (the object at `pointer`),
/// reporting every invalid one to ctx; fields absent keep their defaults.
void parse_dns_check(const Json& check, const std::string& pointer, CheckSpec& spec, LoadContext& ctx);

}  // namespace dnsd::zones
