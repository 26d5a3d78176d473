// The transfer plane fed bytes, as the transports feed it: AXFR and IXFR
// (incremental, full-zone, up to date, over UDP), the transfer policy's
// address list and TSIG requirement, and TSIG on ordinary queries.
#include <arpa/inet.h>
#include <doctest.h>

#include <chrono>
#include <set>

#include "dnsd/xfr/transfer_endpoint.h"
#include "dnsd/xfr/versioner.h"
#include "tests/unit/dnsd/xfr/xfr_fixture.h"
#include "tests/unit/zone_fixture.h"

using namespace dnsd;
using health::HealthState;

namespace {

constexpr const char* kSecret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==";
constexpr const char* kTransfer =
    R"(, "transfer": {"allow": ["127.0.0.1/32", "::1"], "notify": ["127.0.0.2:5300"]})";
constexpr const char* kSignedTransfer = R"(, "transfer": {"allow": ["127.0.0.0/8"], "tsig": "xfr-key"})";

sockaddr_storage address(const char* text) {
  sockaddr_storage ss{};
  auto* in = reinterpret_cast<sockaddr_in*>(&ss);
  in->sin_family = AF_INET;
  inet_pton(AF_INET, text, &in->sin_addr);
  return ss;
}

/// A query for `name`/`type`; for IXFR with the requester's SOA at `serial` in authority.
std::vector<uint8_t> query(const std::string& name, ldns_rr_type type, uint32_t serial = 0,
                           const char* key = nullptr) {
  ldns_pkt* pkt = nullptr;
  ldns_pkt_query_new_frm_str(&pkt, name.c_str(), type, LDNS_RR_CLASS_IN, 0);
  ldns_pkt_set_id(pkt, 0x4242);
  if (type == LDNS_RR_TYPE_IXFR) {
    ldns_rr* soa = nullptr;
    const std::string text = name + " 0 IN SOA ns1." + name + " h." + name + " " + std::to_string(serial) + " 1 1 1 1";
    REQUIRE(ldns_rr_new_frm_str(&soa, text.c_str(), 0, nullptr, nullptr) == LDNS_STATUS_OK);
    ldns_pkt_push_rr(pkt, LDNS_SECTION_AUTHORITY, soa);
  }
  if (key) REQUIRE(ldns_pkt_tsig_sign(pkt, key, kSecret, 300, "hmac-sha256.", nullptr) == LDNS_STATUS_OK);
  uint8_t* wire = nullptr;
  size_t size = 0;
  ldns_pkt2wire(&wire, pkt, &size);
  std::vector<uint8_t> out(wire, wire + size);
  free(wire);
  ldns_pkt_free(pkt);
  return out;
}

struct Fixture {
  std::shared_ptr<const zones::ZoneSet> set;
  std::shared_ptr<const health::HealthView> view;
  xfr::Versioner versioner{"", {}, [] { return uint64_t(1'700'000'000'000); }};
  std::shared_ptr<const Snapshot> snapshot;
  xfr::TransferEndpoint endpoint;
  RotationState rotation;

  static std::shared_ptr<const xfr::TsigKeyring> keys() {
    std::string error;
    auto ring = xfr::TsigKeyring::parse(std::string("hmac-sha256:xfr-key:") + kSecret + "\n", "test", error);
    REQUIRE(ring);
    return std::make_shared<const xfr::TsigKeyring>(std::move(*ring));
  }
  explicit Fixture(const std::string& top = kTransfer, const std::string& extra = "")
      : set(test::set_of(test::pool_zone(10, extra, "", top))),
        view(health::HealthView::unbound(*set)),
        endpoint(keys(), [] {  // the real clock: ldns signs the test queries with it
          return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count());
        }) {
    publish();
    rotation.resize(set->rotation_slots());
  }
  void publish() {
    auto next = versioner.advance(*set, *view, snapshot.get());
    snapshot = std::make_shared<const Snapshot>(set, view, 1, snapshot.get(), next.versions);
  }
  uint32_t serial() const { return snapshot->versions[0]->serial; }

