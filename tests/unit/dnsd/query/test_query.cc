// process_query fed bytes directly: lookup semantics, flags, EDNS, truncation
// and rotation, with no sockets.
#include <map>
#include <doctest.h>

#include <algorithm>
#include <set>

#include "dnsd/query/query.h"
#include "tests/unit/zone_fixture.h"

using namespace dnsd;
using test::make_query;
using test::Packet;
using test::parse_packet;
using test::rdatas;

namespace {

std::shared_ptr<const zones::ZoneSet> example_zones() {
  auto zone = test::zone_from_lines("example.test.", {
      "@ 300 IN SOA ns1 hostmaster 2024010201 3600 600 86400 60",
      "@ 300 IN NS ns1",
      "@ 300 IN NS ns2.elsewhere.test.",
      "@ 300 IN MX 10 mail",
      "ns1 300 IN A 192.0.2.53",
      "mail 300 IN A 192.0.2.25",
      "mail 300 IN AAAA 2001:db8::25",
      "www 5 IN A 192.0.2.10",
      "www 5 IN A 192.0.2.11",
      "www 5 IN A 192.0.2.12",
      "alias IN CNAME www",
      "alias2 IN CNAME alias",
      "out IN CNAME www.other.test.",
      "loop1 IN CNAME loop2",
      "loop2 IN CNAME loop1",
      "*.wild IN A 192.0.2.99",
      "*.wildc IN CNAME www",
      "exists.wild IN TXT \"here\"",
      "deep.a.b IN TXT \"deep\"",
      "sub IN NS ns.sub",
      "sub IN NS ns.elsewhere.test.",
      "sub IN DS 12345 8 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE",
      "ns.sub IN A 192.0.2.54",
      "_sip._udp IN SRV 0 5 5060 mail",
      "big IN TXT \"" + std::string(200, 'a') + "\"",
      "big IN TXT \"" + std::string(200, 'b') + "\"",
      "big IN TXT \"" + std::string(200, 'c') + "\"",
  });
  return std::make_shared<zones::ZoneSet>(std::vector{zone});
}

struct Fixture {
  std::shared_ptr<const zones::ZoneSet> set = example_zones();
  std::shared_ptr<const Snapshot> snapshot = Snapshot::standalone(set);
  RotationState rotation;
  std::vector<uint8_t> out = std::vector<uint8_t>(kMaxMessage);
  QueryResult last;
  Fixture() { rotation.resize(set->rotation_slots()); }

  Packet ask(const std::vector<uint8_t>& query, Transport t = Transport::Udp) {
    last = process_query(query, out, t, *snapshot, rotation);
    if (last.action != QueryAction::Respond) return nullptr;
    return parse_packet(out.data(), last.length);
  }
  Packet ask(const std::string& name, ldns_rr_type type, bool edns = false) { return ask(make_query(name, type, edns)); }
};

}  // namespace

TEST_CASE("positive answer is authoritative, has no RA and echoes the question") {
  Fixture f;
  auto p = f.ask("ns1.example.test.", LDNS_RR_TYPE_A);
  REQUIRE(p);
  CHECK(ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_aa(p.get()));
  CHECK_FALSE(ldns_pkt_ra(p.get()));
  CHECK(ldns_pkt_qr(p.get()));
  CHECK(ldns_pkt_id(p.get()) == 0x1234);
  CHECK(rdatas(ldns_pkt_answer(p.get())) == std::vector<std::string>{"192.0.2.53"});
  CHECK(ldns_pkt_nscount(p.get()) == 0);  // minimal responses
}

TEST_CASE("question case is preserved byte for byte") {
  Fixture f;
  auto q = make_query("NS1.ExAmPlE.TeSt.", LDNS_RR_TYPE_A);
  f.ask(q);
  REQUIRE(f.last.action == QueryAction::Respond);
  const size_t qlen = q.size() - 12;
  CHECK(std::equal(q.begin() + 12, q.end(), f.out.begin() + 12));
  (void)qlen;
}

