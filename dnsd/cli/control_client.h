// The HTTP client side of the control API, for `dnsd ctl`: libcurl's easy
// interface, one blocking request at a time. Main thread of the ctl process.
#pragma once

#include <string>

namespace dnsd {

/// What one request got back.
struct ControlResponse {
  long status = 0;      ///< HTTP status; 0 when the request failed before one arrived
  std::string body;
  std::string error;    ///< transport failure ("connection refused"), empty otherwise
  /// Whether a 2xx status arrived.
  bool ok() const { return status >= 200 && status < 300; }
};

/// Talks to one control address ("127.0.0.1:8053", "[::1]:8053", or
/// "unix:/run/dnsd/control.sock" for a UNIX socket).
class ControlClient {
 public:
  /// `address` as given to --control; `token` empty for none.
  ControlClient(std::string address, std::string token, long timeout_ms = 30000);

  /// GET `path` ("/api/status", "/api/explain?name=..." with escaped values).
  ControlResponse get(const std::string& path) const;
  /// POST `path` with a JSON body (sent as application/json, as the API requires).
  ControlResponse post(const std::string& path, const std::string& json_body) const;

  /// `value` percent-encoded for a query string.
  static std::string escape(const std::string& value);

  /// "http://ADDRESS" (the base URL of every request; "http://localhost"
  /// over a UNIX socket).
  const std::string& base_url() const { return base_url_; }

  /// Where requests go, for messages: the base URL, or "unix:PATH".
  std::string target() const { return unix_path_.empty() ? base_url_ : "unix:" + unix_path_; }

 private:
  ControlResponse request(const char* method, const std::string& path, const std::string* body) const;

  std::string base_url_;
  std::string unix_path_;  ///< the socket for unix:PATH; empty for TCP
  std::string token_;
  long timeout_ms_;
};

}  // namespace dnsd
