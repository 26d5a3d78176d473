// The dns check's pure halves: the probe query's bytes and the verdict on
// hand-built replies for each expectation.
#include <doctest.h>

#include <utility>
#include <vector>

#include "health/dns_check_wire.h"

using dnsd::health::build_dns_query;
using dnsd::health::CheckResult;
using dnsd::health::FailureKind;
using dnsd::health::judge_dns_reply;
namespace zones = dnsd::zones;
using Bytes = std::vector<uint8_t>;

namespace {

const Bytes kQuestion = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1};

zones::CheckSpec dns_spec(uint16_t type = 1) {
  zones::CheckSpec s;
  s.type = zones::CheckType::Dns;
  s.query_name = "example.test.";
  s.query_type = type;
  return s;
}

struct Answer {
  uint16_t type;
  Bytes rdata;
};

// A reply to `query` (its header and question echoed) with `rcode`, `answers`
// (owner: a pointer to the question name) and, when `opt`, an OPT record whose
// extended rcode is `extended`.
Bytes reply_to(const Bytes& query, unsigned rcode, const std::vector<Answer>& answers = {}, bool opt = false,
               uint8_t extended = 0) {
  const size_t question_end = 12 + kQuestion.size();
  Bytes r(query.begin(), query.begin() + std::min(query.size(), question_end));
  r[2] |= 0x80;
  r[3] = uint8_t(rcode);
  r[7] = uint8_t(answers.size());
  r[11] = opt ? 1 : 0;
  for (const Answer& a : answers) {
    const Bytes rr = {0xC0, 0x0C, uint8_t(a.type >> 8), uint8_t(a.type), 0, 1, 0, 0, 0, 60, 0, uint8_t(a.rdata.size())};
    r.insert(r.end(), rr.begin(), rr.end());
    r.insert(r.end(), a.rdata.begin(), a.rdata.end());
  }
  if (opt) {
    const Bytes rr = {0, 0, 41, 0x04, 0xD0, extended, 0, 0, 0, 0, 0};
    r.insert(r.end(), rr.begin(), rr.end());
  }
  return r;
}

CheckResult judge(const zones::CheckSpec& spec, const Bytes& query, const Bytes& reply,
                  zones::DnsTransport over = zones::DnsTransport::Udp) {
  return judge_dns_reply(spec, query, reply.data(), reply.size(), over);
}

}  // namespace

TEST_CASE("dns wire: the query carries an OPT record (1232, DO=0) unless edns is off") {
  const Bytes with = build_dns_query(0x1234, "example.test", 1);
  const Bytes opt = {0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0};
  REQUIRE(with.size() == 12 + kQuestion.size() + opt.size());
  CHECK(Bytes(with.begin(), with.begin() + 12) == Bytes{0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1});
  CHECK(Bytes(with.begin() + 12, with.begin() + 12 + long(kQuestion.size())) == kQuestion);
  CHECK(Bytes(with.end() - long(opt.size()), with.end()) == opt);

  zones::CheckSpec spec = dns_spec();
  spec.edns = false;
  const Bytes without = build_dns_query(0x1234, spec);
  REQUIRE(without.size() == 12 + kQuestion.size());
  CHECK(without[11] == 0);  // ARCOUNT
  CHECK(Bytes(without.begin() + 12, without.end()) == kQuestion);
  CHECK(build_dns_query(1, "bad..name", 1).empty());
}

TEST_CASE("dns wire: rcode expectations") {
  const Bytes q = build_dns_query(7, "example.test", 1);
  zones::CheckSpec spec = dns_spec();
  CHECK(judge(spec, q, reply_to(q, 0)).detail == "NOERROR");
  CHECK(judge(spec, q, reply_to(q, 0)).ok);
  const CheckResult servfail = judge(spec, q, reply_to(q, 2));
  CHECK(servfail.failure == FailureKind::Rcode);
  CHECK(servfail.detail == "rcode SERVFAIL, expected NOERROR");
  CHECK(judge(spec, q, reply_to(q, 12)).detail == "rcode RCODE12, expected NOERROR");
  SUBCASE("a list, by name or number") {
    spec.expect_rcode = {0, 3};
    CHECK(judge(spec, q, reply_to(q, 3)).ok);
    CHECK(judge(spec, q, reply_to(q, 3)).detail == "NXDOMAIN");
    CHECK(judge(spec, q, reply_to(q, 5)).detail == "rcode REFUSED, expected NOERROR or NXDOMAIN");
  }
  SUBCASE("only SERVFAIL") {
    spec.expect_rcode = {2};
    CHECK(judge(spec, q, reply_to(q, 2)).ok);
    CHECK_FALSE(judge(spec, q, reply_to(q, 0)).ok);
  }
  SUBCASE("extended rcodes come from the OPT record") {
    CHECK(judge(spec, q, reply_to(q, 0, {}, true, 1)).detail == "rcode BADVERS, expected NOERROR");
    spec.expect_rcode = {16};
    CHECK(judge(spec, q, reply_to(q, 0, {}, true, 1)).ok);
  }
  SUBCASE("FORMERR without OPT to an EDNS query suggests turning EDNS off") {
    CHECK(judge(spec, q, reply_to(q, 1)).detail ==
          "rcode FORMERR, expected NOERROR (the server may not support EDNS: try \"edns\": false)");
    CHECK(judge(spec, q, reply_to(q, 1, {}, true)).detail == "rcode FORMERR, expected NOERROR");
  }
}

