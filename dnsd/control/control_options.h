// How `dnsd serve` is told to run the control API (--control, --control-token,
// --state-dir), and the one rule about them: a TCP address other than loopback
// needs a token, because whoever reaches the API can drain servers. A UNIX
// socket needs none: its file mode (0660) decides who reaches it.
#pragma once

#include <string>
#include <string_view>

#include "dnsd/server/listen_address.h"

namespace dnsd {

/// Default control address, for `serve` and `ctl` alike: loopback only.
inline constexpr const char* kDefaultControlAddress = "127.0.0.1:8053";

/// How --control names a UNIX socket: "unix:/run/dnsd/control.sock".
inline constexpr std::string_view kUnixControlPrefix = "unix:";

/// What `dnsd serve` was told about the control API.
struct ControlOptions {
  ListenAddress address;  ///< --control ADDR:PORT (unused when unix_path is set)
  std::string unix_path;  ///< --control unix:PATH; empty: TCP at `address`
  std::string token;      ///< --control-token; empty: no authentication
  std::string state_dir;  ///< --state-dir; empty: drains are not persisted
  unsigned threads = 2;   ///< HTTP serving threads
};

/// Whether `address` is in 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104. Any thread.
bool is_loopback(const ListenAddress& address);

/// Reads --control's value, "ADDR:PORT", "[V6]:PORT" or "unix:PATH", into
/// `out.address` or `out.unix_path`. False with `error` set. Any thread.
bool parse_control_address(std::string_view text, ControlOptions& out, std::string& error);

/// What --control names, for logs and errors: "127.0.0.1:8053" or "unix:PATH".
std::string control_address_text(const ControlOptions& options);

/// Why `options` must be refused (a non-loopback TCP address without a
/// token), or "" when they are fine. Any thread.
std::string control_options_problem(const ControlOptions& options);

/// Reads a control token from the first line of `path` (trailing whitespace
/// dropped), as `serve --control-token-file` and `ctl --token-file` both do,
/// so a token never has to appear in a process listing. False if the file
/// cannot be read or the line is empty. Any thread.
bool read_token_file(const char* path, std::string& out);

}  // namespace dnsd
