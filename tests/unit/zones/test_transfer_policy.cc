// TransferPolicy and its parts: ACL prefixes (IPv4, IPv6, IPv4-mapped peers,
// host bits caught as typos), NOTIFY target forms and ports, and equality.
#include <doctest.h>

#include <arpa/inet.h>

#include <cstring>
#include <string>

#include "zones/transfer_policy.h"

using namespace dnsd::zones;

namespace {

AddressPrefix prefix(const std::string& text) {
  std::string error;
  auto parsed = AddressPrefix::parse(text, error);
  REQUIRE_MESSAGE(parsed, text << ": " << error);
  return *parsed;
}

std::string prefix_error(const std::string& text) {
  std::string error;
  CHECK_MESSAGE(!AddressPrefix::parse(text, error), text << " should not parse");
  return error;
}

// A peer address as a socket reports it: AF_INET for dotted quads, else AF_INET6.
sockaddr_storage peer(const std::string& text) {
  sockaddr_storage storage{};
  if (text.find(':') == std::string::npos) {
    auto* in = reinterpret_cast<sockaddr_in*>(&storage);
    in->sin_family = AF_INET;
    REQUIRE(inet_pton(AF_INET, text.c_str(), &in->sin_addr) == 1);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    REQUIRE(inet_pton(AF_INET6, text.c_str(), &in6->sin6_addr) == 1);
  }
  return storage;
}

bool contains(const std::string& prefix_text, const std::string& peer_text) {
  sockaddr_storage address = peer(peer_text);
  return prefix(prefix_text).contains(reinterpret_cast<const sockaddr*>(&address));
}

NotifyTarget target(const std::string& text) {
  std::string error;
  auto parsed = NotifyTarget::parse(text, error);
  REQUIRE_MESSAGE(parsed, text << ": " << error);
  return *parsed;
}

std::string target_error(const std::string& text) {
  std::string error;
  CHECK_MESSAGE(!NotifyTarget::parse(text, error), text << " should not parse");
  return error;
}

uint16_t port_of(const NotifyTarget& t) {
  if (t.address.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&t.address)->sin_port);
  return ntohs(reinterpret_cast<const sockaddr_in6*>(&t.address)->sin6_port);
}

}  // namespace

TEST_CASE("prefixes parse into family, bits and network bytes, and print back") {
  AddressPrefix v4 = prefix("192.0.2.0/24");
  CHECK(v4.family == 4);
  CHECK(v4.bits == 24);
  CHECK(v4.address[0] == 192);
  CHECK(v4.address[2] == 2);
  CHECK(v4.to_string() == "192.0.2.0/24");
  CHECK(prefix("127.0.0.1").bits == 32);
  CHECK(prefix("127.0.0.1").to_string() == "127.0.0.1/32");
  CHECK(prefix("0.0.0.0/0").to_string() == "0.0.0.0/0");
  AddressPrefix v6 = prefix("2001:DB8::/32");
  CHECK(v6.family == 6);
  CHECK(v6.bits == 32);
  CHECK(v6.to_string() == "2001:db8::/32");
  CHECK(prefix("::1").to_string() == "::1/128");
  CHECK(prefix("::/0").bits == 0);
  CHECK(prefix("2001:DB8:0:0:1:0::/80").to_string() == "2001:db8:0:0:1::/80");
}

TEST_CASE("host bits below the prefix length are an error naming the network") {
  std::string error = prefix_error("192.0.2.1/24");
  CHECK(error.find("host bits") != std::string::npos);
  CHECK(error.find("192.0.2.0/24") != std::string::npos);
  CHECK(prefix_error("10.0.0.1/31").find("10.0.0.0/31") != std::string::npos);
  CHECK(prefix_error("2001:db8::1/64").find("2001:db8::/64") != std::string::npos);
  CHECK(prefix_error("::1/0").find("::/0") != std::string::npos);
  CHECK(prefix("10.0.0.1/32").bits == 32);
}

TEST_CASE("bad prefixes: addresses, lengths, names") {
  for (const char* text : {"", "/24", "192.0.2", "192.0.2.256", "192.0.2.0/", "192.0.2.0/33", "192.0.2.0/-1",
                           "192.0.2.0/2x", "192.0.2.0/ 24", "192.0.2.0/0024", "2001:db8::/129", "2001:db8::g",
                           "localhost", "fe80::1%eth0", "192.0.2.0/24/8"}) {
    std::string error = prefix_error(text);
    CHECK_MESSAGE(error.find("\"" + std::string(text) + "\"") != std::string::npos, error);
  }
  CHECK(prefix_error("192.0.2.0/33").find("0 to 32") != std::string::npos);
  CHECK(prefix_error("::/129").find("0 to 128") != std::string::npos);
}

TEST_CASE("contains: IPv4 and IPv6 peers, boundaries, families kept apart") {
  CHECK(contains("192.0.2.0/24", "192.0.2.0"));
  CHECK(contains("192.0.2.0/24", "192.0.2.255"));
  CHECK_FALSE(contains("192.0.2.0/24", "192.0.3.0"));
  CHECK(contains("192.0.2.128/25", "192.0.2.200"));
  CHECK_FALSE(contains("192.0.2.128/25", "192.0.2.127"));
  CHECK(contains("127.0.0.1", "127.0.0.1"));
  CHECK_FALSE(contains("127.0.0.1", "127.0.0.2"));
  CHECK(contains("0.0.0.0/0", "203.0.113.9"));
  CHECK(contains("2001:db8::/32", "2001:db8:ffff::1"));
  CHECK_FALSE(contains("2001:db8::/32", "2001:db9::1"));
  CHECK(contains("::1", "::1"));
  CHECK_FALSE(contains("::1", "127.0.0.1"));
  CHECK_FALSE(contains("0.0.0.0/0", "2001:db8::1"));
  CHECK_FALSE(contains("::/0", "192.0.2.1"));
}

