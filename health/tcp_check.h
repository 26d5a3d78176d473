// tcp check: a member is up when a TCP connection to check_address:port
// completes within the timeout. The connection is closed at once, without
// sending anything.
#pragma once

#include "health/probe_session.h"

namespace dnsd::health {

/// Connect probes on one loop. Loop thread only.
class TcpCheck : public SessionCheck {
 public:
  explicit TcpCheck(uv_loop_t* loop) : SessionCheck(loop) {}
  void start(const zones::CheckSpec& spec, const std::string& address, Done done) override;
};

/// Result detail for a failed connect with libuv error `status`: "connect refused"
/// for ECONNREFUSED, else "connect: <libuv message>". Any thread.
CheckResult connect_failure(int status);

}  // namespace dnsd::health
