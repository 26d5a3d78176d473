// A minimal embedded HTTP server for the control API: libmicrohttpd does the
// protocol (parsing, keep-alive, chunking, limits) on its own threads; this
// class turns each complete request into an HttpRequest, calls one handler,
// and sends back the HttpResponse it returns. No routing and no policy here
// (see control_server.h).
//
// Why libmicrohttpd: mature (GNU, since 2007), packaged in Debian
// (libmicrohttpd-dev), embeddable as a library with no framework around it,
// runs its own polling thread or thread pool (MHD_USE_INTERNAL_POLLING_THREAD),
// so dnsd writes no HTTP parsing of its own.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dnsd/control/unix_socket.h"
#include "dnsd/server/listen_address.h"

struct MHD_Daemon;

namespace dnsd {

/// One complete request. Plain data.
struct HttpRequest {
  std::string method;                         ///< "GET", "POST", ...
  std::string path;                           ///< without the query string, e.g. "/api/status"
  std::map<std::string, std::string> query;   ///< decoded query parameters
  std::map<std::string, std::string> headers; ///< header names lowercased; repeated ones joined with ", "
  std::string body;                           ///< at most kMaxRequestBody bytes

  /// A query parameter, or `fallback` when absent.
  std::string param(const std::string& name, const std::string& fallback = "") const;
  /// A header by lowercase name, or "".
  std::string header(const std::string& name) const;
};

/// One response. Plain data.
struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers

  /// `{"error": message}` with `status`.
  static HttpResponse error(int status, const std::string& message);
};

/// Largest request body accepted; larger ones get 413.
inline constexpr size_t kMaxRequestBody = 64 * 1024;

/// Serves HTTP on one address until stop(). start/stop on one controlling
/// thread; the handler runs on libmicrohttpd's threads, possibly several at once.
class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  HttpServer() = default;
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  /// Binds `address` (refusing one that is in use) and listens, without
  /// serving yet: done while dnsd still has the privileges a low port needs.
  /// False with `error` set on failure.
  bool bind(const ListenAddress& address, std::string& error);

  /// Starts `threads` serving threads that call `handler`, on the socket
  /// bind() opened, or binding `address` now if it was not called. False
  /// with `error` set on failure.
  bool start(const ListenAddress& address, unsigned threads, Handler handler, std::string& error);

  /// Creates the UNIX stream socket at `path` (mode 0660, as unix_socket.h
  /// describes) and listens, without serving yet, like bind().
  bool bind_unix(const std::string& path, std::string& error);

  /// Starts serving on the UNIX socket bind_unix() made, or makes it now;
  /// stop() removes the socket file again.
  bool start_unix(const std::string& path, unsigned threads, Handler handler, std::string& error);

  /// Stops accepting, finishes or closes open connections, joins the threads,
  /// closes a socket bound but never served and removes a UNIX socket file
  /// this server made. Idempotent.
  void stop();

 private:
  /// Serves on the listening socket `fd` (closed on failure); `what` names it in errors.
  bool serve(int fd, bool ipv6, const std::string& what, unsigned threads, Handler handler, std::string& error);

  Handler handler_;
  MHD_Daemon* daemon_ = nullptr;
  UnixSocketFile unix_file_;  ///< the socket file to remove at stop; empty path for TCP
  int bound_fd_ = -1;  ///< listening socket from bind(), until start() hands it to libmicrohttpd
};

}  // namespace dnsd
