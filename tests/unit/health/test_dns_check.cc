// dns probes against a UDP (and TCP) responder on 127.0.1.x.
#include <doctest.h>

#include "health/dns_check.h"
#include "tests/unit/health/loopback_backends.h"

using dnsd::health::FailureKind;
using dnsd::test::DnsBackend;
using dnsd::test::run_probe;
namespace zones = dnsd::zones;

namespace {

zones::CheckSpec dns(uint16_t port, uint32_t timeout_ms = 1000) {
  zones::CheckSpec s;
  s.type = zones::CheckType::Dns;
  s.port = port;
  s.query_name = "example.test";
  s.query_type = 1;
  s.timeout_ms = timeout_ms;
  return s;
}

}  // namespace

TEST_CASE("dns: NOERROR is up, and the query asks what the check says") {
  DnsBackend backend("127.0.1.4", 0);
  const auto r = run_probe(dns(backend.port()), "127.0.1.4");
  CHECK(r.ok);
  CHECK(r.detail == "NOERROR");
  const auto q = backend.last_query();
  const std::vector<uint8_t> question = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1};
  const std::vector<uint8_t> opt = {0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0};
  REQUIRE(q.size() == 12 + question.size() + opt.size());
  CHECK(std::vector<uint8_t>(q.begin() + 12, q.begin() + 12 + long(question.size())) == question);
  CHECK(std::vector<uint8_t>(q.end() - long(opt.size()), q.end()) == opt);
  CHECK(q[5] == 1);   // QDCOUNT
  CHECK(q[11] == 1);  // ARCOUNT: the OPT record
}

TEST_CASE("dns: \"edns\": false sends no OPT record") {
  DnsBackend backend("127.0.1.4", 0);
  auto spec = dns(backend.port());
  spec.edns = false;
  CHECK(run_probe(spec, "127.0.1.4").ok);
  const auto q = backend.last_query();
  CHECK(q.size() == 12 + 18);
  CHECK(q[11] == 0);
}

TEST_CASE("dns: another rcode is down") {
  DnsBackend backend("127.0.1.4", 5);
  const auto r = run_probe(dns(backend.port()), "127.0.1.4");
  CHECK(r.failure == FailureKind::Rcode);
  CHECK(r.detail == "rcode REFUSED, expected NOERROR");
}

TEST_CASE("dns: a truncated UDP reply is asked again over TCP") {
  DnsBackend backend("127.0.1.4", 0, true);
  backend.set_truncated(true);
  const auto r = run_probe(dns(backend.port()), "127.0.1.4");
  CHECK(r.ok);
  CHECK(r.detail == "NOERROR over TCP");
  CHECK(backend.tcp_queries() == 1);
  SUBCASE("truncated over TCP too") {
    backend.set_truncated(true, true);
    const auto t = run_probe(dns(backend.port()), "127.0.1.4");
    CHECK(t.failure == FailureKind::Rcode);
    CHECK(t.detail == "truncated over TCP");
  }
  SUBCASE("no TCP listener") {
    DnsBackend udp_only("127.0.1.4", 0);
    udp_only.set_truncated(true);
    const auto t = run_probe(dns(udp_only.port()), "127.0.1.4");
    CHECK(t.failure == FailureKind::Refused);
    CHECK(t.detail == "retry over TCP after a truncated UDP reply: connect refused");
  }
}

TEST_CASE("dns: \"transport\": \"tcp\" asks over TCP only") {
  DnsBackend backend("127.0.1.4", 0, true);
  auto spec = dns(backend.port());
  spec.transport = zones::DnsTransport::Tcp;
  const auto r = run_probe(spec, "127.0.1.4");
  CHECK(r.detail == "NOERROR over TCP");
  CHECK(backend.tcp_queries() == 1);
  CHECK(backend.last_query()[11] == 1);  // with EDNS over TCP as well
  SUBCASE("a connection closed without a reply") {
    backend.set_silent(true);
    const auto t = run_probe(spec, "127.0.1.4");
    CHECK(t.failure == FailureKind::Network);
    CHECK(t.detail == "tcp: connection closed before a whole reply");
  }
  SUBCASE("a server that never answers: timeout, and cancellation") {
    dnsd::test::SilentListener listener("127.0.1.4");
    spec.port = listener.port;
    spec.timeout_ms = 200;
    const auto t = run_probe(spec, "127.0.1.4");
    CHECK(t.failure == FailureKind::Timeout);
    CHECK(t.detail == "timeout after 200 ms over TCP");

    spec.timeout_ms = 5000;
    uv_loop_t loop;
    uv_loop_init(&loop);
    auto check = dnsd::health::make_check(spec.type, &loop);
    std::optional<dnsd::health::CheckResult> result;
    check->start(spec, "127.0.1.4", [&](dnsd::health::CheckResult res) { result = std::move(res); });
    for (int i = 0; i < 20 && !result; ++i) uv_run(&loop, UV_RUN_NOWAIT);  // connect and send
    check->cancel_all();
    while (!result) uv_run(&loop, UV_RUN_ONCE);
    CHECK(result->failure == FailureKind::Cancelled);
    CHECK(check->in_flight() == 0);
    check->close();
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }
}

TEST_CASE("dns: no answer is a timeout; a closed port is refused") {
  SUBCASE("silent") {
    DnsBackend backend("127.0.1.4", 0);
    backend.set_silent(true);
    const auto r = run_probe(dns(backend.port(), 200), "127.0.1.4");
    CHECK(r.failure == FailureKind::Timeout);
    CHECK(r.detail == "timeout after 200 ms");
  }
  SUBCASE("closed port") {
    uint16_t port = 0;
    ::close(dnsd::test::bound_socket(SOCK_DGRAM, "127.0.1.4", 0, port));
    const auto r = run_probe(dns(port, 2000), "127.0.1.4");
    CHECK(r.failure == FailureKind::Refused);
  }
}