TEST_CASE("names outside every zone are refused without AA") {
  Fixture f;
  auto p = f.ask("www.other.test.", LDNS_RR_TYPE_A);
  REQUIRE(p);
  CHECK(ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_REFUSED);
  CHECK_FALSE(ldns_pkt_aa(p.get()));
}

TEST_CASE("NXDOMAIN and NODATA carry the SOA with TTL min(SOA TTL, minimum)") {
  Fixture f;
  auto nx = f.ask("nope.example.test.", LDNS_RR_TYPE_A);
  REQUIRE(nx);
  CHECK(ldns_pkt_get_rcode(nx.get()) == LDNS_RCODE_NXDOMAIN);
  CHECK(ldns_pkt_aa(nx.get()));
  REQUIRE(ldns_pkt_nscount(nx.get()) == 1);
  ldns_rr* soa = ldns_rr_list_rr(ldns_pkt_authority(nx.get()), 0);
  CHECK(ldns_rr_get_type(soa) == LDNS_RR_TYPE_SOA);
  CHECK(ldns_rr_ttl(soa) == 60);

  auto nodata = f.ask("ns1.example.test.", LDNS_RR_TYPE_AAAA);
  REQUIRE(nodata);
  CHECK(ldns_pkt_get_rcode(nodata.get()) == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_ancount(nodata.get()) == 0);
  CHECK(ldns_pkt_nscount(nodata.get()) == 1);
}

TEST_CASE("empty non-terminals are NODATA, not NXDOMAIN") {
  Fixture f;
  for (const char* name : {"a.b.example.test.", "b.example.test."}) {
    auto p = f.ask(name, LDNS_RR_TYPE_A);
    REQUIRE(p);
    CHECK(ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_NOERROR);
    CHECK(ldns_pkt_nscount(p.get()) == 1);
  }
}

TEST_CASE("CNAME chains are followed inside the zone and loops terminate") {
  Fixture f;
  auto p = f.ask("alias2.example.test.", LDNS_RR_TYPE_A);
  REQUIRE(p);
  CHECK(ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_ancount(p.get()) == 5);  // alias2 -> alias -> www (3 A)

  auto out = f.ask("out.example.test.", LDNS_RR_TYPE_A);
  REQUIRE(out);
  CHECK(ldns_pkt_ancount(out.get()) == 1);

  auto loop = f.ask("loop1.example.test.", LDNS_RR_TYPE_A);
  REQUIRE(loop);
  CHECK(ldns_pkt_get_rcode(loop.get()) == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_ancount(loop.get()) >= 2);

  auto direct = f.ask("alias.example.test.", LDNS_RR_TYPE_CNAME);
  REQUIRE(direct);
  CHECK(ldns_pkt_ancount(direct.get()) == 1);
}

TEST_CASE("wildcards synthesize with the query name, per RFC 4592") {
  Fixture f;
  auto p = f.ask("anything.wild.example.test.", LDNS_RR_TYPE_A);
  REQUIRE(p);
  REQUIRE(ldns_pkt_ancount(p.get()) == 1);
  ldns_rr* rr = ldns_rr_list_rr(ldns_pkt_answer(p.get()), 0);
  char* owner = ldns_rdf2str(ldns_rr_owner(rr));
  CHECK(std::string(owner) == "anything.wild.example.test.");
  free(owner);

  auto exists = f.ask("exists.wild.example.test.", LDNS_RR_TYPE_A);  // existing names are not covered
  REQUIRE(exists);
  CHECK(ldns_pkt_ancount(exists.get()) == 0);
  CHECK(ldns_pkt_get_rcode(exists.get()) == LDNS_RCODE_NOERROR);

  auto nodata = f.ask("x.wild.example.test.", LDNS_RR_TYPE_MX);
  REQUIRE(nodata);
  CHECK(ldns_pkt_ancount(nodata.get()) == 0);
  CHECK(ldns_pkt_get_rcode(nodata.get()) == LDNS_RCODE_NOERROR);

  auto cname = f.ask("x.wildc.example.test.", LDNS_RR_TYPE_A);
  REQUIRE(cname);
  CHECK(ldns_pkt_ancount(cname.get()) == 4);

  auto deeper = f.ask("a.b.anything.wild.example.test.", LDNS_RR_TYPE_A);  // closest encloser is wild
  REQUIRE(deeper);
  CHECK(ldns_pkt_ancount(deeper.get()) == 1);
}

