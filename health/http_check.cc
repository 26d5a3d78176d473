#include "health/http_check.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <mutex>
#include <vector>

#include <sys/resource.h>

namespace dnsd::health {

namespace {

// Body bytes kept for the `body` substring test.
constexpr size_t kBodyLimit = 64 * 1024;

// Longer than curl keeps an idle connection (CURLOPT_MAXAGE_CONN, 118 s) plus
// the maximum age: an older record is of a target that went away.
constexpr uint64_t kForgetConnectionAfterMs = 300'000;

// Easy handles kept for the next probes (about the most in flight at once):
// curl_easy_reset is much cheaper than curl_easy_init with its buffers.
constexpr size_t kSpareHandles = 256;

// Idle connections kept for reuse: one per target, but never more than this
// share of the process's file descriptor limit (the rest is the server's).
constexpr uint64_t kConnectionFdShareDivisor = 2;

size_t connection_cache_cap(size_t targets) {
  rlimit limit{};
  uint64_t fds = 1024;
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) fds = limit.rlim_cur;
  return std::max<size_t>(1, std::min<uint64_t>(targets, fds / kConnectionFdShareDivisor));
}

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

struct HttpCheck::Transfer {
  CURL* easy = nullptr;
  Done done;
  zones::CheckSpec spec;
  uint64_t started_ns = 0;
  std::string body;
  curl_slist* connect_to = nullptr;
  std::string connection_key;  ///< what curl reuses a connection for (ConnectionAges key)
  char error[CURL_ERROR_SIZE] = {};
  bool added = false;  ///< whether curl_multi_add_handle accepted it
  CurlMultiLoop* shard = nullptr;
  std::list<Transfer*>::iterator position;
};

const char* health_check_user_agent() { return "dnsd/" DNSD_VERSION " health-check"; }

std::string probe_url(const zones::CheckSpec& spec, const std::string& address) {
  const char* scheme = spec.type == zones::CheckType::Https ? "https" : "http";
  const std::string host = spec.host.empty() ? bracketed_address(address) : spec.host;
  std::string path = spec.path.empty() ? "/" : spec.path;
  if (path.front() != '/') path.insert(path.begin(), '/');
  return std::string(scheme) + "://" + host + ":" + std::to_string(effective_port(spec)) + path;
}

CheckResult judge_http(const zones::CheckSpec& spec, CURLcode code, const char* error_text, long os_errno,
                       long status, const std::string& body) {
  const std::string error = error_text && *error_text ? error_text : curl_easy_strerror(code);
  switch (code) {
    case CURLE_OK: break;
    case CURLE_OPERATION_TIMEDOUT:
      return CheckResult::failed(FailureKind::Timeout, "timeout after " + std::to_string(spec.timeout_ms) + " ms");
    case CURLE_COULDNT_CONNECT:
      if (os_errno == ECONNREFUSED) return CheckResult::failed(FailureKind::Refused, "connect refused");
      return CheckResult::failed(FailureKind::Network, "connect: " + error);
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
      return CheckResult::failed(FailureKind::Tls, "tls: " + error);
    case CURLE_GOT_NOTHING: return CheckResult::failed(FailureKind::Network, "empty reply");
    default: return CheckResult::failed(FailureKind::Network, error);
  }
  const std::string code_text = "HTTP " + std::to_string(status);
  if (std::find(spec.expect.begin(), spec.expect.end(), int(status)) == spec.expect.end())
    return CheckResult::failed(FailureKind::Status, code_text);
  if (!spec.body.empty() && body.find(spec.body) == std::string::npos)
    return CheckResult::failed(FailureKind::Body, code_text + ", body lacks \"" + spec.body + "\"");
  return CheckResult::success(code_text);
}

HttpCheck::HttpCheck(uv_loop_t* loop) : loop_(loop), ages_(kConnectionMaxAgeS * 1000, kForgetConnectionAfterMs) {
  global_init_once();
  uv_timer_init(loop_, &deferred_);
  deferred_.data = this;
}

HttpCheck::~HttpCheck() {
  cancel_all();
  shards_ = {};  // cleans up every multi handle, closing its idle connections
  for (CURL* easy : spare_handles_) curl_easy_cleanup(easy);
}

long HttpCheck::shard_connection_cap() const {
  // While every target may keep its connection, a shard needs no cap of its
  // own: it never holds more than one idle connection per target. A share of
  // the fair size would evict in the shards that got more targets than the
  // mean, and a cache evicting in a cycle over its targets misses every time.
  if (connection_cap_ >= targets_) return long(std::max<size_t>(1, targets_));
  return long(std::max<size_t>(1, connection_cap_ / kMultiShards));
}

void HttpCheck::expect_targets(size_t targets) {
  if (closed_) return;
  const size_t cap = connection_cache_cap(targets);
  if (cap == connection_cap_ && targets == targets_) return;
  connection_cap_ = cap;
  targets_ = targets;
  for (auto& shard : shards_)
    if (shard) shard->set_max_connections(shard_connection_cap());
}

CurlMultiLoop& HttpCheck::shard_for(const std::string& connection_key) {
  auto& shard = shards_[std::hash<std::string>{}(connection_key) % kMultiShards];
  if (!shard) {
    shard = std::make_unique<CurlMultiLoop>(loop_, [this](CURL* easy, CURLcode code) { on_finished(easy, code); });
    if (connection_cap_) shard->set_max_connections(shard_connection_cap());
  }
  return *shard;
}

namespace {

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<HttpCheck::Transfer*>(user);
  const size_t n = size * count;
  if (!transfer->spec.body.empty() && transfer->body.size() < kBodyLimit)
    transfer->body.append(data, std::min(n, kBodyLimit - transfer->body.size()));
  return n;  // read everything so the server sees a normal client
}

}  // namespace

