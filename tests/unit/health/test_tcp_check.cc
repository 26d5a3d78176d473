// tcp probes against real sockets on 127.0.1.x.
#include <doctest.h>

#include "health/tcp_check.h"
#include "tests/unit/health/loopback_backends.h"

using dnsd::health::FailureKind;
using dnsd::test::run_probe;
namespace zones = dnsd::zones;

namespace {

zones::CheckSpec tcp(uint16_t port, uint32_t timeout_ms = 1000) {
  zones::CheckSpec s;
  s.type = zones::CheckType::Tcp;
  s.port = port;
  s.timeout_ms = timeout_ms;
  return s;
}

}  // namespace

TEST_CASE("tcp: a listening port is up") {
  dnsd::test::SilentListener listener("127.0.1.1");
  const auto r = run_probe(tcp(listener.port), "127.0.1.1");
  CHECK(r.ok);
  CHECK(r.detail == "connected");
  CHECK(r.latency_us < 1000000);
}

TEST_CASE("tcp: a closed port is refused at once") {
  const uint16_t port = dnsd::test::refusing_port("127.0.1.1");
  const auto r = run_probe(tcp(port, 5000), "127.0.1.1");
  CHECK_FALSE(r.ok);
  CHECK(r.failure == FailureKind::Refused);
  CHECK(r.detail == "connect refused");
  CHECK(r.latency_us < 1000000);  // not a timeout
}

TEST_CASE("tcp: an address that is not an IP literal is a configuration failure") {
  const auto r = run_probe(tcp(80), "not-an-ip");
  CHECK(r.failure == FailureKind::Config);
}

TEST_CASE("tcp: connect_failure names the common errors") {
  CHECK(dnsd::health::connect_failure(UV_ECONNREFUSED).detail == "connect refused");
  CHECK(dnsd::health::connect_failure(UV_ENETUNREACH).failure == FailureKind::Network);
}