  /// Every message of the response, parsed.
  std::vector<test::Packet> ask(const std::vector<uint8_t>& q, Transport t = Transport::Tcp,
                                const char* from = "127.0.0.1") {
    const sockaddr_storage peer = address(from);
    auto stream = endpoint.respond(q, reinterpret_cast<const sockaddr*>(&peer), t, *snapshot, rotation);
    REQUIRE(stream);
    std::vector<test::Packet> out;
    std::vector<uint8_t> m;
    while (stream->next(m)) {
      if (t == Transport::Udp) REQUIRE(m.size() <= kMaxUdpPayload);
      auto p = test::parse_packet(m.data(), m.size());
      REQUIRE(p);
      out.push_back(std::move(p));
    }
    return out;
  }
};

/// The answer records of all messages, as "TYPE rdata" strings.
std::vector<std::string> answers(const std::vector<test::Packet>& msgs) {
  std::vector<std::string> out;
  for (const auto& m : msgs) {
    ldns_rr_list* list = ldns_pkt_answer(m.get());
    for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
      ldns_rr* rr = ldns_rr_list_rr(list, i);
      char* type = ldns_rr_type2str(ldns_rr_get_type(rr));
      std::string line = type;
      free(type);
      for (size_t f = 0; f < ldns_rr_rd_count(rr); ++f) {
        char* text = ldns_rdf2str(ldns_rr_rdf(rr, f));
        line += std::string(" ") + text;
        free(text);
      }
      out.push_back(line);
    }
  }
  return out;
}

uint32_t soa_serial(const std::string& answer) {
  // "SOA mname rname serial ..." -> serial
  size_t at = 0;
  for (int i = 0; i < 3; ++i) at = answer.find(' ', at) + 1;
  return uint32_t(std::stoul(answer.substr(at)));
}

}  // namespace

TEST_CASE("AXFR: the zone as served now, between two SOAs with the version's serial") {
  Fixture f;
  const uint32_t first = f.serial();
  test::set_member(*f.view, 1, HealthState::Down);
  f.publish();
  const auto msgs = f.ask(query("example.test.", LDNS_RR_TYPE_AXFR));
  REQUIRE(!msgs.empty());
  CHECK(ldns_pkt_get_rcode(msgs[0].get()) == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_aa(msgs[0].get()));
  const auto a = answers(msgs);
  REQUIRE(a.size() >= 2);
  CHECK(a.front().rfind("SOA", 0) == 0);
  CHECK(a.back() == a.front());
  CHECK(soa_serial(a.front()) == first + 1);
  std::set<std::string> set(a.begin(), a.end());
  CHECK(set.count("A 192.0.2.1"));
  CHECK_FALSE(set.count("A 192.0.2.2"));  // down: not transferred
  CHECK(set.count("A 192.0.2.3"));
  CHECK(set.count("NS ns1.example.test."));
  CHECK(a.size() == 6);  // SOA, NS, A ns1, two pool members, SOA
  CHECK(f.endpoint.log().transfers(xfr::TransferKind::Axfr) == 1);
}

TEST_CASE("a large AXFR spans several messages, each parseable, the question only in the first") {
  std::string extra;
  for (int i = 0; i < 3000; ++i) extra += ", \"host" + std::to_string(i) + "\": {\"TXT\": \"" + std::string(40, 'x') + "\"}";
  Fixture f(kTransfer, extra);
  const auto msgs = f.ask(query("example.test.", LDNS_RR_TYPE_AXFR));
  CHECK(msgs.size() > 1);
  CHECK(ldns_pkt_qdcount(msgs[0].get()) == 1);
  CHECK(ldns_pkt_qdcount(msgs[1].get()) == 0);
  CHECK(answers(msgs).size() == 3000 + 7);  // SOA, NS, A ns1, three members, SOA
}

