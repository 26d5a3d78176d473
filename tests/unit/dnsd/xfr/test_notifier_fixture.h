// The notifier tests' harness: a libuv loop that runs until a condition holds
// or a deadline passes (never a fixed sleep), a fake secondary on 127.0.0.1
// (ephemeral port) that reads each NOTIFY with ldns and answers as the test
// says, and a started notifier whose settled NOTIFYs are recorded.
#pragma once

#include <doctest.h>
#include <uv.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dnsd/xfr/notifier.h"
#include "tests/unit/zone_fixture.h"

namespace dnsd::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using xfr::NotifyPeerStatus;
using xfr::NotifyTask;
using xfr::NotifyTiming;
using xfr::Notifier;

/// A libuv loop, with a deadline timer so that run_until never hangs.
struct Loop {
  uv_loop_t loop{};
  uv_timer_t deadline{};
  bool expired = false;

  Loop() {
    uv_loop_init(&loop);
    uv_timer_init(&loop, &deadline);
    deadline.data = this;
  }
  ~Loop() {
    uv_close(reinterpret_cast<uv_handle_t*>(&deadline), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);  // every handle closed
  }
  /// Runs the loop until `done` holds or `limit` passes; returns `done`.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    expired = false;
    uv_timer_start(&deadline, [](uv_timer_t* t) { static_cast<Loop*>(t->data)->expired = true; },
                   uint64_t(limit.count()), 0);
    while (!done() && !expired) uv_run(&loop, UV_RUN_ONCE);
    uv_timer_stop(&deadline);
    return done();
  }
  /// Runs the loop for `window`: for checking that nothing more happens.
  void run_for(std::chrono::milliseconds window) { run_until([] { return false; }, window); }
};

/// One datagram the fake secondary received.
struct Received {
  std::vector<uint8_t> wire;
  sockaddr_storage from{};
  Clock::time_point at;
};

/// The NOTIFY as ldns reads it.
struct SeenNotify {
  uint16_t id = 0;
  bool notify_opcode = false, aa = false, qr = true, tsig = false;
  std::string qname;
  ldns_rr_type qtype{};
  ldns_rr_class qclass{};
  size_t answers = 0;
  uint32_t serial = 0;
};

inline SeenNotify read_notify(const std::vector<uint8_t>& wire) {
  const dnsd::test::Packet pkt = dnsd::test::parse_packet(wire.data(), wire.size());
  REQUIRE(pkt);
  SeenNotify seen;
  seen.id = ldns_pkt_id(pkt.get());
  seen.notify_opcode = ldns_pkt_get_opcode(pkt.get()) == LDNS_PACKET_NOTIFY;
  seen.aa = ldns_pkt_aa(pkt.get());
  seen.qr = ldns_pkt_qr(pkt.get());
  seen.tsig = ldns_pkt_tsig(pkt.get()) != nullptr;
  REQUIRE(ldns_pkt_qdcount(pkt.get()) == 1);
  const ldns_rr* q = ldns_rr_list_rr(ldns_pkt_question(pkt.get()), 0);
  char* owner = ldns_rdf2str(ldns_rr_owner(q));
  seen.qname = owner;
  free(owner);
  seen.qtype = ldns_rr_get_type(q);
  seen.qclass = ldns_rr_get_class(q);
  seen.answers = ldns_pkt_ancount(pkt.get());
  if (seen.answers == 1) {
    const ldns_rr* soa = ldns_rr_list_rr(ldns_pkt_answer(pkt.get()), 0);
    if (ldns_rr_get_type(soa) == LDNS_RR_TYPE_SOA) seen.serial = ldns_rdf2native_int32(ldns_rr_rdf(soa, 2));
  }
  return seen;
}

/// The answer a secondary gives to `notify`: its header and question, QR set, `rcode`.
inline std::vector<uint8_t> answer(const std::vector<uint8_t>& notify, uint8_t rcode = 0) {
  size_t end = 12;
  while (notify[end] != 0) end += 1 + notify[end];
  std::vector<uint8_t> wire(notify.begin(), notify.begin() + long(end + 1 + 4));
  wire[2] |= 0x80;
  wire[3] = rcode;
  wire[6] = wire[7] = wire[8] = wire[9] = wire[10] = wire[11] = 0;
  return wire;
}

/// A secondary on 127.0.0.1: records every NOTIFY and calls `behaviour` on it.
/// A second socket sends replies from the wrong port.
struct FakeSecondary {
  uv_udp_t udp{}, other{};
  sockaddr_storage address{};
  uint16_t port = 0;
  std::vector<Received> received;
  std::function<void(FakeSecondary&, const Received&)> behaviour = [](FakeSecondary&, const Received&) {};
  uint8_t buffer[4096];