TEST_CASE("delegations are referrals with glue; DS is answered at the parent side") {
  Fixture f;
  for (const char* name : {"sub.example.test.", "host.sub.example.test.", "ns.sub.example.test."}) {
    auto p = f.ask(name, LDNS_RR_TYPE_A);
    REQUIRE(p);
    CHECK(ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_NOERROR);
    CHECK_FALSE(ldns_pkt_aa(p.get()));
    CHECK(ldns_pkt_ancount(p.get()) == 0);
    CHECK(ldns_pkt_nscount(p.get()) == 2);
    CHECK(rdatas(ldns_pkt_additional(p.get())) == std::vector<std::string>{"192.0.2.54"});
  }
  auto ds = f.ask("sub.example.test.", LDNS_RR_TYPE_DS);
  REQUIRE(ds);
  CHECK(ldns_pkt_aa(ds.get()));
  CHECK(ldns_pkt_ancount(ds.get()) == 1);
}

TEST_CASE("additional addresses for in-zone NS, MX and SRV targets") {
  Fixture f;
  auto mx = f.ask("example.test.", LDNS_RR_TYPE_MX);
  REQUIRE(mx);
  CHECK(rdatas(ldns_pkt_additional(mx.get())) == std::vector<std::string>{"192.0.2.25", "2001:db8::25"});
  auto ns = f.ask("example.test.", LDNS_RR_TYPE_NS);
  REQUIRE(ns);
  CHECK(rdatas(ldns_pkt_additional(ns.get())) == std::vector<std::string>{"192.0.2.53"});
  auto srv = f.ask("_sip._udp.example.test.", LDNS_RR_TYPE_SRV);
  REQUIRE(srv);
  CHECK(ldns_pkt_arcount(srv.get()) == 2);
}

TEST_CASE("round-robin rotates each multi-record RRset on successive responses") {
  Fixture f;
  std::set<std::vector<std::string>> orders;
  std::vector<std::string> first;
  for (int i = 0; i < 3; ++i) {
    auto p = f.ask("www.example.test.", LDNS_RR_TYPE_A);
    REQUIRE(p);
    auto order = rdatas(ldns_pkt_answer(p.get()));
    if (i == 0) first = order;
    auto sorted = order;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == std::vector<std::string>{"192.0.2.10", "192.0.2.11", "192.0.2.12"});
    orders.insert(order);
    f.ask("ns1.example.test.", LDNS_RR_TYPE_A);  // unrelated answers do not disturb the rotation
  }
  CHECK(orders.size() == 3);
  auto again = f.ask("www.example.test.", LDNS_RR_TYPE_A);
  CHECK(rdatas(ldns_pkt_answer(again.get())) == first);
}

TEST_CASE("each worker rotates from its own offset, and together they spread the first record evenly") {
  auto set = example_zones();
  constexpr unsigned kWorkers = 4;
  const Snapshot snapshot(set, health::HealthView::unbound(*set), kWorkers);
  RotationState worker[kWorkers];
  for (unsigned w = 0; w < kWorkers; ++w) worker[w].use(snapshot.rotation, w);
  RotationState explain;  // private counters: asking does not move what clients see
  explain.resize(set->rotation_slots());
  std::vector<uint8_t> out(kMaxMessage);
  const auto q = make_query("www.example.test.", LDNS_RR_TYPE_A);
  auto first_record = [&](RotationState& r) {
    const QueryResult res = process_query(q, out, Transport::Udp, snapshot, r);
    auto p = parse_packet(out.data(), res.length);
    REQUIRE(p);
    return rdatas(ldns_pkt_answer(p.get())).at(0);
  };
  const std::vector<std::string> base = {"192.0.2.10", "192.0.2.11", "192.0.2.12"};
  std::map<std::string, int> leads;
  for (int i = 0; i < 6; ++i) {
    for (unsigned w = 0; w < kWorkers; ++w) {
      const std::string first = first_record(worker[w]);
      CHECK(first == base[(w + i) % 3]);  // worker w starts at record w, then steps by one
      ++leads[first];
    }
    CHECK(first_record(explain) == base[i % 3]);
  }
  // 24 answers over 3 records: each record leads exactly 8 of them.
  for (const std::string& b : base) CHECK(leads[b] == 8);
}

