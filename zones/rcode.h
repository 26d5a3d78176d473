// DNS response codes as text. It lives in the bottom layer because both the
// DNS health check (health/) and the control plane (metrics, explain) name
// rcodes, and they must name them the same way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dnsd::zones {

/// The IANA mnemonic of `rcode`: "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
/// "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
/// "BADVERS" (16, extended), "BADCOOKIE" (23, extended), and "RCODE<n>" for
/// any other. Pure; any thread.
std::string rcode_name(uint16_t rcode);

/// The rcode `text` names, case-insensitively: a mnemonic rcode_name gives
/// for 0..23 ("NOERROR", "servfail", "BADVERS") or "RCODE<n>" with n up to
/// 4095. False for anything else. Pure; any thread.
bool rcode_from_text(std::string_view text, uint16_t& rcode);

}  // namespace dnsd::zones
