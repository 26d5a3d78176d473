// DNS response codes as text. It lives in the bottom layer because both the
// DNS health check (health/) and the control plane (metrics, explain) name
// rcodes, and they must name them the same way.
#pragma once

#include <cstdint>
#include <string>

namespace dnsd::zones {

/// The IANA mnemonic of `rcode`: "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
/// "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
/// "BADVERS" (16, extended), "BADCOOKIE" (23, extended), and "RCODE<n>" for
/// any other. Pure; any thread.
std::string rcode_name(uint16_t rcode);

}  // namespace dnsd::zones
