// process_query with a QueryContext: DNS cookies (RFC 7873, RFC 9018) and
// NSID (RFC 5001) in responses, BADCOOKIE and FORMERR where the RFCs say.
#include <doctest.h>

#include <map>
#include <string>
#include <vector>

#include "dnsd/query/query.h"
#include "dnsd/query/server_cookies.h"
#include "tests/unit/zone_fixture.h"

using namespace dnsd;

namespace {

constexpr uint32_t kNow = 1700000000;
const CookieSecret kSecret = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
const std::vector<uint8_t> kClientCookie = {0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57};
const std::vector<uint8_t> kLocalhost = {127, 0, 0, 1};
const std::vector<uint8_t> kOtherHost = {127, 0, 0, 2};

/// One EDNS option: code, length, data.
std::vector<uint8_t> option(uint16_t code, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> o = {uint8_t(code >> 8), uint8_t(code), uint8_t(data.size() >> 8), uint8_t(data.size())};
  o.insert(o.end(), data.begin(), data.end());
  return o;
}

std::vector<uint8_t> concat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// An EDNS query for `name`/`type` whose OPT record carries `options`.
std::vector<uint8_t> query_with(const std::string& name, ldns_rr_type type, const std::vector<uint8_t>& options,
                                uint16_t udp_size = 1232) {
  auto q = test::make_query(name, type, true, udp_size);
  REQUIRE(q[q.size() - 9] == 41);  // ldns puts the OPT last, without options
  q[q.size() - 2] = uint8_t(options.size() >> 8);
  q[q.size() - 1] = uint8_t(options.size());
  return concat(q, options);
}

/// The options of a response's OPT record, by code; empty map without one.
std::map<uint16_t, std::vector<uint8_t>> options_of(const test::Packet& p) {
  std::map<uint16_t, std::vector<uint8_t>> out;
  ldns_rdf* data = ldns_pkt_edns_data(p.get());
  if (data == nullptr) return out;
  const uint8_t* d = ldns_rdf_data(data);
  for (size_t at = 0; at + 4 <= ldns_rdf_size(data);) {
    const uint16_t code = uint16_t(d[at] << 8 | d[at + 1]), length = uint16_t(d[at + 2] << 8 | d[at + 3]);
    out[code].assign(d + at + 4, d + at + 4 + length);
    at += 4 + length;
  }
  return out;
}

struct Fixture {
  std::shared_ptr<const zones::ZoneSet> set = std::make_shared<zones::ZoneSet>(std::vector{test::zone_from_lines(
      "example.test.", {
                           "@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60",
                           "@ 300 IN NS ns1",
                           "ns1 300 IN A 192.0.2.53",
                           "big IN TXT \"" + std::string(200, 'a') + "\"",
                           "big IN TXT \"" + std::string(200, 'b') + "\"",
                       })});
  std::shared_ptr<const Snapshot> snapshot = Snapshot::standalone(set);
  RotationState rotation;
  std::vector<uint8_t> out = std::vector<uint8_t>(kMaxMessage);
  std::unique_ptr<ServerCookies> cookies;
  std::unique_ptr<ServerCookies> checker;  ///< another worker's, to check cookies independently
  QueryContext context;
  QueryResult last;

  Fixture() {
    rotation.resize(set->rotation_slots());
    std::string error;
    cookies = ServerCookies::create(CookieSecrets::fixed(kSecret), error);
    checker = ServerCookies::create(CookieSecrets::fixed(kSecret), error);
    REQUIRE(cookies);
    context.cookies = cookies.get();
    context.client_address = kLocalhost;
    context.now = kNow;
  }

  test::Packet ask(const std::vector<uint8_t>& query, Transport t = Transport::Udp) {
    last = process_query(query, out, t, *snapshot, rotation, context);
    if (last.action != QueryAction::Respond) return nullptr;
    REQUIRE(last.length <= (t == Transport::Udp ? kMaxUdpPayload : kMaxMessage));
    return test::parse_packet(out.data(), last.length);
  }

  /// Whether `cookie` (client + server) is one of ours for `address` at kNow.
  bool ours(const std::vector<uint8_t>& cookie, const std::vector<uint8_t>& address) {
    if (cookie.size() != 24) return false;
    return checker->verify(std::span<const uint8_t, 8>(cookie.data(), 8), std::span(cookie).subspan(8), address,
                           kNow) == ServerCookies::Verdict::Fresh;
  }
};

}  // namespace

TEST_CASE("a client cookie alone is answered, with our server cookie added") {
  Fixture f;
  auto p = f.ask(query_with("ns1.example.test.", LDNS_RR_TYPE_A, option(10, kClientCookie)));
  REQUIRE(p);
  CHECK(f.last.rcode == 0);
  CHECK(f.last.cookie == CookieStatus::ClientOnly);
  CHECK(ldns_pkt_ancount(p.get()) == 1);
  const auto cookie = options_of(p).at(10);
  REQUIRE(cookie.size() == 24);
  CHECK(std::equal(kClientCookie.begin(), kClientCookie.end(), cookie.begin()));
  CHECK(cookie[8] == 1);  // version 1
  CHECK((uint32_t(cookie[12]) << 24 | uint32_t(cookie[13]) << 16 | uint32_t(cookie[14]) << 8 | cookie[15]) == kNow);
  CHECK(f.ours(cookie, kLocalhost));
}