  explicit FakeSecondary(uv_loop_t* loop) {
    for (uv_udp_t* u : {&udp, &other}) {
      uv_udp_init(loop, u);
      u->data = this;
      sockaddr_in any{};
      uv_ip4_addr("127.0.0.1", 0, &any);
      REQUIRE(uv_udp_bind(u, reinterpret_cast<const sockaddr*>(&any), 0) == 0);
    }
    int length = sizeof address;
    uv_udp_getsockname(&udp, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
    uv_udp_recv_start(
        &udp,
        [](uv_handle_t* h, size_t, uv_buf_t* buf) {
          auto* self = static_cast<FakeSecondary*>(h->data);
          *buf = uv_buf_init(reinterpret_cast<char*>(self->buffer), sizeof self->buffer);
        },
        [](uv_udp_t* u, ssize_t n, const uv_buf_t* buf, const sockaddr* from, unsigned) {
          if (n <= 0 || from == nullptr) return;
          auto* self = static_cast<FakeSecondary*>(u->data);
          Received r;
          r.wire.assign(buf->base, buf->base + n);
          std::memcpy(&r.from, from, sizeof(sockaddr_in));
          r.at = Clock::now();
          self->received.push_back(r);
          self->behaviour(*self, self->received.back());
        });
  }
  void close() {
    uv_close(reinterpret_cast<uv_handle_t*>(&udp), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&other), nullptr);
  }
  /// Sends `wire` to whoever sent `to`, from the secondary's port or (`wrong_port`) the other one.
  void reply(const Received& to, std::vector<uint8_t> wire, bool wrong_port = false) {
    uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(wire.data()), unsigned(wire.size()));
    REQUIRE(uv_udp_try_send(wrong_port ? &other : &udp, &buf, 1, reinterpret_cast<const sockaddr*>(&to.from)) > 0);
  }
  /// Acknowledges every NOTIFY from now on.
  void ack_all() {
    behaviour = [](FakeSecondary& s, const Received& r) { s.reply(r, answer(r.wire)); };
  }
  std::string target_text() const { return "127.0.0.1:" + std::to_string(port); }
};

/// The uncompressed rdata of example.test's SOA with `serial`.
inline std::vector<uint8_t> soa_rdata(uint32_t serial) {
  const std::string line = "example.test. 3600 IN SOA ns1.example.test. admin.example.test. " +
                           std::to_string(serial) + " 7200 3600 1209600 300";
  ldns_rr* rr = nullptr;
  REQUIRE(ldns_rr_new_frm_str(&rr, line.c_str(), 3600, nullptr, nullptr) == LDNS_STATUS_OK);
  std::vector<uint8_t> out;
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* field = ldns_rr_rdf(rr, i);
    out.insert(out.end(), ldns_rdf_data(field), ldns_rdf_data(field) + ldns_rdf_size(field));
  }
  ldns_rr_free(rr);
  return out;
}

inline uint64_t wall_ms() {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count());
}

/// A loop, a fake secondary and a started notifier whose settled NOTIFYs are recorded.
struct Fixture {
  Loop loop;
  FakeSecondary secondary{&loop.loop};
  std::unique_ptr<Notifier> notifier;
  std::vector<NotifyPeerStatus> settled;

  explicit Fixture(NotifyTiming timing = {}) {
    notifier = std::make_unique<Notifier>(&loop.loop, timing, xfr::NotifySource{"127.0.0.1", "::1"});
    notifier->set_on_settled([this](const NotifyPeerStatus& s) { settled.push_back(s); });
    std::string error;
    REQUIRE(notifier->start(error));
  }
  ~Fixture() {
    notifier->stop();
    secondary.close();
    uv_run(&loop.loop, UV_RUN_DEFAULT);
    notifier.reset();
  }
  NotifyTask task(uint32_t serial, const std::string& zone = "example.test.") const {
    NotifyTask t;
    t.zone = zone;
    t.serial = serial;
    t.soa_ttl = 3600;
    t.soa_rdata = soa_rdata(serial);
    t.target = secondary.address;
    t.target_text = secondary.target_text();
    return t;
  }
  bool run_until_settled(size_t count = 1) {
    return loop.run_until([&] { return settled.size() >= count; });
  }
  NotifyPeerStatus only_status() const {
    const auto all = notifier->status();
    REQUIRE(all.size() == 1);
    return all[0];
  }
};

}  // namespace dnsd::test
