#include "health/http_check.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <mutex>
#include <vector>

namespace dnsd::health {

namespace {

// Body bytes kept for the `body` substring test.
constexpr size_t kBodyLimit = 64 * 1024;

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One socket curl asked us to watch.
struct SocketWatch {
  uv_poll_t poll;
  curl_socket_t fd;
  HttpCheck* owner;
};

}  // namespace

struct HttpCheck::Transfer {
  CURL* easy = nullptr;
  Done done;
  zones::CheckSpec spec;
  uint64_t started_ns = 0;
  std::string body;
  curl_slist* connect_to = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  bool added = false;  ///< whether curl_multi_add_handle accepted it
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

HttpCheck::HttpCheck(uv_loop_t* loop) : loop_(loop) {
  global_init_once();
  multi_ = curl_multi_init();
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
}

HttpCheck::~HttpCheck() {
  cancel_all();
  curl_multi_cleanup(multi_);
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
  t->easy = curl_easy_init();
  const std::string connect_to =
      "::" + bracketed_address(address) + ":" + std::to_string(effective_port(spec));
  t->connect_to = curl_slist_append(nullptr, connect_to.c_str());
  const std::string url = probe_url(spec, address);
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
  curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);  // each probe proves a new connection works
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, spec.tls_verify ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, spec.tls_verify ? 2L : 0L);
  if (!spec.tls_verify) {
    // Nothing is verified, so do not make OpenSSL parse the system CA bundle
    // (~140 certificates, tens of ms on the prober thread) for each new TLS context.
    curl_easy_setopt(e, CURLOPT_CAINFO, nullptr);
    curl_easy_setopt(e, CURLOPT_CAPATH, nullptr);
  }
  const CURLMcode rc = curl_multi_add_handle(multi_, e);
  t->added = rc == CURLM_OK;
  if (!t->added) {
    // Deliver from the loop, never inside start(): finish through the timer.
    std::snprintf(t->error, sizeof t->error, "%s", curl_multi_strerror(rc));
    uv_timer_start(&timer_, on_timer, 0, 0);
  }
}

int HttpCheck::timer_cb(CURLM*, long timeout_ms, void* user) {
  auto* self = static_cast<HttpCheck*>(user);
  if (self->closed_) return 0;
  if (timeout_ms < 0) uv_timer_stop(&self->timer_);
  else uv_timer_start(&self->timer_, on_timer, uint64_t(timeout_ms), 0);
  return 0;
}

void HttpCheck::on_timer(uv_timer_t* timer) {
  auto* self = static_cast<HttpCheck*>(timer->data);
  self->drive(CURL_SOCKET_TIMEOUT, 0);
}

int HttpCheck::socket_cb(CURL*, curl_socket_t fd, int action, void* user, void* socket_data) {
  auto* self = static_cast<HttpCheck*>(user);
  auto* watch = static_cast<SocketWatch*>(socket_data);
  if (action == CURL_POLL_REMOVE) {
    if (watch) {
      uv_poll_stop(&watch->poll);
      uv_close(reinterpret_cast<uv_handle_t*>(&watch->poll),
               [](uv_handle_t* h) { delete static_cast<SocketWatch*>(h->data); });
      curl_multi_assign(self->multi_, fd, nullptr);
    }
    return 0;
  }
  if (!watch) {
    watch = new SocketWatch{{}, fd, self};
    uv_poll_init_socket(self->loop_, &watch->poll, fd);
    watch->poll.data = watch;
    curl_multi_assign(self->multi_, fd, watch);
  }
  int events = 0;
  if (action == CURL_POLL_IN || action == CURL_POLL_INOUT) events |= UV_READABLE;
  if (action == CURL_POLL_OUT || action == CURL_POLL_INOUT) events |= UV_WRITABLE;
  uv_poll_start(&watch->poll, events, on_poll);
  return 0;
}

void HttpCheck::on_poll(uv_poll_t* poll, int status, int events) {
  auto* watch = static_cast<SocketWatch*>(poll->data);
  int flags = 0;
  if (status < 0) flags = CURL_CSELECT_ERR;
  if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
  watch->owner->drive(watch->fd, flags);
}

void HttpCheck::drive(curl_socket_t fd, int flags) {
  int running = 0;
  curl_multi_socket_action(multi_, fd, flags, &running);
  collect_finished();
}

void HttpCheck::collect_finished() {
  // Transfers whose add failed never reach curl: finish them here too.
  std::vector<Transfer*> failed_adds;
  for (Transfer* t : transfers_)
    if (!t->added) failed_adds.push_back(t);
  for (Transfer* t : failed_adds) complete(t, CheckResult::failed(FailureKind::Config, t->error));

  int pending = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &pending)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
    if (!t) continue;
    long status = 0, os_errno = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(t->easy, CURLINFO_OS_ERRNO, &os_errno);
    const CURLcode code = msg->data.result;
    complete(t, judge_http(t->spec, code, t->error, os_errno, status, t->body));
  }
}

void HttpCheck::complete(Transfer* t, CheckResult result) {
  result.latency_us = (uv_hrtime() - t->started_ns) / 1000;
  if (t->added) curl_multi_remove_handle(multi_, t->easy);
  curl_easy_cleanup(t->easy);
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
  closed_ = true;
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
}

}  // namespace dnsd::health
