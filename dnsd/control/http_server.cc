#include "dnsd/control/http_server.h"

#include <microhttpd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "dnsd/server/log.h"
#include "zones/name.h"

namespace dnsd {
namespace {

/// Seconds an idle keep-alive connection stays open.
constexpr unsigned kIdleTimeoutSeconds = 30;
/// Most connections at once; the control API has few clients.
constexpr unsigned kMaxConnections = 64;

/// What one request accumulates across the access handler's calls.
struct Call {
  HttpRequest request;
  bool too_large = false;
};

MHD_Result collect_query(void* cls, MHD_ValueKind, const char* key, const char* value) {
  static_cast<HttpRequest*>(cls)->query[key] = value ? value : "";
  return MHD_YES;
}

MHD_Result collect_header(void* cls, MHD_ValueKind, const char* key, const char* value) {
  static_cast<HttpRequest*>(cls)->headers[zones::lower_text(key)] = value ? value : "";
  return MHD_YES;
}

MHD_Result send(MHD_Connection* connection, const HttpResponse& r) {
  MHD_Response* response =
      MHD_create_response_from_buffer(r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  if (!response) return MHD_NO;
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, r.content_type.c_str());
  MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  for (const auto& [name, value] : r.headers) MHD_add_response_header(response, name.c_str(), value.c_str());
  const MHD_Result queued = MHD_queue_response(connection, unsigned(r.status), response);
  MHD_destroy_response(response);
  return queued;
}

MHD_Result on_access(void* cls, MHD_Connection* connection, const char* url, const char* method, const char*,
                     const char* upload_data, size_t* upload_data_size, void** state) {
  auto* call = static_cast<Call*>(*state);
  if (call == nullptr) {  // headers are in: start the request
    call = new Call;
    call->request.method = method;
    call->request.path = url;
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, collect_query, &call->request);
    MHD_get_connection_values(connection, MHD_HEADER_KIND, collect_header, &call->request);
    *state = call;
    return MHD_YES;
  }
  if (*upload_data_size != 0) {  // a piece of the body
    if (call->request.body.size() + *upload_data_size > kMaxRequestBody) call->too_large = true;
    else call->request.body.append(upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (call->too_large)
    return send(connection, HttpResponse::error(413, "request body over " + std::to_string(kMaxRequestBody) +
                                                         " bytes"));
  auto* handler = static_cast<HttpServer::Handler*>(cls);
  HttpResponse response;
  try {
    response = (*handler)(call->request);
  } catch (const std::exception& e) {  // a handler bug must not take the server down
    log_error("control: %s %s: %s", method, url, e.what());
    response = HttpResponse::error(500, std::string("internal error: ") + e.what());
  }
  return send(connection, response);
}

void on_completed(void*, MHD_Connection*, void** state, MHD_RequestTerminationCode) {
  delete static_cast<Call*>(*state);
  *state = nullptr;
}

void on_mhd_log(void*, const char* format, va_list args) {
  char line[512];
  std::vsnprintf(line, sizeof line, format, args);
  size_t n = std::strlen(line);
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
  log_warn("control: %s", line);
}

/// A listening TCP socket on `address`, or -1 with `error` set.
int open_listener(const ListenAddress& address, std::string& error) {
  const std::string what = "control " + address.to_string() + ": ";
  int fd = ::socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = what + "socket: " + std::strerror(errno);
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // restart past TIME_WAIT, never share
  if (address.family() == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd, address.sockaddr_ptr(), address.length) != 0) {
    error = what + "bind: " + std::strerror(errno);
    if (errno == EADDRINUSE) error += " (choose another with --control ADDR:PORT, or --control none)";
    ::close(fd);
    return -1;
  }
  if (::listen(fd, 64) != 0) {
    error = what + "listen: " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::string HttpRequest::param(const std::string& name, const std::string& fallback) const {
  auto it = query.find(name);
  return it == query.end() ? fallback : it->second;
}

std::string HttpRequest::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

HttpResponse HttpResponse::error(int status, const std::string& message) {
  HttpResponse r;
  r.status = status;
  // Messages may quote what the client sent, which need not be UTF-8: replace
  // such bytes rather than throw (dump's default), which would turn a 400 into a 500.
  r.body = nlohmann::json{{"error", message}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return r;
}

HttpServer::~HttpServer() { stop(); }

bool HttpServer::start(const ListenAddress& address, unsigned threads, Handler handler, std::string& error) {
  handler_ = std::move(handler);
  const int fd = open_listener(address, error);
  if (fd < 0) return false;
  const unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
                         (address.family() == AF_INET6 ? MHD_USE_IPv6 : 0);
  daemon_ = MHD_start_daemon(flags, 0, nullptr, nullptr, &on_access, &handler_,                     //
                             MHD_OPTION_EXTERNAL_LOGGER, &on_mhd_log, nullptr,                      //
                             MHD_OPTION_LISTEN_SOCKET, MHD_socket(fd),                              //
                             MHD_OPTION_THREAD_POOL_SIZE, threads < 1 ? 1u : threads,               //
                             MHD_OPTION_CONNECTION_LIMIT, kMaxConnections,                          //
                             MHD_OPTION_CONNECTION_TIMEOUT, kIdleTimeoutSeconds,                    //
                             MHD_OPTION_NOTIFY_COMPLETED, &on_completed, nullptr,                   //
                             MHD_OPTION_END);
  if (daemon_ == nullptr) {
    ::close(fd);
    error = "control " + address.to_string() + ": libmicrohttpd could not start";
    return false;
  }
  return true;
}

void HttpServer::stop() {
  if (daemon_ == nullptr) return;
  MHD_stop_daemon(daemon_);  // joins its threads and closes the listening socket
  daemon_ = nullptr;
}

}  // namespace dnsd