TEST_CASE("rotation counters of a zone carry over to a snapshot that keeps the zone") {
  auto set = example_zones();
  const Snapshot before(set, health::HealthView::unbound(*set), 1);
  RotationState r;
  r.use(before.rotation, 0);
  std::vector<uint8_t> out(kMaxMessage);
  const auto q = make_query("www.example.test.", LDNS_RR_TYPE_A);
  for (int i = 0; i < 2; ++i) process_query(q, out, Transport::Udp, before, r);
  // A reload that keeps the same Zone object continues where the old snapshot was.
  auto reloaded = std::make_shared<zones::ZoneSet>(std::vector{set->zone_ptr(0)});
  const Snapshot after(reloaded, health::HealthView::unbound(*reloaded), 1, &before);
  RotationState r2;
  r2.use(after.rotation, 0);
  const QueryResult res = process_query(q, out, Transport::Udp, after, r2);
  auto p = parse_packet(out.data(), res.length);
  REQUIRE(p);
  CHECK(rdatas(ldns_pkt_answer(p.get())).at(0) == "192.0.2.12");
}

TEST_CASE("EDNS: OPT echoed with our payload, DO copied, BADVERS for version 1") {
  Fixture f;
  auto p = f.ask("ns1.example.test.", LDNS_RR_TYPE_A, true);
  REQUIRE(p);
  CHECK(ldns_pkt_edns(p.get()));
  CHECK(ldns_pkt_edns_udp_size(p.get()) == 1232);

  auto q = make_query("ns1.example.test.", LDNS_RR_TYPE_A, true);
  REQUIRE(q[q.size() - 9] == 41);   // trailing OPT without options
  q[q.size() - 5] = 1;             // its EDNS version byte
  auto bad = f.ask(q);
  REQUIRE(bad);
  CHECK(f.last.rcode == 16);
  CHECK(ldns_pkt_edns(bad.get()));
  CHECK(ldns_pkt_ancount(bad.get()) == 0);
}

TEST_CASE("truncation cuts at whole RRsets and sets TC") {
  Fixture f;
  auto p = f.ask("big.example.test.", LDNS_RR_TYPE_TXT);  // ~630 bytes > 512
  REQUIRE(p);
  CHECK(ldns_pkt_tc(p.get()));
  CHECK(ldns_pkt_ancount(p.get()) == 0);
  CHECK(f.last.length <= 512);

  auto edns = f.ask("big.example.test.", LDNS_RR_TYPE_TXT, true);
  REQUIRE(edns);
  CHECK_FALSE(ldns_pkt_tc(edns.get()));
  CHECK(ldns_pkt_ancount(edns.get()) == 3);

  auto tcp = f.ask(make_query("big.example.test.", LDNS_RR_TYPE_TXT), Transport::Tcp);
  REQUIRE(tcp);
  CHECK_FALSE(ldns_pkt_tc(tcp.get()));
  CHECK(ldns_pkt_ancount(tcp.get()) == 3);
}

TEST_CASE("malformed and unanswerable messages") {
  Fixture f;
  std::vector<uint8_t> shortq = {1, 2, 3};
  CHECK(process_query(shortq, f.out, Transport::Udp, *f.snapshot, f.rotation).action == QueryAction::Drop);

  auto response = make_query("ns1.example.test.", LDNS_RR_TYPE_A);
  response[2] |= 0x80;  // QR
  CHECK(process_query(response, f.out, Transport::Udp, *f.snapshot, f.rotation).action == QueryAction::Drop);

  auto two = make_query("ns1.example.test.", LDNS_RR_TYPE_A);
  two[5] = 2;  // QDCOUNT 2
  f.ask(two);
  CHECK(f.last.rcode == 1);

  auto opcode = make_query("ns1.example.test.", LDNS_RR_TYPE_A);
  opcode[2] |= 2 << 3;  // STATUS
  f.ask(opcode);
  CHECK(f.last.rcode == 4);

  auto trailing = make_query("ns1.example.test.", LDNS_RR_TYPE_A);
  trailing.push_back(0);
  f.ask(trailing);
  CHECK(f.last.rcode == 1);

  auto any = f.ask("example.test.", LDNS_RR_TYPE_ANY);
  REQUIRE(any);
  CHECK(ldns_pkt_ancount(any.get()) >= 1);
  CHECK(ldns_pkt_ancount(any.get()) <= 2);  // one RRset, not the whole node
}

