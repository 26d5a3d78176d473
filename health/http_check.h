// http and https checks through libcurl's multi interface, driven by the
// prober's libuv loop (curl_multi_socket_action with one uv_poll per socket and
// one uv_timer for curl's timeouts). libcurl rather than hand-written HTTP:
// it handles TLS, chunked bodies, redirects-not-followed and every server quirk
// for us, and its multi interface keeps thousands of probes on one thread.
//
// A probe GETs scheme://HOST:PORT/PATH where HOST is the check's `host` (the
// Host header and TLS SNI) or the address, always connecting to the check
// address itself (CURLOPT_CONNECT_TO), no proxy, and certificate verification
// only when tls_verify is set. It succeeds when the status is in `expect` and,
// if `body` is set, the first 64 KiB of the body contain it.
//
// Connections are kept alive between probes of a target (HTTP/1.1 keep-alive,
// TLS sessions included); the first probe after a connection is between half
// and all of kConnectionMaxAgeS old (ConnectionAges) closes it, so the next
// opens a fresh one. A kept connection costs a send and a receive per probe
// instead of a handshake; a dead server is still caught at once (curl finds
// the connection closed and connects anew, which is refused or times out),
// and a server that stops accepting while it serves old connections within
// about that age.
#pragma once

#include <curl/curl.h>

#include <array>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "health/check.h"
#include "health/connection_ages.h"
#include "health/curl_multi_loop.h"

namespace dnsd::health {

/// Longest time a probe reuses a kept-alive connection, in seconds.
inline constexpr uint32_t kConnectionMaxAgeS = 30;

/// The User-Agent of every http(s) probe: "dnsd/<version> health-check".
const char* health_check_user_agent();

/// http(s) probes on one loop, spread over kMultiShards curl multi handles by
/// target. Loop thread only.
class HttpCheck : public Check {
 public:
  explicit HttpCheck(uv_loop_t* loop);
  ~HttpCheck() override;
  void start(const zones::CheckSpec& spec, const std::string& address, Done done) override;
  void cancel_all() override;
  void close() override;
  size_t in_flight() const override { return transfers_.size(); }
  /// Sizes curl's connection caches to one idle connection per target, capped
  /// at half the file descriptor limit.
  void expect_targets(size_t targets) override;

  /// Multi handles the targets are spread over (each created on first use).
  static constexpr size_t kMultiShards = 256;

  struct Transfer;  // one request in flight (http_check.cc)

 private:
  CurlMultiLoop& shard_for(const std::string& connection_key);
  void on_finished(CURL* easy, CURLcode code);
  void complete(Transfer* transfer, CheckResult result);
  void flush_failed_adds();
  long shard_connection_cap() const;

  uv_loop_t* loop_;
  uv_timer_t deferred_;  ///< delivers transfers curl refused to add, from the loop
  bool closed_ = false;
  size_t connection_cap_ = 0;  ///< most idle connections for all shards together
  size_t targets_ = 0;         ///< http(s) targets, as expect_targets last said
  ConnectionAges ages_;
  std::array<std::unique_ptr<CurlMultiLoop>, kMultiShards> shards_;
  std::list<Transfer*> transfers_;
  std::vector<CURL*> spare_handles_;  ///< finished easy handles, reset and reused by start()
};

/// The URL a probe of `spec` at `address` requests. Any thread.
std::string probe_url(const zones::CheckSpec& spec, const std::string& address);

/// Verdict on a finished transfer: curl's `code`, error text and socket errno
/// (CURLINFO_OS_ERRNO), the HTTP `status` and the collected `body`. Any thread.
CheckResult judge_http(const zones::CheckSpec& spec, CURLcode code, const char* error_text, long os_errno,
                       long status, const std::string& body);

}  // namespace dnsd::health
