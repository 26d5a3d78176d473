// Where `dnsd serve` gets the secrets of its DNS server cookies
// (dnsd/query/server_cookies.h explains how they are used):
//   --cookie-secret FILE   one or two RFC 9018 secrets, 32 hex digits per line
//                          ('#' starts a comment): the first makes cookies, a
//                          second also checks them. Shared by the servers of
//                          an anycast set, whatever their vendor.
//   --state-dir DIR        otherwise, a master secret kept in DIR/cookie-master.key
//                          (made on first start, mode 0600), so that cookies
//                          survive a restart; the secret rotates daily.
//   neither                a random master secret for this run.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dnsd/query/server_cookies.h"

namespace dnsd {

/// File name of the master secret in --state-dir.
inline constexpr const char* kCookieMasterFile = "cookie-master.key";

/// Parses secrets text: one or two lines of 32 hex digits, '#' comments and
/// blank lines aside. `source` names the text in errors ("FILE:LINE: ..."),
/// which never echo a secret. Any thread.
std::optional<std::vector<CookieSecret>> parse_cookie_secrets(std::string_view text, const std::string& source,
                                                              std::string& error);

/// The secrets to serve with: Fixed from `secret_file` when it is not empty,
/// else Rotating from the master in `state_dir` (created when missing), else
/// Rotating from a random master. A secrets file must be a regular file
/// neither readable nor writable by others and not writable by its group.
/// Startup thread (reads and may write files).
std::optional<CookieSecrets> load_cookie_secrets(const std::string& secret_file, const std::string& state_dir,
                                                 std::string& error);

}  // namespace dnsd