TEST_CASE("transfers are refused without a transfer policy, outside allow, and over UDP for AXFR") {
  SUBCASE("no transfer object") {
    Fixture f("");
    const auto msgs = f.ask(query("example.test.", LDNS_RR_TYPE_AXFR));
    REQUIRE(msgs.size() == 1);
    CHECK(ldns_pkt_get_rcode(msgs[0].get()) == LDNS_RCODE_REFUSED);
    CHECK(f.endpoint.log().refusals(xfr::RefusalReason::NoTransfer) == 1);
  }
  SUBCASE("source outside allow") {
    Fixture f;
    const auto msgs = f.ask(query("example.test.", LDNS_RR_TYPE_AXFR), Transport::Tcp, "127.0.0.2");
    REQUIRE(msgs.size() == 1);
    CHECK(ldns_pkt_get_rcode(msgs[0].get()) == LDNS_RCODE_REFUSED);
    CHECK(f.endpoint.log().refusals(xfr::RefusalReason::Acl) == 1);
  }
  SUBCASE("not a zone apex") {
    Fixture f;
    const auto msgs = f.ask(query("www.example.test.", LDNS_RR_TYPE_AXFR));
    CHECK(ldns_pkt_get_rcode(msgs[0].get()) == LDNS_RCODE_NOTAUTH);
  }
  SUBCASE("AXFR over UDP") {
    Fixture f;
    const auto msgs = f.ask(query("example.test.", LDNS_RR_TYPE_AXFR), Transport::Udp);
    CHECK(ldns_pkt_get_rcode(msgs[0].get()) == LDNS_RCODE_FORMERR);
  }
}

TEST_CASE("IXFR: the changes since the requester's serial, RFC 1995 layout") {
  Fixture f;
  const uint32_t old = f.serial();
  test::set_member(*f.view, 1, HealthState::Down);
  f.publish();
  test::set_member(*f.view, 2, HealthState::Down);
  f.publish();
  const auto a = answers(f.ask(query("example.test.", LDNS_RR_TYPE_IXFR, old)));
  // SOA new; SOA old, -A .2, SOA mid (nothing added); SOA mid, -A .3, SOA new; SOA new
  REQUIRE(a.size() == 8);
  CHECK(soa_serial(a[0]) == old + 2);
  CHECK(soa_serial(a[1]) == old);
  CHECK(a[2] == "A 192.0.2.2");
  CHECK(soa_serial(a[3]) == old + 1);
  CHECK(soa_serial(a[4]) == old + 1);
  CHECK(a[5] == "A 192.0.2.3");
  CHECK(soa_serial(a[6]) == old + 2);
  CHECK(soa_serial(a[7]) == old + 2);
  CHECK(f.endpoint.log().transfers(xfr::TransferKind::Ixfr) == 1);

  SUBCASE("up to date: the SOA alone") {
    const auto b = answers(f.ask(query("example.test.", LDNS_RR_TYPE_IXFR, old + 2)));
    REQUIRE(b.size() == 1);
    CHECK(soa_serial(b[0]) == old + 2);
  }
  SUBCASE("a serial the history does not know: the whole zone, never NOTIMP") {
    const auto msgs = f.ask(query("example.test.", LDNS_RR_TYPE_IXFR, old - 5));
    CHECK(ldns_pkt_get_rcode(msgs[0].get()) == LDNS_RCODE_NOERROR);
    const auto b = answers(msgs);
    CHECK(b.size() == 5);  // SOA, NS, A ns1, one member, SOA
    CHECK(f.endpoint.log().transfers(xfr::TransferKind::IxfrFull) == 1);
  }
  SUBCASE("over UDP, when it fits: the same answer in one datagram") {
    const auto msgs = f.ask(query("example.test.", LDNS_RR_TYPE_IXFR, old), Transport::Udp);
    REQUIRE(msgs.size() == 1);
    CHECK(answers(msgs).size() == 8);
  }
}

TEST_CASE("IXFR over UDP that does not fit is answered with the SOA alone") {
  std::string extra;
  for (int i = 0; i < 200; ++i) extra += ", \"h" + std::to_string(i) + "\": {\"TXT\": \"" + std::string(40, 'y') + "\"}";
  Fixture f;
  const uint32_t old = f.serial();
  f.set = test::set_of(test::pool_zone(10, extra, "", kTransfer));
  f.view = health::HealthView::unbound(*f.set);
  f.publish();
  const auto msgs = f.ask(query("example.test.", LDNS_RR_TYPE_IXFR, old), Transport::Udp);
  REQUIRE(msgs.size() == 1);
  const auto a = answers(msgs);
  REQUIRE(a.size() == 1);
  CHECK(soa_serial(a[0]) == old + 1);
  CHECK(f.endpoint.log().transfers(xfr::TransferKind::IxfrUdpSoa) == 1);
}