TEST_CASE("dns wire: answer expectations") {
  const Bytes q = build_dns_query(7, "example.test", 1);
  const Answer a1 = {1, {192, 0, 2, 1}}, a2 = {1, {192, 0, 2, 2}};
  const Answer cname = {5, {3, 'w', 'w', 'w', 0xC0, 0x0C}};
  zones::CheckSpec spec = dns_spec();
  SUBCASE("expect_answer") {
    spec.expect_answer = true;
    const CheckResult empty = judge(spec, q, reply_to(q, 0));
    CHECK(empty.failure == FailureKind::Body);
    CHECK(empty.detail == "NOERROR, answer has no A record");
    CHECK(judge(spec, q, reply_to(q, 0, {cname})).detail == "NOERROR, answer has no A record");
    CHECK(judge(spec, q, reply_to(q, 0, {cname, a2})).ok);
  }
  SUBCASE("expect_address") {
    spec.expect_address = "192.0.2.1";
    CHECK(judge(spec, q, reply_to(q, 0, {a2, a1})).ok);
    const CheckResult lacks = judge(spec, q, reply_to(q, 0, {a2}));
    CHECK(lacks.failure == FailureKind::Body);
    CHECK(lacks.detail == "NOERROR, answer lacks 192.0.2.1");
    CHECK(judge(spec, q, reply_to(q, 0)).detail == "NOERROR, answer lacks 192.0.2.1");
    CHECK(judge(spec, q, reply_to(q, 2, {a1})).detail == "rcode SERVFAIL, expected NOERROR");
  }
  SUBCASE("expect_address, IPv6") {
    const Bytes q6 = build_dns_query(7, "example.test", 28);
    zones::CheckSpec spec6 = dns_spec(28);
    spec6.expect_address = "2001:db8::1";
    Bytes six(16, 0);
    six[0] = 0x20, six[1] = 0x01, six[2] = 0x0d, six[3] = 0xb8, six[15] = 1;
    CHECK(judge(spec6, q6, reply_to(q6, 0, {{28, six}})).ok);
    six[15] = 2;
    const Bytes other = reply_to(q6, 0, {{28, six}});
    CHECK(judge(spec6, q6, other).detail == "NOERROR, answer lacks 2001:db8::1");
  }
}

TEST_CASE("dns wire: truncation, other questions and malformed replies") {
  const Bytes q = build_dns_query(7, "example.test", 1);
  const zones::CheckSpec spec = dns_spec();
  Bytes tc = reply_to(q, 0);
  tc[2] |= 0x02;
  CHECK(dnsd::health::is_truncated(tc.data(), tc.size()));
  CHECK(judge(spec, q, tc).detail == "truncated over UDP");
  CHECK(judge(spec, q, tc, zones::DnsTransport::Tcp).detail == "truncated over TCP");
  CHECK(judge(spec, q, tc, zones::DnsTransport::Tcp).failure == FailureKind::Rcode);
  CHECK(judge(spec, q, reply_to(q, 0), zones::DnsTransport::Tcp).detail == "NOERROR over TCP");
  CHECK(judge(spec, q, reply_to(q, 2), zones::DnsTransport::Tcp).detail == "rcode SERVFAIL over TCP, expected NOERROR");

  Bytes other = reply_to(q, 0);
  other[13] = 'E';  // case differs only: the same question
  CHECK(judge(spec, q, other).ok);
  other[14] = 'y';
  CHECK(judge(spec, q, other).detail == "malformed reply: it answers another question (Eyample.test. A)");

  Bytes no_question = reply_to(q, 2);
  no_question.resize(12);
  no_question[5] = 0;
  CHECK(judge(spec, q, no_question).detail == "rcode SERVFAIL, expected NOERROR");

  Bytes cut = reply_to(q, 0, {{1, {192, 0, 2, 1}}});
  cut.pop_back();
  CHECK(judge(spec, q, cut).detail == "malformed reply: record cut short");
  // A label longer than what is left of the reply ends the reading there,
  // in the question and in an answer's owner name alike.
  Bytes overrun = reply_to(q, 0);
  overrun.resize(15);
  CHECK_FALSE(judge(spec, q, overrun).ok);
  Bytes owner_overrun = reply_to(q, 0, {{1, {192, 0, 2, 1}}});
  owner_overrun.resize(12 + kQuestion.size() + 1);
  owner_overrun.back() = 0x3F;  // a 63-byte label, and nothing after it
  CHECK_FALSE(judge(spec, q, owner_overrun).ok);
  CHECK(judge(spec, q, owner_overrun).detail.rfind("malformed reply", 0) == 0);
  Bytes wrong_id = reply_to(q, 0);
  wrong_id[1] ^= 1;
  CHECK(judge(spec, q, wrong_id).detail == "malformed reply: not a reply to the query");
  CHECK(judge(spec, q, Bytes(q.begin(), q.begin() + 11)).failure == FailureKind::Rcode);
  CHECK_FALSE(dnsd::health::is_reply_to(q.data(), q.size(), 7));  // QR clear
  CHECK(dnsd::health::rcode_list_text({0, 3, 5}) == "NOERROR, NXDOMAIN or REFUSED");
}