TEST_CASE("RD and CD are copied for QUERY only; NOTIMP for another opcode leaves them clear") {
  Fixture f;
  auto query = make_query("ns1.example.test.", LDNS_RR_TYPE_A);
  query[2] |= 0x01;  // RD
  query[3] |= 0x10;  // CD
  f.ask(query);
  REQUIRE(f.last.action == QueryAction::Respond);
  CHECK(f.last.rcode == 0);
  CHECK((f.out[2] & 0x01) == 0x01);
  CHECK((f.out[3] & 0x10) == 0x10);

  for (uint8_t opcode = 1; opcode < 16; ++opcode) {
    CAPTURE(int(opcode));
    for (const uint8_t qdcount : {uint8_t(1), uint8_t(0)}) {
      CAPTURE(int(qdcount));
      auto q = query;
      q[2] = uint8_t((q[2] & ~0x78) | (opcode << 3));
      q[5] = qdcount;
      if (qdcount == 0) q.resize(12);
      f.ask(q);
      REQUIRE(f.last.action == QueryAction::Respond);
      CHECK(f.last.rcode == 4);                            // NOTIMP
      CHECK(f.out[2] == uint8_t(0x80 | (opcode << 3)));    // QR and the opcode; no AA, TC or RD
      CHECK((f.out[3] & 0xF0) == 0);                       // no RA, Z, AD or CD
    }
  }
}

TEST_CASE("responses compress names") {
  Fixture f;
  auto q = make_query("example.test.", LDNS_RR_TYPE_NS);
  f.ask(q);
  // Owner of every answer is a pointer to the question at offset 12.
  CHECK(f.out[q.size()] == 0xC0);
  CHECK(f.out[q.size() + 1] == 12);
}

TEST_CASE("mutated queries never crash and never produce unparsable responses") {
  Fixture f;
  const std::vector<std::vector<uint8_t>> seeds = {
      make_query("www.example.test.", LDNS_RR_TYPE_A, true),
      make_query("alias2.example.test.", LDNS_RR_TYPE_A),
      make_query("host.sub.example.test.", LDNS_RR_TYPE_AAAA, true, 512),
      make_query("x.wildc.example.test.", LDNS_RR_TYPE_ANY),
  };
  uint64_t state = 0x2545F4914F6CDD1Dull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  size_t responded = 0;
  for (int round = 0; round < 20000; ++round) {
    std::vector<uint8_t> q = seeds[next() % seeds.size()];
    const int edits = 1 + int(next() % 4);
    for (int e = 0; e < edits; ++e) {
      switch (next() % 3) {
        case 0: q[next() % q.size()] = uint8_t(next()); break;
        case 1: q.resize(next() % (q.size() + 1)); break;
        case 2: q.push_back(uint8_t(next())); break;
      }
      if (q.empty()) q.push_back(0);
    }
    for (Transport t : {Transport::Udp, Transport::Tcp}) {
      QueryResult r = process_query(q, f.out, t, *f.snapshot, f.rotation);
      if (r.action != QueryAction::Respond) continue;
      ++responded;
      REQUIRE(r.length >= 12);
      if (t == Transport::Udp) REQUIRE(r.length <= kMaxUdpPayload);
      REQUIRE((f.out[2] & 0x80) != 0);  // always a response
      CHECK(parse_packet(f.out.data(), r.length) != nullptr);
    }
  }
  CHECK(responded > 1000);
}