TEST_CASE("a zone that requires TSIG: unsigned gets NOTAUTH, signed gets a signed transfer") {
  Fixture f(kSignedTransfer);
  const auto unsigned_reply = f.ask(query("example.test.", LDNS_RR_TYPE_AXFR));
  CHECK(ldns_pkt_get_rcode(unsigned_reply[0].get()) == LDNS_RCODE_NOTAUTH);
  CHECK(f.endpoint.log().refusals(xfr::RefusalReason::Tsig) == 1);

  const auto q = query("example.test.", LDNS_RR_TYPE_AXFR, 0, "xfr-key.");
  const auto msgs = f.ask(q);
  REQUIRE(!msgs.empty());
  CHECK(ldns_pkt_get_rcode(msgs[0].get()) == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_tsig(msgs[0].get()) != nullptr);
}

TEST_CASE("a query signed with an unknown key gets NOTAUTH with BADKEY; a known key gets a signed answer") {
  Fixture f;
  {
    const auto msgs = f.ask(query("www.example.test.", LDNS_RR_TYPE_A, 0, "other-key."), Transport::Udp);
    REQUIRE(msgs.size() == 1);
    CHECK(ldns_pkt_get_rcode(msgs[0].get()) == LDNS_RCODE_NOTAUTH);
    ldns_rr* tsig = ldns_pkt_tsig(msgs[0].get());
    REQUIRE(tsig != nullptr);
    CHECK(ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5)) == 17);  // BADKEY
  }
  {
    const auto msgs = f.ask(query("www.example.test.", LDNS_RR_TYPE_A, 0, "xfr-key."), Transport::Udp);
    REQUIRE(msgs.size() == 1);
    CHECK(ldns_pkt_get_rcode(msgs[0].get()) == LDNS_RCODE_NOERROR);
    CHECK(ldns_pkt_ancount(msgs[0].get()) == 1);
    CHECK(ldns_pkt_tsig(msgs[0].get()) != nullptr);
  }
}

TEST_CASE("a signed answer over UDP fits the requester's 512 bytes with its TSIG (it used to go over)") {
  // Two 200-byte strings: about 460 bytes unsigned, more than 512 with the TSIG.
  Fixture f(kTransfer, ", \"medium\": {\"TXT\": [\"" + std::string(200, 'd') + "\", \"" + std::string(200, 'e') + "\"]}");
  const auto q = query("medium.example.test.", LDNS_RR_TYPE_TXT, 0, "xfr-key.");
  const sockaddr_storage peer = address("127.0.0.1");
  auto stream = f.endpoint.respond(q, reinterpret_cast<const sockaddr*>(&peer), Transport::Udp, *f.snapshot, f.rotation);
  std::vector<uint8_t> m;
  REQUIRE(stream->next(m));
  CHECK(m.size() <= 512);
  auto p = test::parse_packet(m.data(), m.size());
  REQUIRE(p);
  CHECK(ldns_pkt_tc(p.get()));  // the client retries over TCP
  CHECK(ldns_pkt_tsig(p.get()) != nullptr);
  // Over TCP the whole answer comes, signed.
  const auto tcp = f.ask(q, Transport::Tcp);
  REQUIRE(tcp.size() == 1);
  CHECK(ldns_pkt_ancount(tcp[0].get()) == 2);
  CHECK(ldns_pkt_tsig(tcp[0].get()) != nullptr);
}

TEST_CASE("a signed query outside the time window gets NOTAUTH with BADTIME, signed") {
  Fixture f;
  xfr::TransferEndpoint skewed(Fixture::keys(), [] {
    return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count()) +
           1'000'000;  // our clock 1000 s ahead of the client's
  });
  const auto q = query("www.example.test.", LDNS_RR_TYPE_A, 0, "xfr-key.");
  const sockaddr_storage peer = address("127.0.0.1");
  auto stream = skewed.respond(q, reinterpret_cast<const sockaddr*>(&peer), Transport::Udp, *f.snapshot, f.rotation);
  std::vector<uint8_t> m;
  REQUIRE(stream->next(m));
  auto p = test::parse_packet(m.data(), m.size());
  REQUIRE(p);
  CHECK(ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_NOTAUTH);
  ldns_rr* tsig = ldns_pkt_tsig(p.get());
  REQUIRE(tsig != nullptr);
  CHECK(ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5)) == 18);  // BADTIME
  CHECK(ldns_rdf_size(ldns_rr_rdf(tsig, 3)) > 2);           // a MAC: the reply is signed
}
