// The body of POST /api/drain and /api/undrain (CONTROL_API.md): a JSON
// object naming a pool member, or an address alone (every pool of every
// zone that has it, now and after later reloads), read into checked, normalised values before
// the control server looks anything up. A pure function of the body, so the
// unit tests and the fuzz harness read bodies without an HTTP server.
#pragma once

#include <string>
#include <string_view>

namespace dnsd {

/// A drain or undrain request, checked and normalised.
struct AdminRequest {
  std::string pool;          ///< pool name, or empty for every pool of every zone
  std::string address_text;  ///< the member's address as the request gave it
  std::string address;       ///< the same, canonical (health::canonical_address)
  std::string zone;          ///< normalised zone origin, or empty for every zone

  /// No pool named: the address in every pool of every zone.
  bool every_pool() const { return pool.empty(); }
};

/// Reads "address" and optional "pool" and "zone" (strings; null or "" count
/// as absent) from `body` (empty means `{}`). False with `error` set, the
/// message of the 400 reply, when the body is not a JSON object, a field is
/// not a string, address is missing, or a zone is given without a pool.
/// Never throws. Any thread.
bool parse_admin_request(std::string_view body, AdminRequest& out, std::string& error);

}  // namespace dnsd
