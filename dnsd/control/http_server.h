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

#include "dnsd/server/listen_address.h"

struct MHD_Daemon;

namespace dnsd {

/// One complete request. Plain data.
struct HttpRequest {
  std::string method;                         ///< "GET", "POST", ...
  std::string path;                           ///< without the query string, e.g. "/api/status"
  std::map<std::string, std::string> query;   ///< decoded query parameters
  std::map<std::string, std::string> headers; ///< header names lowercased
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

  /// Stops accepting, finishes or closes open connections and joins the
  /// threads; closes a socket bound but never served. Idempotent.
  void stop();

 private:
  Handler handler_;
  MHD_Daemon* daemon_ = nullptr;
  int bound_fd_ = -1;  ///< listening socket from bind(), until start() hands it to libmicrohttpd
};

}  // namespace dnsd
