// How `dnsd serve` is told to run the control API (--control, --control-token,
// --state-dir), and the one rule about them: an address other than loopback
// needs a token, because whoever reaches the API can drain servers.
#pragma once

#include <string>

#include "dnsd/server/listen_address.h"

namespace dnsd {

/// Default control address: loopback only.
inline constexpr const char* kDefaultControlAddress = "127.0.0.1:8053";

/// What `dnsd serve` was told about the control API.
struct ControlOptions {
  ListenAddress address;  ///< --control
  std::string token;      ///< --control-token; empty: no authentication
  std::string state_dir;  ///< --state-dir; empty: drains are not persisted
  unsigned threads = 2;   ///< HTTP serving threads
};

/// Whether `address` is in 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104. Any thread.
bool is_loopback(const ListenAddress& address);

/// Why `options` must be refused (a non-loopback address without a token), or
/// "" when they are fine. Any thread.
std::string control_options_problem(const ControlOptions& options);

/// Reads a control token from the first line of `path` (trailing whitespace
/// dropped), as `serve --control-token-file` and `ctl --token-file` both do,
/// so a token never has to appear in a process listing. False if the file
/// cannot be read or the line is empty. Any thread.
bool read_token_file(const char* path, std::string& out);

}  // namespace dnsd
