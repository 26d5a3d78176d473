// What process_query says a response is about (QueryResult::kind, kind_hash)
// and where its question ends: the keys of response rate limiting.
#include <doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "dnsd/query/query.h"
#include "tests/unit/zone_fixture.h"

using namespace dnsd;
using test::make_query;

namespace {

std::shared_ptr<const zones::ZoneSet> kind_zones() {
  auto example = test::zone_from_lines("example.test.", {
      "@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60",
      "@ 300 IN NS ns1",
      "ns1 300 IN A 192.0.2.53",
      "www 300 IN A 192.0.2.10",
      "www 300 IN AAAA 2001:db8::10",
      "mail 300 IN A 192.0.2.25",
      "*.wild 300 IN A 192.0.2.99",
      "*.other 300 IN A 192.0.2.98",
      "sub 300 IN NS ns.sub",
      "ns.sub 300 IN A 192.0.2.54",
      "deleg 300 IN NS ns.elsewhere.test.",
  });
  auto other = test::zone_from_lines("other.test.", {
      "@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60",
      "@ 300 IN NS ns1",
      "ns1 300 IN A 192.0.2.53",
  });
  return std::make_shared<zones::ZoneSet>(std::vector{example, other});
}

struct Fixture {
  std::shared_ptr<const zones::ZoneSet> set = kind_zones();
  std::shared_ptr<const Snapshot> snapshot = Snapshot::standalone(set);
  RotationState rotation;
  std::vector<uint8_t> out = std::vector<uint8_t>(kMaxMessage);
  Fixture() { rotation.resize(set->rotation_slots()); }

  QueryResult ask(const std::vector<uint8_t>& query) {
    const QueryResult r = process_query(query, out, Transport::Udp, *snapshot, rotation);
    REQUIRE(r.action == QueryAction::Respond);
    return r;
  }
  QueryResult ask(const std::string& name, ldns_rr_type type, bool edns = false) {
    return ask(make_query(name, type, edns));
  }
};

}  // namespace

TEST_CASE("response kind: NXDOMAIN is keyed by the zone, so random names share one budget") {
  Fixture f;
  const QueryResult a = f.ask("no-such-1.example.test.", LDNS_RR_TYPE_A);
  const QueryResult b = f.ask("x.y.no-such-2.example.test.", LDNS_RR_TYPE_AAAA);
  const QueryResult other_zone = f.ask("no-such-1.other.test.", LDNS_RR_TYPE_A);
  CHECK(a.rcode == 3);
  CHECK(a.kind == ResponseKind::NxDomain);
  CHECK(b.kind == ResponseKind::NxDomain);
  CHECK(a.kind_hash == b.kind_hash);
  CHECK(other_zone.kind == ResponseKind::NxDomain);
  CHECK(other_zone.kind_hash != a.kind_hash);
}

TEST_CASE("response kind: answers are keyed by name and type") {
  Fixture f;
  const QueryResult www_a = f.ask("www.example.test.", LDNS_RR_TYPE_A);
  const QueryResult www_a_again = f.ask("WWW.example.test.", LDNS_RR_TYPE_A);
  const QueryResult www_aaaa = f.ask("www.example.test.", LDNS_RR_TYPE_AAAA);
  const QueryResult mail_a = f.ask("mail.example.test.", LDNS_RR_TYPE_A);
  CHECK(www_a.kind == ResponseKind::Answer);
  CHECK(www_aaaa.kind == ResponseKind::Answer);
  CHECK(mail_a.kind == ResponseKind::Answer);
  CHECK(www_a.kind_hash == www_a_again.kind_hash);  // names compare case-insensitively
  CHECK(www_a.kind_hash != www_aaaa.kind_hash);
  CHECK(www_a.kind_hash != mail_a.kind_hash);
}

TEST_CASE("response kind: a name without the type asked is NODATA, keyed by name and type") {
  Fixture f;
  const QueryResult mx = f.ask("www.example.test.", LDNS_RR_TYPE_MX);
  const QueryResult txt = f.ask("www.example.test.", LDNS_RR_TYPE_TXT);
  CHECK(mx.rcode == 0);
  CHECK(mx.kind == ResponseKind::NoData);
  CHECK(txt.kind == ResponseKind::NoData);
  CHECK(mx.kind_hash != txt.kind_hash);
}

