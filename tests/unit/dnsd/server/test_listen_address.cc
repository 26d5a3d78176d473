#include "dnsd/server/listen_address.h"

#include <doctest.h>

#include <string>

using dnsd::ListenAddress;
using dnsd::parse_listen_address;

namespace {

ListenAddress parse_ok(const char* text) {
  ListenAddress a;
  std::string error;
  CHECK_MESSAGE(parse_listen_address(text, a, error), text, ": ", error);
  return a;
}

std::string parse_error(const char* text) {
  ListenAddress a;
  std::string error;
  CHECK_FALSE_MESSAGE(parse_listen_address(text, a, error), text);
  return error;
}

}  // namespace

TEST_CASE("listen address: IPv4 with port") {
  ListenAddress a = parse_ok("127.0.0.1:5353");
  CHECK(a.family() == AF_INET);
  CHECK(a.port() == 5353);
  CHECK(a.length == sizeof(sockaddr_in));
  CHECK_FALSE(a.is_wildcard());
  CHECK(a.to_string() == "127.0.0.1:5353");
}

TEST_CASE("listen address: IPv6 in brackets") {
  ListenAddress a = parse_ok("[::1]:53");
  CHECK(a.family() == AF_INET6);
  CHECK(a.port() == 53);
  CHECK(a.length == sizeof(sockaddr_in6));
  CHECK_FALSE(a.is_wildcard());
  CHECK(a.to_string() == "[::1]:53");
  CHECK(parse_ok("[2001:DB8::0:1]:65535").to_string() == "[2001:db8::1]:65535");
}

TEST_CASE("listen address: wildcards need pktinfo") {
  CHECK(parse_ok("0.0.0.0:53").is_wildcard());
  CHECK(parse_ok("[::]:53").is_wildcard());
}

TEST_CASE("listen address: IPv6 scope by number") {
  ListenAddress a = parse_ok("[fe80::1%1]:53");
  CHECK(reinterpret_cast<const sockaddr_in6&>(a.storage).sin6_scope_id == 1);
  CHECK(parse_error("[fe80::1%no-such-interface0]:53").find("unknown interface") != std::string::npos);
}

TEST_CASE("listen address: errors say what is wrong") {
  CHECK(parse_error("").find("empty") != std::string::npos);
  CHECK(parse_error("127.0.0.1").find("no port") != std::string::npos);
  CHECK(parse_error("127.0.0.1:").find("port ''") != std::string::npos);
  CHECK(parse_error("127.0.0.1:0").find("1 to 65535") != std::string::npos);
  CHECK(parse_error("127.0.0.1:65536").find("1 to 65535") != std::string::npos);
  CHECK(parse_error("127.0.0.1:53x").find("1 to 65535") != std::string::npos);
  CHECK(parse_error("127.0.0.1:-1").find("1 to 65535") != std::string::npos);
  CHECK(parse_error("localhost:53").find("not a numeric IPv4") != std::string::npos);
  CHECK(parse_error("127.1:53").find("not a numeric IPv4") != std::string::npos);
  CHECK(parse_error("::1:53").find("brackets") != std::string::npos);
  CHECK(parse_error("[::1]").find("no port") != std::string::npos);
  CHECK(parse_error("[::1]53").find("no port") != std::string::npos);
  CHECK(parse_error("[::1:53").find("without ']'") != std::string::npos);
  CHECK(parse_error("[127.0.0.1]:53").find("not a numeric IPv6") != std::string::npos);
}
