// exec check: runs "/bin/sh -c COMMAND" with {address} and {port} replaced;
// exit status 0 means up. The command runs in its own process group, which is
// killed with SIGKILL at the timeout, so a hung script (and anything it
// started) cannot pile up. The first line of its output becomes the reason.
#pragma once

#include <string>

#include "health/probe_session.h"

namespace dnsd::health {

/// Command probes on one loop. Loop thread only.
class ExecCheck : public SessionCheck {
 public:
  explicit ExecCheck(uv_loop_t* loop) : SessionCheck(loop) {}
  void start(const zones::CheckSpec& spec, const std::string& address, Done done) override;
};

/// `command` with every "{address}" replaced by `address` and every "{port}"
/// by `port`. Any thread.
std::string substitute_command(const std::string& command, const std::string& address, uint16_t port);

/// The first non-empty line of `output`, trimmed and cut to 200 bytes. Any thread.
std::string first_line(const std::string& output);

}  // namespace dnsd::health
