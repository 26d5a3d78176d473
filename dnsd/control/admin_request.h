// The body of POST /api/drain and /api/undrain (CONTROL_API.md): a JSON
// object naming a pool member, read into checked, normalised values before
// the control server looks anything up. A pure function of the body, so the
// unit tests and the fuzz harness read bodies without an HTTP server.
#pragma once

#include <string>
#include <string_view>

namespace dnsd {

/// A drain or undrain request, checked and normalised.
struct AdminRequest {
  std::string pool;          ///< pool name, required
  std::string address_text;  ///< the member's address as the request gave it
  std::string address;       ///< the same, canonical (health::canonical_address)
  std::string zone;          ///< normalised zone origin, or empty for every zone
};

/// Reads "pool", "address" and optional "zone" (strings; null counts as
/// absent) from `body` (empty means `{}`). False with `error` set, the
/// message of the 400 reply, when the body is not a JSON object, a field is
/// not a string, or pool or address is missing. Never throws. Any thread.
bool parse_admin_request(std::string_view body, AdminRequest& out, std::string& error);

}  // namespace dnsd
