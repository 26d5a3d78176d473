// ServerCookies against the test vectors of RFC 9018 appendix A, the time
// window of its section 4.3, and dnsd's rotating secrets.
#include <doctest.h>

#include <arpa/inet.h>

#include <string>
#include <vector>

#include "dnsd/query/server_cookies.h"

using namespace dnsd;

namespace {

std::vector<uint8_t> hex(const std::string& text) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < text.size(); i += 2) out.push_back(uint8_t(std::stoul(text.substr(i, 2), nullptr, 16)));
  return out;
}

std::string to_hex(std::span<const uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

CookieSecret secret(const std::string& text) {
  CookieSecret s{};
  const auto bytes = hex(text);
  std::copy(bytes.begin(), bytes.end(), s.begin());
  return s;
}

std::vector<uint8_t> address(const char* text) {
  uint8_t buffer[16];
  if (inet_pton(AF_INET, text, buffer) == 1) return {buffer, buffer + 4};
  REQUIRE(inet_pton(AF_INET6, text, buffer) == 1);
  return {buffer, buffer + 16};
}

std::unique_ptr<ServerCookies> cookies(const CookieSecrets& secrets) {
  std::string error;
  auto c = ServerCookies::create(secrets, error);
  REQUIRE_MESSAGE(c, error);
  return c;
}

/// check() on COOKIE option data `option`; returns the status and the reply's server cookie in hex.
std::pair<CookieStatus, std::string> check(ServerCookies& c, const std::string& option, const char* from,
                                           uint32_t now) {
  std::array<uint8_t, 16> reply{};
  const auto data = hex(option);
  const CookieStatus status = c.check(data, address(from), now, reply);
  return {status, to_hex(reply)};
}

const CookieSecret kSecret1 = secret("e5e973e5a6b2a43f48e7dc849e37bfcf");
const CookieSecret kSecret6 = secret("dd3bdf9344b678b185a6f5cb60fca715");
const CookieSecret kSecret7 = secret("445536bcd2513298075a5d379663c962");

}  // namespace

TEST_CASE("RFC 9018 A.1: learning a new server cookie (IPv4)") {
  auto c = cookies(CookieSecrets::fixed(kSecret1));
  const auto [status, reply] = check(*c, "2464c4abcf10c957", "198.51.100.100", 1559731985);
  CHECK(status == CookieStatus::ClientOnly);
  CHECK(reply == "010000005cf79f111f8130c3eee29480");
}

TEST_CASE("RFC 9018 A.2: the same client learning a renewed server cookie, 40 minutes later") {
  auto c = cookies(CookieSecrets::fixed(kSecret1));
  const std::string option = "2464c4abcf10c957010000005cf79f111f8130c3eee29480";
  // Right after it was made the cookie is handed back as it is...
  const auto [fresh, same] = check(*c, option, "198.51.100.100", 1559731985 + 60);
  CHECK(fresh == CookieStatus::Valid);
  CHECK(same == "010000005cf79f111f8130c3eee29480");
  // ... and after more than half an hour it is replaced (section 4.3).
  const auto [status, reply] = check(*c, option, "198.51.100.100", 1559734385);
  CHECK(status == CookieStatus::Valid);
  CHECK(reply == "010000005cf7a871d4a564a1442aca77");
}

TEST_CASE("RFC 9018 A.3: another client, a cookie with reserved bytes set") {
  auto c = cookies(CookieSecrets::fixed(kSecret1));
  const auto client = hex("fc93fc62807ddb86");
  const auto server = hex("01abcdef5cf78f71a314227b6679ebf5");
  const auto from = address("203.0.113.203");
  // The reserved bytes are hashed as received, not required to be zero.
  CHECK(c->verify(std::span<const uint8_t, 8>(client.data(), 8), server, from, 1559727985) ==
        ServerCookies::Verdict::Fresh);
  // The example's reply comes 1 h 52 min after the cookie was made: past the
  // hour section 4.3 accepts, so here it is Invalid. The new cookie is the
  // example's, with the reserved bytes zero.
  const auto [status, reply] = check(*c, "fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5", "203.0.113.203",
                                     1559734700);
  CHECK(status == CookieStatus::Invalid);
  CHECK(reply == "010000005cf7a9acf73a7810aca2381e");
}

TEST_CASE("RFC 9018 A.4: IPv6 query with a rolled-over secret") {
  // Made with the old secret...
  auto old_server = cookies(CookieSecrets::fixed(kSecret6));
  const auto [first, made] = check(*old_server, "22681ab97d52c298", "2001:db8:220:1:59de:d0f4:8769:82b8", 1559741817);
  CHECK(first == CookieStatus::ClientOnly);
  CHECK(made == "010000005cf7c57926556bd0934c72f8");
  // ... still accepted once the new one is current, and replaced by one made with it.
  auto c = cookies(CookieSecrets::fixed(kSecret7, kSecret6));
  const auto [status, reply] =
      check(*c, "22681ab97d52c298" + made, "2001:db8:220:1:59de:d0f4:8769:82b8", 1559741961);
  CHECK(status == CookieStatus::Valid);
  CHECK(reply == "010000005cf7c609a6bb79d16625507a");
  // Without the old secret it is not ours.
  auto new_only = cookies(CookieSecrets::fixed(kSecret7));
  CHECK(check(*new_only, "22681ab97d52c298" + made, "2001:db8:220:1:59de:d0f4:8769:82b8", 1559741961).first ==
        CookieStatus::Invalid);
}