TEST_CASE("a valid server cookie is answered and handed back while fresh") {
  Fixture f;
  auto first = f.ask(query_with("ns1.example.test.", LDNS_RR_TYPE_A, option(10, kClientCookie)));
  const auto cookie = options_of(first).at(10);
  for (Transport t : {Transport::Udp, Transport::Tcp}) {
    auto p = f.ask(query_with("ns1.example.test.", LDNS_RR_TYPE_A, option(10, cookie)), t);
    REQUIRE(p);
    CHECK(f.last.cookie == CookieStatus::Valid);
    CHECK(f.last.rcode == 0);
    CHECK(ldns_pkt_ancount(p.get()) == 1);
    CHECK(options_of(p).at(10) == cookie);
  }
  // Forty minutes on, still valid, but renewed.
  f.context.now = kNow + 2400;
  auto later = f.ask(query_with("ns1.example.test.", LDNS_RR_TYPE_A, option(10, cookie)));
  CHECK(f.last.cookie == CookieStatus::Valid);
  const auto renewed = options_of(later).at(10);
  CHECK(renewed.size() == 24);
  CHECK(renewed != cookie);
}

TEST_CASE("an invalid server cookie: BADCOOKIE and a fresh cookie over UDP, an answer over TCP") {
  Fixture f;
  f.context.client_address = kOtherHost;
  const auto for_other = options_of(f.ask(query_with("ns1.example.test.", LDNS_RR_TYPE_A, option(10, kClientCookie))))
                             .at(10);
  f.context.client_address = kLocalhost;  // the cookie of 127.0.0.2 presented by 127.0.0.1
  const auto query = query_with("ns1.example.test.", LDNS_RR_TYPE_A, option(10, for_other));
  auto udp = f.ask(query, Transport::Udp);
  REQUIRE(udp);
  CHECK(f.last.cookie == CookieStatus::Invalid);
  CHECK(f.last.rcode == 23);
  CHECK((f.out[3] & 0x0F) == (23 & 0x0F));
  CHECK(ldns_pkt_edns_extended_rcode(udp.get()) == 23 >> 4);
  CHECK(ldns_pkt_ancount(udp.get()) == 0);
  CHECK(ldns_pkt_nscount(udp.get()) == 0);
  CHECK(ldns_pkt_qdcount(udp.get()) == 1);
  const auto fresh = options_of(udp).at(10);
  CHECK(fresh != for_other);
  CHECK(f.ours(fresh, kLocalhost));

  auto tcp = f.ask(query, Transport::Tcp);
  REQUIRE(tcp);
  CHECK(f.last.cookie == CookieStatus::Invalid);
  CHECK(f.last.rcode == 0);
  CHECK(ldns_pkt_ancount(tcp.get()) == 1);
  CHECK(f.ours(options_of(tcp).at(10), kLocalhost));

  // A cookie made by someone else's secret, or garbage of a legal length, is invalid too.
  auto garbage = f.ask(query_with("ns1.example.test.", LDNS_RR_TYPE_A,
                                  option(10, concat(kClientCookie, std::vector<uint8_t>(20, 0xAA)))));
  CHECK(f.last.rcode == 23);
  CHECK(f.ours(options_of(garbage).at(10), kLocalhost));
}

TEST_CASE("a COOKIE option of an impossible length is FORMERR, with an OPT but no cookie") {
  Fixture f;
  for (size_t length : {0, 7, 9, 15, 41}) {
    CAPTURE(length);
    auto p = f.ask(query_with("ns1.example.test.", LDNS_RR_TYPE_A, option(10, std::vector<uint8_t>(length, 7))));
    REQUIRE(p);
    CHECK(f.last.rcode == 1);
    CHECK(f.last.cookie == CookieStatus::Invalid);
    CHECK(ldns_pkt_edns(p.get()));
    CHECK(options_of(p).count(10) == 0);
    CHECK(ldns_pkt_ancount(p.get()) == 0);
  }
  // A server that checks no cookies ignores the option, as any unknown one.
  f.context.cookies = nullptr;
  auto p = f.ask(query_with("ns1.example.test.", LDNS_RR_TYPE_A, option(10, std::vector<uint8_t>(9, 7))));
  CHECK(f.last.rcode == 0);
  CHECK(f.last.cookie == CookieStatus::ClientOnly);
  CHECK(options_of(p).empty());
}