TEST_CASE("response kind: answers from one wildcard share a budget, whatever the name") {
  Fixture f;
  const QueryResult a = f.ask("one.wild.example.test.", LDNS_RR_TYPE_A);
  const QueryResult b = f.ask("two.three.wild.example.test.", LDNS_RR_TYPE_A);
  const QueryResult other_wildcard = f.ask("one.other.example.test.", LDNS_RR_TYPE_A);
  const QueryResult www = f.ask("www.example.test.", LDNS_RR_TYPE_A);
  CHECK(a.kind == ResponseKind::Answer);
  CHECK(b.kind == ResponseKind::Answer);
  CHECK(a.kind_hash == b.kind_hash);
  CHECK(other_wildcard.kind_hash != a.kind_hash);
  CHECK(www.kind_hash != a.kind_hash);
}

TEST_CASE("response kind: referrals are keyed by the zone cut") {
  Fixture f;
  const QueryResult a = f.ask("host.sub.example.test.", LDNS_RR_TYPE_A);
  const QueryResult b = f.ask("deep.other.sub.example.test.", LDNS_RR_TYPE_MX);
  const QueryResult apex = f.ask("sub.example.test.", LDNS_RR_TYPE_A);
  const QueryResult other_cut = f.ask("host.deleg.example.test.", LDNS_RR_TYPE_A);
  CHECK(a.kind == ResponseKind::Referral);
  CHECK(b.kind == ResponseKind::Referral);
  CHECK(apex.kind == ResponseKind::Referral);
  CHECK(a.kind_hash == b.kind_hash);
  CHECK(a.kind_hash == apex.kind_hash);
  CHECK(other_cut.kind == ResponseKind::Referral);
  CHECK(other_cut.kind_hash != a.kind_hash);
}

TEST_CASE("response kind: error rcodes are one Error budget") {
  Fixture f;
  const QueryResult refused = f.ask("www.not-ours.test.", LDNS_RR_TYPE_A);
  const QueryResult refused2 = f.ask("else.where.", LDNS_RR_TYPE_AAAA);
  const QueryResult formerr = f.ask("www.example.test.", LDNS_RR_TYPE_OPT);
  const QueryResult notimp = f.ask("www.example.test.", LDNS_RR_TYPE_MAILB);
  CHECK(refused.rcode == 5);
  CHECK(formerr.rcode == 1);
  CHECK(notimp.rcode == 4);
  for (const QueryResult& r : {refused, refused2, formerr, notimp}) {
    CHECK(r.kind == ResponseKind::Error);
    CHECK(r.kind_hash == 0);
  }
}

TEST_CASE("response kind: question_end is the end of the header and question") {
  Fixture f;
  // www.example.test. is 18 bytes of wire name; the question adds type and class.
  const size_t question = 18 + 4;
  const QueryResult plain = f.ask("www.example.test.", LDNS_RR_TYPE_A);
  CHECK(plain.question_end == 12 + question);
  CHECK(plain.length > plain.question_end);
  const QueryResult edns = f.ask("www.example.test.", LDNS_RR_TYPE_A, true);
  CHECK(edns.question_end == 12 + question);
  const QueryResult nx = f.ask("nope.example.test.", LDNS_RR_TYPE_A);
  CHECK(nx.question_end == 12 + 19 + 4);
  const QueryResult refused = f.ask("www.not-ours.test.", LDNS_RR_TYPE_A);
  CHECK(refused.question_end == 12 + 19 + 4);
  // The prefix is the question as asked: the same bytes as the query's.
  const std::vector<uint8_t> query = make_query("www.example.test.", LDNS_RR_TYPE_A);
  const QueryResult again = f.ask(query);
  CHECK(std::equal(query.begin() + 12, query.begin() + 12 + question, f.out.begin() + 12));
  CHECK(f.out[again.question_end - 1] == 1);  // class IN, low byte
}
