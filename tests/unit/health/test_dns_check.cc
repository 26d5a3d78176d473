// dns probes against a UDP responder on 127.0.1.x.
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
  REQUIRE(q.size() == 12 + question.size());
  CHECK(std::vector<uint8_t>(q.begin() + 12, q.end()) == question);
  CHECK(q[5] == 1);  // QDCOUNT
}

TEST_CASE("dns: another rcode is down") {
  DnsBackend backend("127.0.1.4", 5);
  const auto r = run_probe(dns(backend.port()), "127.0.1.4");
  CHECK(r.failure == FailureKind::Rcode);
  CHECK(r.detail == "rcode REFUSED");
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

TEST_CASE("dns: query building and reply judging") {
  CHECK(dnsd::health::build_dns_query(0x1234, ".", 6).size() == 12 + 1 + 4);
  CHECK(dnsd::health::build_dns_query(1, "bad..name", 1).empty());
  const uint8_t reply[12] = {0x12, 0x34, 0x80, 0x03};
  CHECK(dnsd::health::judge_dns_reply(reply, 12, 0x1234).detail == "rcode NXDOMAIN");
  const uint8_t unassigned[12] = {0x12, 0x34, 0x80, 0x0C};
  CHECK(dnsd::health::judge_dns_reply(unassigned, 12, 0x1234).detail == "rcode RCODE12");  // as /metrics names it
  CHECK_FALSE(dnsd::health::is_reply_to(reply, 12, 0x1235));
  CHECK_FALSE(dnsd::health::is_reply_to(reply, 11, 0x1234));
}