TEST_CASE("error replies carry the cookie; BADVERS and queries without one do not") {
  Fixture f;
  auto refused = f.ask(query_with("www.other.test.", LDNS_RR_TYPE_A, option(10, kClientCookie)));
  CHECK(f.last.rcode == 5);
  CHECK(f.ours(options_of(refused).at(10), kLocalhost));

  auto v1 = query_with("ns1.example.test.", LDNS_RR_TYPE_A, option(10, kClientCookie));
  v1[v1.size() - 12 - 5] = 1;  // the OPT's version byte, before its 12 bytes of option
  auto badvers = f.ask(v1);
  CHECK(f.last.rcode == 16);
  CHECK(options_of(badvers).empty());

  auto plain = f.ask(query_with("ns1.example.test.", LDNS_RR_TYPE_A, {}));
  CHECK(f.last.cookie == CookieStatus::None);
  CHECK(options_of(plain).empty());
}

TEST_CASE("QDCOUNT 0 with a cookie gets a server cookie; an invalid one BADCOOKIE (RFC 7873 5.4)") {
  Fixture f;
  const auto ask_cookie = [&](const std::vector<uint8_t>& cookie) {
    std::vector<uint8_t> q = {0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    const auto opts = option(10, cookie);
    q = concat(q, {0, 0, 41, 4, 0xD0, 0, 0, 0, 0, uint8_t(opts.size() >> 8), uint8_t(opts.size())});
    return f.ask(concat(q, opts));
  };
  auto p = ask_cookie(kClientCookie);
  REQUIRE(p);
  CHECK(f.last.rcode == 0);
  CHECK(ldns_pkt_qdcount(p.get()) == 0);
  CHECK(ldns_pkt_ancount(p.get()) == 0);
  const auto cookie = options_of(p).at(10);
  CHECK(f.ours(cookie, kLocalhost));
  auto again = ask_cookie(cookie);
  CHECK(f.last.rcode == 0);
  CHECK(f.last.cookie == CookieStatus::Valid);
  auto forged = cookie;
  forged[23] ^= 1;
  auto bad = ask_cookie(forged);
  CHECK(f.last.rcode == 23);
  CHECK(f.ours(options_of(bad).at(10), kLocalhost));
  f.context.cookies = nullptr;  // a server that checks no cookies needs a question
  auto without = ask_cookie(kClientCookie);
  REQUIRE(without);
  CHECK(f.last.rcode == 1);
}

TEST_CASE("NSID is answered when asked for and configured (RFC 5001)") {
  Fixture f;
  const std::vector<uint8_t> nsid = {'n', 's', '1'};
  auto unconfigured = f.ask(query_with("ns1.example.test.", LDNS_RR_TYPE_A, option(3, {})));
  CHECK(options_of(unconfigured).count(3) == 0);
  f.context.nsid = nsid;
  auto p = f.ask(query_with("ns1.example.test.", LDNS_RR_TYPE_A, option(3, {})));
  CHECK(options_of(p).at(3) == nsid);
  auto not_asked = f.ask(query_with("ns1.example.test.", LDNS_RR_TYPE_A, {}));
  CHECK(options_of(not_asked).count(3) == 0);
  auto both = f.ask(query_with("ns1.example.test.", LDNS_RR_TYPE_A, concat(option(3, {}), option(10, kClientCookie))));
  CHECK(options_of(both).at(3) == nsid);
  CHECK(f.ours(options_of(both).at(10), kLocalhost));
  auto error = f.ask(query_with("www.other.test.", LDNS_RR_TYPE_A, option(3, {})));
  CHECK(f.last.rcode == 5);
  CHECK(options_of(error).at(3) == nsid);
}

TEST_CASE("the OPT's options have their room: truncation leaves space for them") {
  Fixture f;
  const std::vector<uint8_t> nsid(kMaxNsidLength, 'x');
  f.context.nsid = nsid;
  // Two 200-byte TXT records fit 512 bytes, but not with 171 bytes of OPT.
  auto p = f.ask(query_with("big.example.test.", LDNS_RR_TYPE_TXT, concat(option(3, {}), option(10, kClientCookie)),
                            512));
  REQUIRE(p);
  CHECK(f.last.length <= 512);
  CHECK(ldns_pkt_tc(p.get()));
  CHECK(options_of(p).at(3) == nsid);
  CHECK(options_of(p).at(10).size() == 24);
  auto roomy = f.ask(query_with("big.example.test.", LDNS_RR_TYPE_TXT, concat(option(3, {}), option(10, kClientCookie))));
  CHECK_FALSE(ldns_pkt_tc(roomy.get()));
  CHECK(ldns_pkt_ancount(roomy.get()) == 2);
}

TEST_CASE("cookies of IPv6 clients are bound to all 16 bytes") {
  Fixture f;
  const std::vector<uint8_t> v6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  f.context.client_address = v6;
  auto p = f.ask(query_with("ns1.example.test.", LDNS_RR_TYPE_A, option(10, kClientCookie)));
  const auto cookie = options_of(p).at(10);
  CHECK(f.ours(cookie, v6));
  CHECK_FALSE(f.ours(cookie, kLocalhost));
  // Without an address to bind to, no cookie is made: the query is answered as if cookies were off.
  f.context.client_address = {};
  auto unbound = f.ask(query_with("ns1.example.test.", LDNS_RR_TYPE_A, option(10, kClientCookie)));
  CHECK(f.last.cookie == CookieStatus::ClientOnly);
  CHECK(options_of(unbound).empty());
}
