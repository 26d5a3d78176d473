#include "health/dns_check.h"

#include <random>

#include "health/tcp_check.h"

namespace dnsd::health {

namespace {

using zones::DnsTransport;

// Prefix of a TCP retry's transport failures (connect, reset, timeout), so
// status says why TCP was tried; verdicts on a reply say "over TCP" themselves.
constexpr const char* kRetryContext = "retry over TCP after a truncated UDP reply: ";

class DnsProbe : public ProbeSession {
 public:
  DnsProbe(SessionCheck& owner, const zones::CheckSpec& spec, Check::Done done)
      : ProbeSession(owner, spec.timeout_ms, std::move(done)), spec_(spec) {}

  // Sends `query` to `target` over the check's transport; one timeout covers every step.
  void begin(const sockaddr_storage& target, std::vector<uint8_t> query) {
    target_ = target;
    query_ = std::move(query);
    arm_timeout();
    if (spec_.transport == DnsTransport::Tcp) begin_tcp();
    else begin_udp();
  }

 private:
  void begin_udp() {
    uv_udp_init(loop(), &udp_);
    udp_.data = this;
    udp_open_ = true;
    // A connected socket only receives from the member and reports ICMP port
    // unreachable as ECONNREFUSED, so a closed port fails fast instead of timing out.
    int rc = uv_udp_connect(&udp_, reinterpret_cast<const sockaddr*>(&target_));
    if (rc == 0) rc = uv_udp_recv_start(&udp_, alloc_cb, udp_recv_cb);
    if (rc == 0) {
      uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(query_.data()), unsigned(query_.size()));
      rc = uv_udp_try_send(&udp_, &buf, 1, nullptr);
      if (rc >= 0) rc = 0;
    }
    if (rc != 0) finish(udp_failure(rc));
  }

  void begin_tcp() {
    tcp_phase_ = true;
    uv_tcp_init(loop(), &tcp_);
    tcp_.data = this;
    tcp_open_ = true;
    connect_.data = this;
    const int rc = uv_tcp_connect(&connect_, &tcp_, reinterpret_cast<const sockaddr*>(&target_), connected_cb);
    if (rc != 0) finish(in_context(connect_failure(rc)));
  }

  // A truncated UDP reply: ask the same question over TCP, within the same deadline.
  void retry_over_tcp() {
    retried_ = true;
    close_udp();
    begin_tcp();
  }

  static CheckResult udp_failure(int status) {
    if (status == UV_ECONNREFUSED) return CheckResult::failed(FailureKind::Refused, "connect refused");
    return CheckResult::failed(FailureKind::Network, std::string("udp: ") + uv_strerror(status));
  }

  CheckResult in_context(CheckResult result) const {
    if (retried_ && !result.ok) result.detail = kRetryContext + result.detail;
    return result;
  }

  static void alloc_cb(uv_handle_t* handle, size_t, uv_buf_t* buf) {
    auto* self = static_cast<DnsProbe*>(handle->data);
    *buf = uv_buf_init(self->buffer_, sizeof self->buffer_);
  }

  static void udp_recv_cb(uv_udp_t* udp, ssize_t nread, const uv_buf_t* buf, const sockaddr*, unsigned flags) {
    auto* self = static_cast<DnsProbe*>(udp->data);
    if (self->finished() || !self->udp_open_) return;
    if (nread < 0) {
      self->finish(udp_failure(int(nread)));
      return;
    }
    const auto* data = reinterpret_cast<const uint8_t*>(buf->base);
    const uint16_t id = uint16_t(self->query_[0] << 8 | self->query_[1]);
    if (!is_reply_to(data, size_t(nread), id)) return;  // stray datagram: keep waiting
    // A datagram larger than the buffer (a server ignoring the advertised size) is as good as truncated.
    if (is_truncated(data, size_t(nread)) || (flags & UV_UDP_PARTIAL)) {
      self->retry_over_tcp();
      return;
    }
    self->finish(judge_dns_reply(self->spec_, self->query_, data, size_t(nread), DnsTransport::Udp));
  }

