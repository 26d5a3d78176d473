#include "dnsd/control/admin_request.h"

#include <nlohmann/json.hpp>

#include "dnsd/control/json_body.h"
#include "health/check.h"
#include "health/drain_table.h"

namespace dnsd {

using nlohmann::json;

namespace {

/// A JSON body's optional string field; false (with `error`) when present but not a string.
bool string_field(const json& body, const char* key, std::string& out, std::string& error) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return true;
  if (!it->is_string()) {
    error = std::string("'") + key + "' must be a string";
    return false;
  }
  out = it->get<std::string>();
  return true;
}

}  // namespace

bool parse_admin_request(std::string_view body_text, AdminRequest& out, std::string& error) {
  json body;
  if (!parse_json_object(body_text, body, error)) return false;
  std::string zone;
  if (!string_field(body, "pool", out.pool, error) || !string_field(body, "address", out.address_text, error) ||
      !string_field(body, "zone", zone, error))
    return false;
  if (out.address_text.empty()) {
    error = "'address' is required";
    return false;
  }
  if (out.pool.empty() && !zone.empty()) {
    error = "'zone' needs 'pool': without a pool the address is drained in every pool of every zone";
    return false;
  }
  out.zone = zone.empty() ? "" : health::normalized_zone(zone);
  out.address = health::canonical_address(out.address_text);
  return true;
}

}  // namespace dnsd
