#include "health/dns_check.h"

#include <random>

#include "zones/name.h"
#include "zones/rcode.h"

namespace dnsd::health {

namespace {

class DnsProbe : public ProbeSession {
 public:
  DnsProbe(SessionCheck& owner, uint32_t timeout_ms, Check::Done done, uint16_t id)
      : ProbeSession(owner, timeout_ms, std::move(done)), id_(id) {}

  void begin(const sockaddr_storage& target, std::vector<uint8_t> query) {
    query_ = std::move(query);
    uv_udp_init(loop(), &udp_);
    udp_.data = this;
    udp_open_ = true;
    arm_timeout();
    // A connected socket only receives from the member and reports ICMP port
    // unreachable as ECONNREFUSED, so a closed port fails fast instead of timing out.
    int rc = uv_udp_connect(&udp_, reinterpret_cast<const sockaddr*>(&target));
    if (rc == 0) rc = uv_udp_recv_start(&udp_, alloc_cb, recv_cb);
    if (rc == 0) {
      uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(query_.data()), unsigned(query_.size()));
      rc = uv_udp_try_send(&udp_, &buf, 1, nullptr);
      if (rc >= 0) rc = 0;
    }
    if (rc != 0) finish(send_failure(rc));
  }

 private:
  static CheckResult send_failure(int status) {
    if (status == UV_ECONNREFUSED) return CheckResult::failed(FailureKind::Refused, "connect refused");
    return CheckResult::failed(FailureKind::Network, std::string("udp: ") + uv_strerror(status));
  }

  static void alloc_cb(uv_handle_t* handle, size_t, uv_buf_t* buf) {
    auto* self = static_cast<DnsProbe*>(handle->data);
    *buf = uv_buf_init(self->reply_, sizeof self->reply_);
  }

  static void recv_cb(uv_udp_t* udp, ssize_t nread, const uv_buf_t* buf, const sockaddr*, unsigned) {
    auto* self = static_cast<DnsProbe*>(udp->data);
    if (self->finished()) return;
    if (nread < 0) {
      self->finish(send_failure(int(nread)));
      return;
    }
    const auto* data = reinterpret_cast<const uint8_t*>(buf->base);
    if (!is_reply_to(data, size_t(nread), self->id_)) return;  // stray datagram: keep waiting
    self->finish(judge_dns_reply(data, size_t(nread), self->id_));
  }

  void close_io() override {
    if (!udp_open_) return;
    uv_udp_recv_stop(&udp_);
    close_handle(reinterpret_cast<uv_handle_t*>(&udp_));
  }

  uint16_t id_;
  uv_udp_t udp_;
  bool udp_open_ = false;
  std::vector<uint8_t> query_;
  char reply_[4096];
};

}  // namespace

DnsCheck::DnsCheck(uv_loop_t* loop) : SessionCheck(loop) {
  std::random_device seed;
  next_id_ = uint16_t(seed());
}

std::vector<uint8_t> build_dns_query(uint16_t id, const std::string& name, uint16_t type) {
  std::string text = name.empty() ? "." : name;
  if (text.back() != '.') text += '.';
  zones::Name wire;
  std::string error;
  if (!zones::name_from_text(text, zones::root_name(), wire, error)) return {};
  std::vector<uint8_t> q = {uint8_t(id >> 8), uint8_t(id), 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  q.insert(q.end(), wire.data(), wire.data() + wire.size());
  q.push_back(uint8_t(type >> 8));
  q.push_back(uint8_t(type));
  q.push_back(0);
  q.push_back(1);  // class IN
  return q;
}

bool is_reply_to(const uint8_t* reply, size_t length, uint16_t id) {
  return length >= 12 && (reply[2] & 0x80) && reply[0] == uint8_t(id >> 8) && reply[1] == uint8_t(id);
}

CheckResult judge_dns_reply(const uint8_t* reply, size_t length, uint16_t id) {
  if (!is_reply_to(reply, length, id)) return CheckResult::failed(FailureKind::Rcode, "malformed reply");
  const unsigned rcode = reply[3] & 0x0F;
  if (rcode == 0) return CheckResult::success("NOERROR");
  return CheckResult::failed(FailureKind::Rcode, "rcode " + zones::rcode_name(uint16_t(rcode)));
}

void DnsCheck::start(const zones::CheckSpec& spec, const std::string& address, Done done) {
  const uint16_t id = next_id_++;
  auto* probe = new DnsProbe(*this, spec.timeout_ms, std::move(done), id);
  sockaddr_storage target;
  if (!parse_socket_address(address, effective_port(spec), target)) {
    probe->fail(FailureKind::Config, "not an IP address: " + address);
    return;
  }
  std::vector<uint8_t> query = build_dns_query(id, spec.query_name, spec.query_type);
  if (query.empty()) {
    probe->fail(FailureKind::Config, "bad query name: " + spec.query_name);
    return;
  }
  probe->begin(target, std::move(query));
}

}  // namespace dnsd::health