TEST_CASE("an IPv4-mapped IPv6 peer counts as IPv4") {
  CHECK(contains("192.0.2.0/24", "::ffff:192.0.2.7"));
  CHECK_FALSE(contains("192.0.2.0/24", "::ffff:192.0.3.7"));
  CHECK(contains("127.0.0.0/8", "::ffff:127.0.0.1"));
  CHECK_FALSE(contains("::/0", "::ffff:192.0.2.7"));
  // A prefix written in mapped form matches the IPv4 peer either way it arrives.
  CHECK(contains("::ffff:192.0.2.0/120", "192.0.2.7"));
  CHECK(contains("::ffff:192.0.2.0/120", "::ffff:192.0.2.7"));
  CHECK_FALSE(contains("::ffff:192.0.2.0/120", "192.0.3.7"));
}

TEST_CASE("contains is false for a null or non-IP sockaddr") {
  CHECK_FALSE(prefix("0.0.0.0/0").contains(nullptr));
  sockaddr_storage unix_address{};
  unix_address.ss_family = AF_UNIX;
  CHECK_FALSE(prefix("0.0.0.0/0").contains(reinterpret_cast<const sockaddr*>(&unix_address)));
}

TEST_CASE("notify targets: the four forms, default port 53, normalised text") {
  NotifyTarget a = target("192.0.2.53");
  CHECK(a.text == "192.0.2.53:53");
  CHECK(a.address.ss_family == AF_INET);
  CHECK(port_of(a) == 53);
  NotifyTarget b = target("198.51.100.7:5300");
  CHECK(b.text == "198.51.100.7:5300");
  CHECK(port_of(b) == 5300);
  NotifyTarget c = target("2001:DB8::1");
  CHECK(c.text == "[2001:db8::1]:53");
  CHECK(c.address.ss_family == AF_INET6);
  CHECK(port_of(c) == 53);
  NotifyTarget d = target("[2001:db8::1]:5300");
  CHECK(d.text == "[2001:db8::1]:5300");
  CHECK(port_of(d) == 5300);
  CHECK(target("[::1]").text == "[::1]:53");
  CHECK(target("127.0.0.1:65535").text == "127.0.0.1:65535");
  char expected[16];
  inet_pton(AF_INET6, "2001:db8::1", expected);
  CHECK(std::memcmp(&reinterpret_cast<const sockaddr_in6*>(&d.address)->sin6_addr, expected, 16) == 0);
}

TEST_CASE("bad notify targets: ports, brackets, host names") {
  for (const char* text : {"192.0.2.53:0", "192.0.2.53:65536", "192.0.2.53:99999", "192.0.2.53:", "192.0.2.53:x",
                           "192.0.2.53:+53", "[2001:db8::1]:0", "[2001:db8::1]:", "[2001:db8::1]:70000"})
    CHECK_MESSAGE(target_error(text).find("1 to 65535") != std::string::npos, text);
  CHECK(target_error("[2001:db8::1").find("']'") != std::string::npos);
  CHECK(target_error("[2001:db8::1]5300").find(":PORT") != std::string::npos);
  CHECK(target_error("[192.0.2.1]:53").find("IPv6") != std::string::npos);
  CHECK(target_error("ns1.example.test").find("host name") != std::string::npos);
  CHECK(target_error("ns1.example.test:53").find("host name") != std::string::npos);
  CHECK(target_error("").find("\"\"") != std::string::npos);
}

TEST_CASE("allows: enabled and some prefix contains the peer") {
  TransferPolicy policy;
  policy.allow = {prefix("127.0.0.0/8"), prefix("2001:db8::/32")};
  sockaddr_storage local = peer("127.0.0.1"), v6 = peer("2001:db8::53"), other = peer("192.0.2.1");
  CHECK_FALSE(policy.allows(reinterpret_cast<const sockaddr*>(&local)));  // not enabled
  policy.enabled = true;
  CHECK(policy.allows(reinterpret_cast<const sockaddr*>(&local)));
  CHECK(policy.allows(reinterpret_cast<const sockaddr*>(&v6)));
  CHECK_FALSE(policy.allows(reinterpret_cast<const sockaddr*>(&other)));
  policy.allow.clear();
  CHECK_FALSE(policy.allows(reinterpret_cast<const sockaddr*>(&local)));
}

TEST_CASE("policies compare by enabled, prefixes, targets and key") {
  TransferPolicy a;
  a.enabled = true;
  a.allow = {prefix("192.0.2.0/24")};
  a.notify = {target("192.0.2.53")};
  a.tsig_key = "xfr-key.";
  TransferPolicy b = a;
  CHECK(a == b);
  b.notify = {target("192.0.2.53:53")};  // the same target, written out
  CHECK(a == b);
  b.notify = {target("192.0.2.53:5300")};
  CHECK_FALSE(a == b);
  b = a;
  b.allow.push_back(prefix("::1"));
  CHECK_FALSE(a == b);
  b = a;
  b.tsig_key.clear();
  CHECK_FALSE(a == b);
  b = a;
  b.enabled = false;
  CHECK_FALSE(a == b);
  CHECK(TransferPolicy{} == TransferPolicy{});
}