void HttpCheck::start(const zones::CheckSpec& spec, const std::string& address, Done done) {
  auto* t = new Transfer;
  t->done = std::move(done);
  t->spec = spec;
  t->started_ns = uv_hrtime();
  t->position = transfers_.insert(transfers_.end(), t);
  if (spare_handles_.empty()) {
    t->easy = curl_easy_init();
  } else {
    t->easy = spare_handles_.back();
    spare_handles_.pop_back();
    curl_easy_reset(t->easy);
  }
  const std::string connect_to =
      "::" + bracketed_address(address) + ":" + std::to_string(effective_port(spec));
  t->connect_to = curl_slist_append(nullptr, connect_to.c_str());
  const std::string url = probe_url(spec, address);
  t->connection_key = url.substr(0, url.find('/', url.find("//") + 2)) + " " + connect_to + " " +
                      (spec.tls_verify ? "verify" : "noverify");
  CURL* e = t->easy;
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_CONNECT_TO, t->connect_to);
  curl_easy_setopt(e, CURLOPT_PRIVATE, t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(e, CURLOPT_USERAGENT, health_check_user_agent());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, long(spec.timeout_ms));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, long(spec.timeout_ms));
  curl_easy_setopt(e, CURLOPT_PROXY, "");  // never through a proxy from the environment
  // Addresses are IP literals: nothing to cache. curl prunes its name cache,
  // a 7-bucket hash of one entry per host:port, on every transfer's end; with
  // caching on it grows to every target and that walk dominates the probe.
  curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  // Keep-alive, but an old connection (ConnectionAges) closes after this
  // probe, so the next one proves the server still accepts new connections.
  // (Not CURLOPT_MAXLIFETIME_CONN: curl drops expired connections in its
  // once-a-second sweep, which rescans the whole cache after each one.)
  if (ages_.due(t->connection_key, monotonic_ms())) curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, spec.tls_verify ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, spec.tls_verify ? 2L : 0L);
  if (!spec.tls_verify) {
    // Nothing is verified, so do not make OpenSSL parse the system CA bundle
    // (~140 certificates, tens of ms on the prober thread) for each new TLS context.
    curl_easy_setopt(e, CURLOPT_CAINFO, nullptr);
    curl_easy_setopt(e, CURLOPT_CAPATH, nullptr);
  }
  t->shard = &shard_for(t->connection_key);
  const CURLMcode rc = t->shard->add(e);
  t->added = rc == CURLM_OK;
  if (!t->added) {
    // Deliver from the loop, never inside start().
    std::snprintf(t->error, sizeof t->error, "%s", curl_multi_strerror(rc));
    uv_timer_start(&deferred_, [](uv_timer_t* timer) { static_cast<HttpCheck*>(timer->data)->flush_failed_adds(); },
                   0, 0);
  }
}

void HttpCheck::flush_failed_adds() {
  std::vector<Transfer*> failed_adds;
  for (Transfer* t : transfers_)
    if (!t->added) failed_adds.push_back(t);
  for (Transfer* t : failed_adds) complete(t, CheckResult::failed(FailureKind::Config, t->error));
}

void HttpCheck::on_finished(CURL* easy, CURLcode code) {
  Transfer* t = nullptr;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
  if (!t) return;
  long status = 0, os_errno = 0, new_connections = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
  curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &new_connections);
  if (new_connections > 0) ages_.opened(t->connection_key, monotonic_ms());
  complete(t, judge_http(t->spec, code, t->error, os_errno, status, t->body));
}

void HttpCheck::complete(Transfer* t, CheckResult result) {
  result.latency_us = (uv_hrtime() - t->started_ns) / 1000;
  if (t->added) t->shard->remove(t->easy);
  if (spare_handles_.size() < kSpareHandles) spare_handles_.push_back(t->easy);
  else curl_easy_cleanup(t->easy);
  curl_slist_free_all(t->connect_to);
  transfers_.erase(t->position);
  Done done = std::move(t->done);
  delete t;
  done(std::move(result));
}

void HttpCheck::cancel_all() {
  std::vector<Transfer*> live(transfers_.begin(), transfers_.end());
  for (Transfer* t : live) complete(t, CheckResult::failed(FailureKind::Cancelled, "cancelled"));
}

void HttpCheck::close() {
  cancel_all();
  if (closed_) return;
  closed_ = true;
  for (auto& shard : shards_)
    if (shard) shard->close();
  uv_timer_stop(&deferred_);
  uv_close(reinterpret_cast<uv_handle_t*>(&deferred_), nullptr);
}

}  // namespace dnsd::health