  static void connected_cb(uv_connect_t* req, int status) {
    auto* self = static_cast<DnsProbe*>(req->data);
    if (status == UV_ECANCELED || self->finished()) return;  // closed after a timeout or cancel
    if (status != 0) {
      self->finish(self->in_context(connect_failure(status)));
      return;
    }
    const size_t n = self->query_.size();
    self->frame_ = {uint8_t(n >> 8), uint8_t(n)};
    self->frame_.insert(self->frame_.end(), self->query_.begin(), self->query_.end());
    uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(self->frame_.data()), unsigned(self->frame_.size()));
    auto* stream = reinterpret_cast<uv_stream_t*>(&self->tcp_);
    self->write_.data = self;
    int rc = uv_write(&self->write_, stream, &buf, 1, written_cb);
    if (rc == 0) rc = uv_read_start(stream, alloc_cb, tcp_read_cb);
    if (rc != 0) self->fail_tcp(rc);
  }

  static void written_cb(uv_write_t* req, int status) {
    auto* self = static_cast<DnsProbe*>(req->data);
    if (status == UV_ECANCELED || self->finished()) return;
    if (status < 0) self->fail_tcp(status);
  }

  static void tcp_read_cb(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    auto* self = static_cast<DnsProbe*>(stream->data);
    if (self->finished()) return;
    if (nread == UV_EOF) {
      self->finish(self->in_context(
          CheckResult::failed(FailureKind::Network, "tcp: connection closed before a whole reply")));
      return;
    }
    if (nread < 0) {
      self->fail_tcp(int(nread));
      return;
    }
    auto& in = self->tcp_in_;
    in.insert(in.end(), buf->base, buf->base + nread);
    if (in.size() < 2) return;
    const size_t length = size_t(in[0]) << 8 | in[1];
    if (in.size() < 2 + length) return;
    // The verdict's detail already says "over TCP"; no retry context needed.
    self->finish(judge_dns_reply(self->spec_, self->query_, in.data() + 2, length, DnsTransport::Tcp));
  }

  void fail_tcp(int status) {
    if (status == UV_ECONNRESET) finish(in_context(CheckResult::failed(FailureKind::Network, "tcp: connection reset")));
    else finish(in_context(CheckResult::failed(FailureKind::Network, std::string("tcp: ") + uv_strerror(status))));
  }

  void on_timeout() override {
    std::string detail = "timeout after " + std::to_string(timeout_ms()) + " ms";
    if (retried_) detail += " (in the TCP retry after a truncated UDP reply)";
    else if (tcp_phase_) detail += " over TCP";
    fail(FailureKind::Timeout, detail);
  }

  void close_udp() {
    if (!udp_open_) return;
    udp_open_ = false;
    uv_udp_recv_stop(&udp_);
    close_handle(reinterpret_cast<uv_handle_t*>(&udp_));
  }

  void close_io() override {
    close_udp();
    if (tcp_open_) {
      tcp_open_ = false;
      close_handle(reinterpret_cast<uv_handle_t*>(&tcp_));
    }
  }

  const zones::CheckSpec spec_;
  sockaddr_storage target_{};
  std::vector<uint8_t> query_;
  uv_udp_t udp_;
  bool udp_open_ = false;
  uv_tcp_t tcp_;
  uv_connect_t connect_;
  uv_write_t write_;
  bool tcp_open_ = false;
  bool tcp_phase_ = false;  // TCP is (or was) in use
  bool retried_ = false;    // TCP follows a truncated UDP reply
  std::vector<uint8_t> frame_;   // the query with its 2-byte length, alive until the write completes
  std::vector<uint8_t> tcp_in_;  // TCP bytes received so far
  char buffer_[4096];            // receive buffer for either socket
};

}  // namespace

DnsCheck::DnsCheck(uv_loop_t* loop) : SessionCheck(loop) {
  std::random_device seed;
  next_id_ = uint16_t(seed());
}

void DnsCheck::start(const zones::CheckSpec& spec, const std::string& address, Done done) {
  const uint16_t id = next_id_++;
  auto* probe = new DnsProbe(*this, spec, std::move(done));
  sockaddr_storage target;
  if (!parse_socket_address(address, effective_port(spec), target)) {
    probe->fail(FailureKind::Config, "not an IP address: " + address);
    return;
  }
  std::vector<uint8_t> query = build_dns_query(id, spec);
  if (query.empty()) {
    probe->fail(FailureKind::Config, "bad query name: " + spec.query_name);
    return;
  }
  probe->begin(target, std::move(query));
}

}  // namespace dnsd::health