TEST_CASE("a cookie is accepted from an hour old to five minutes ahead (RFC 9018 section 4.3)") {
  auto c = cookies(CookieSecrets::fixed(kSecret7, kSecret6));
  const auto client = hex("22681ab97d52c298");
  const auto cc = std::span<const uint8_t, 8>(client.data(), 8);
  const auto from = address("2001:db8:220:1:59de:d0f4:8769:82b8");
  const auto sc = hex("010000005cf7c609a6bb79d16625507a");
  const uint32_t made = 1559741961;
  using V = ServerCookies::Verdict;
  CHECK(c->verify(cc, sc, from, made) == V::Fresh);
  CHECK(c->verify(cc, sc, from, made + 1799) == V::Fresh);
  CHECK(c->verify(cc, sc, from, made + 1800) == V::Renew);
  CHECK(c->verify(cc, sc, from, made + 3600) == V::Renew);
  CHECK(c->verify(cc, sc, from, made + 3601) == V::Invalid);
  CHECK(c->verify(cc, sc, from, made - 300) == V::Fresh);
  CHECK(c->verify(cc, sc, from, made - 301) == V::Invalid);
}

TEST_CASE("a server cookie is bound to its client cookie, address, version and length") {
  auto c = cookies(CookieSecrets::fixed(kSecret1));
  const auto client = hex("2464c4abcf10c957");
  const auto cc = std::span<const uint8_t, 8>(client.data(), 8);
  const auto sc = hex("010000005cf79f111f8130c3eee29480");
  const uint32_t now = 1559731985;
  using V = ServerCookies::Verdict;
  REQUIRE(c->verify(cc, sc, address("198.51.100.100"), now) == V::Fresh);
  CHECK(c->verify(cc, sc, address("198.51.100.101"), now) == V::Invalid);
  CHECK(c->verify(cc, sc, address("::ffff:198.51.100.100"), now) == V::Invalid);  // 16 bytes hashed, not 4
  const auto other = hex("2464c4abcf10c958");
  CHECK(c->verify(std::span<const uint8_t, 8>(other.data(), 8), sc, address("198.51.100.100"), now) == V::Invalid);
  auto version2 = sc;
  version2[0] = 2;
  CHECK(c->verify(cc, version2, address("198.51.100.100"), now) == V::Invalid);
  auto longer = sc;
  longer.push_back(0);
  CHECK(c->verify(cc, longer, address("198.51.100.100"), now) == V::Invalid);
  CHECK(c->verify(cc, std::span(sc).first(8), address("198.51.100.100"), now) == V::Invalid);
  auto flipped = sc;
  flipped[15] ^= 1;
  CHECK(c->verify(cc, flipped, address("198.51.100.100"), now) == V::Invalid);
}

TEST_CASE("rotating secrets: workers agree, a cookie outlives a rotation by its hour, masters differ") {
  const CookieSecret master = secret("000102030405060708090a0b0c0d0e0f");
  auto worker1 = cookies(CookieSecrets::rotating(master));
  auto worker2 = cookies(CookieSecrets::rotating(master));
  auto stranger = cookies(CookieSecrets::rotating(secret("0f0e0d0c0b0a09080706050403020100")));
  const uint32_t rotation = 20000 * ServerCookies::kRotationPeriod;  // a period boundary
  const std::string client = "2464c4abcf10c957";
  const char* from = "192.0.2.1";

  const auto [status, made] = check(*worker1, client, from, rotation - 10);
  REQUIRE(status == CookieStatus::ClientOnly);
  // Another worker, or another server with the same master, accepts it at once...
  CHECK(check(*worker2, client + made, from, rotation - 5) == std::pair(CookieStatus::Valid, made));
  // ... and after the rotation, renewing it with the new period's secret.
  const auto [after, renewed] = check(*worker2, client + made, from, rotation + 100);
  CHECK(after == CookieStatus::Valid);
  CHECK(renewed != made);
  CHECK(check(*worker1, client + renewed, from, rotation + 200) == std::pair(CookieStatus::Valid, renewed));
  // A cookie from a server whose clock is a little ahead, already in the next period.
  CHECK(check(*worker1, client + renewed, from, rotation - 50).first == CookieStatus::Valid);
  // Past its hour it is invalid, like any other.
  CHECK(check(*worker1, client + made, from, rotation + 3600).first == CookieStatus::Invalid);
  // Each period has its own secret.
  CHECK(check(*worker1, client, from, rotation - 1).second != check(*worker1, client, from, rotation).second);
  // Another master makes other cookies and accepts none of these.
  CHECK(check(*stranger, client, from, rotation - 10).second != made);
  CHECK(check(*stranger, client + made, from, rotation - 5).first == CookieStatus::Invalid);
}
