// The control API's one safety rule: only loopback goes without a token.
#include "dnsd/control/control_options.h"

#include <doctest.h>

namespace {

dnsd::ControlOptions at(const char* text, const char* token = "") {
  dnsd::ControlOptions o;
  std::string error;
  REQUIRE_MESSAGE(dnsd::parse_listen_address(text, o.address, error), error);
  o.token = token;
  return o;
}

}  // namespace

TEST_CASE("loopback addresses") {
  CHECK(dnsd::is_loopback(at("127.0.0.1:8053").address));
  CHECK(dnsd::is_loopback(at("127.255.0.9:8053").address));
  CHECK(dnsd::is_loopback(at("[::1]:8053").address));
  CHECK(dnsd::is_loopback(at("[::ffff:127.0.0.1]:8053").address));
  CHECK_FALSE(dnsd::is_loopback(at("0.0.0.0:8053").address));
  CHECK_FALSE(dnsd::is_loopback(at("[::]:8053").address));
  CHECK_FALSE(dnsd::is_loopback(at("192.0.2.1:8053").address));
  CHECK_FALSE(dnsd::is_loopback(at("[::ffff:192.0.2.1]:8053").address));
}

TEST_CASE("a token is required off loopback") {
  CHECK(dnsd::control_options_problem(at("127.0.0.1:8053")).empty());
  const std::string problem = dnsd::control_options_problem(at("0.0.0.0:8053"));
  CHECK(problem.find("0.0.0.0:8053") != std::string::npos);
  CHECK(problem.find("--control-token") != std::string::npos);
  CHECK(dnsd::control_options_problem(at("0.0.0.0:8053", "secret")).empty());
}

TEST_CASE("--control takes unix:PATH, which needs no token") {
  dnsd::ControlOptions o;
  std::string error;
  REQUIRE(dnsd::parse_control_address("unix:/run/dnsd/control.sock", o, error));
  CHECK(o.unix_path == "/run/dnsd/control.sock");
  CHECK(dnsd::control_address_text(o) == "unix:/run/dnsd/control.sock");
  CHECK(dnsd::control_options_problem(o).empty());

  REQUIRE(dnsd::parse_control_address("127.0.0.1:8053", o, error));
  CHECK(o.unix_path.empty());
  CHECK(dnsd::control_address_text(o) == "127.0.0.1:8053");

  CHECK_FALSE(dnsd::parse_control_address("unix:", o, error));
  CHECK(error.find("UNIX socket path") != std::string::npos);
  CHECK_FALSE(dnsd::parse_control_address("unix:/" + std::string(120, 'x'), o, error));
  CHECK_FALSE(dnsd::parse_control_address("localhost:8053", o, error));
}
