// The checks that keep a web page from driving the control API, made on every
// request before routing and before the token (CONTROL_API.md, "Browser
// safety"). A browser on the operator's machine can reach a loopback API, so:
//
// - Host must name the address the API listens on (or localhost with its
//   port): a DNS name an attacker rebinds to 127.0.0.1 arrives with the
//   attacker's name as Host (403). A request without Host is accepted:
//   browsers always send one, and any other client could send a valid one.
// - Origin, when sent, must be the API's own origin, "http://" + Host (403):
//   browsers send it on every cross-origin request but plain GETs.
// - A request that can change state (any method but GET, HEAD and OPTIONS)
//   must say Content-Type: application/json (415): a page can only send that
//   cross-origin after a CORS preflight, and dnsd never grants one.
//
// On a UNIX socket Host is not checked (no browser connects to one); the
// Origin and Content-Type rules hold there too.
#pragma once

#include <string>
#include <string_view>

#include "dnsd/control/http_server.h"
#include "dnsd/server/listen_address.h"

namespace dnsd {

/// Whether a request may go on to routing, and if not, the status and the
/// sentence for its `{"error"}` body. Plain data.
struct GuardVerdict {
  int status = 0;      ///< 0: accepted; otherwise 403 or 415
  std::string reason;  ///< why it was refused, for a human
  bool accepted() const { return status == 0; }
};

/// The browser-safety decision for one control listener. Pure: no I/O, no
/// clock, immutable after construction; any thread.
class RequestGuard {
 public:
  /// For the API served over TCP at `address` (a wildcard address accepts
  /// any IP literal with its port as Host).
  static RequestGuard for_tcp(const ListenAddress& address);
  /// For the API served on a UNIX socket: Host is not checked.
  static RequestGuard for_unix_socket();

  /// Host, then Origin, then Content-Type; the first rule broken decides.
  GuardVerdict check(const HttpRequest& request) const;

  /// Whether a Host header value names this listener: its address and port
  /// ("127.0.0.1:8053", "[::1]:8053", IPv6 compared numerically),
  /// "localhost:PORT" (any case), or either without ":PORT" when the port is
  /// 80. Always true on a UNIX socket.
  bool host_names_listener(std::string_view host) const;

  /// The Host values this listener expects, for error messages
  /// ("127.0.0.1:8053 or localhost:8053").
  std::string expected_hosts() const;

 private:
  bool unix_socket_ = false;
  ListenAddress address_;
};

/// Whether `method` may change state, so needs a JSON body type: anything but
/// GET, HEAD and OPTIONS (methods are case-sensitive, RFC 9110 9.1).
bool changes_state(std::string_view method);

/// Whether a Content-Type value is application/json: the media type before
/// any ';' parameters, trimmed, compared without case.
bool is_json_content_type(std::string_view value);

/// Whether an Origin value is "http://" + `host` (scheme and host compared
/// without case; ":80" and no port are the same). "null" never is.
bool is_own_origin(std::string_view origin, std::string_view host);

}  // namespace dnsd
