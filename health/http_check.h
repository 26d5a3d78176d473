// http and https checks through libcurl's multi interface, driven by the
// prober's libuv loop (curl_multi_socket_action with one uv_poll per socket and
// one uv_timer for curl's timeouts). libcurl rather than hand-written HTTP:
// it handles TLS, chunked bodies, redirects-not-followed and every server quirk
// for us, and its multi interface keeps thousands of probes on one thread.
//
// A probe GETs scheme://HOST:PORT/PATH where HOST is the check's `host` (the
// Host header and TLS SNI) or the address, always connecting to the check
// address itself (CURLOPT_CONNECT_TO), with a fresh connection each time, no
// proxy, and certificate verification only when tls_verify is set. It succeeds
// when the status is in `expect` and, if `body` is set, the first 64 KiB of the
// body contain it.
#pragma once

#include <curl/curl.h>

#include <list>
#include <string>

#include "health/check.h"

namespace dnsd::health {

/// The User-Agent of every http(s) probe: "dnsd/<version> health-check".
const char* health_check_user_agent();

/// http(s) probes on one loop, sharing one curl multi handle. Loop thread only.
class HttpCheck : public Check {
 public:
  explicit HttpCheck(uv_loop_t* loop);
  ~HttpCheck() override;
  void start(const zones::CheckSpec& spec, const std::string& address, Done done) override;
  void cancel_all() override;
  void close() override;
  size_t in_flight() const override { return transfers_.size(); }

  struct Transfer;  // one request in flight (http_check.cc)

 private:
  static int socket_cb(CURL* easy, curl_socket_t fd, int action, void* user, void* socket_data);
  static int timer_cb(CURLM* multi, long timeout_ms, void* user);
  static void on_timer(uv_timer_t* timer);
  static void on_poll(uv_poll_t* poll, int status, int events);
  void drive(curl_socket_t fd, int flags);
  void collect_finished();
  void complete(Transfer* transfer, CheckResult result);

  uv_loop_t* loop_;
  CURLM* multi_;
  uv_timer_t timer_;
  bool closed_ = false;
  std::list<Transfer*> transfers_;
};

/// The URL a probe of `spec` at `address` requests. Any thread.
std::string probe_url(const zones::CheckSpec& spec, const std::string& address);

/// Verdict on a finished transfer: curl's `code`, error text and socket errno
/// (CURLINFO_OS_ERRNO), the HTTP `status` and the collected `body`. Any thread.
CheckResult judge_http(const zones::CheckSpec& spec, CURLcode code, const char* error_text, long os_errno,
                       long status, const std::string& body);

}  // namespace dnsd::health
