#include "health/tcp_check.h"

namespace dnsd::health {

namespace {

class TcpProbe : public ProbeSession {
 public:
  TcpProbe(SessionCheck& owner, uint32_t timeout_ms, Check::Done done)
      : ProbeSession(owner, timeout_ms, std::move(done)) {}

  void begin(const sockaddr_storage& target) {
    uv_tcp_init(loop(), &tcp_);
    tcp_.data = this;
    tcp_open_ = true;
    arm_timeout();
    const int rc = uv_tcp_connect(&connect_, &tcp_, reinterpret_cast<const sockaddr*>(&target), connected_cb);
    if (rc != 0) finish(connect_failure(rc));
  }

 private:
  static void connected_cb(uv_connect_t* req, int status) {
    auto* self = static_cast<TcpProbe*>(req->handle->data);
    if (status == UV_ECANCELED || self->finished()) return;  // closed after a timeout or cancel
    if (status == 0) self->finish(CheckResult::success("connected"));
    else self->finish(connect_failure(status));
  }

  void close_io() override {
    if (tcp_open_) close_handle(reinterpret_cast<uv_handle_t*>(&tcp_));
  }

  uv_tcp_t tcp_;
  uv_connect_t connect_;
  bool tcp_open_ = false;
};

}  // namespace

CheckResult connect_failure(int status) {
  if (status == UV_ECONNREFUSED) return CheckResult::failed(FailureKind::Refused, "connect refused");
  if (status == UV_ETIMEDOUT) return CheckResult::failed(FailureKind::Timeout, "connect timed out");
  return CheckResult::failed(FailureKind::Network, std::string("connect: ") + uv_strerror(status));
}

void TcpCheck::start(const zones::CheckSpec& spec, const std::string& address, Done done) {
  auto* probe = new TcpProbe(*this, spec.timeout_ms, std::move(done));
  sockaddr_storage target;
  if (!parse_socket_address(address, effective_port(spec), target)) {
    probe->fail(FailureKind::Config, "not an IP address: " + address);
    return;
  }
  probe->begin(target);
}

}  // namespace dnsd::health
