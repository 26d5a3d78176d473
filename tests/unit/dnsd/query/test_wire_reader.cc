// parse_query on hand-made and ldns-made packets: one protocol rule per case.
#include <doctest.h>

#include <vector>

#include "dnsd/query/wire_reader.h"
#include "tests/unit/zone_fixture.h"

using namespace dnsd;

namespace {

ParseStatus parse(const std::vector<uint8_t>& p, ParsedQuery& q) { return parse_query(p, q); }

// A QUERY for "Ex.TEST. A IN", then `tail` (the additional section), with the given counts.
std::vector<uint8_t> raw(uint8_t flags1 = 0x01, uint16_t qd = 1, uint16_t an = 0, uint16_t ar = 0,
                         std::vector<uint8_t> tail = {}) {
  std::vector<uint8_t> p = {0xAB, 0xCD, flags1, 0x10, 0, uint8_t(qd), 0, uint8_t(an), 0, 0, 0, uint8_t(ar)};
  const std::vector<uint8_t> question = {2, 'E', 'x', 4, 'T', 'E', 'S', 'T', 0, 0, 1, 0, 1};
  p.insert(p.end(), question.begin(), question.end());
  p.insert(p.end(), tail.begin(), tail.end());
  return p;
}

// An OPT record: root owner, type 41, payload, extended rcode, version, DO, options.
std::vector<uint8_t> opt(uint16_t payload, uint8_t version = 0, bool dnssec_ok = false,
                         std::vector<uint8_t> options = {}) {
  std::vector<uint8_t> r = {0, 0, 41, uint8_t(payload >> 8), uint8_t(payload), 0, version,
                            uint8_t(dnssec_ok ? 0x80 : 0), 0, 0, uint8_t(options.size())};
  r.insert(r.end(), options.begin(), options.end());
  return r;
}

}  // namespace

TEST_CASE("a plain query: id, flags, lowercased name, question as received") {
  ParsedQuery q;
  const auto p = raw();
  REQUIRE(parse(p, q) == ParseStatus::Ok);
  CHECK(q.id == 0xABCD);
  CHECK(q.rd);
  CHECK(q.cd);
  CHECK(q.qtype == 1);
  CHECK(q.qclass == 1);
  CHECK(q.qname.label_count == 2);
  CHECK(q.qname.wire[1] == 'e');  // lowercased for lookup
  CHECK(q.question == p.data() + 12);
  CHECK(q.question_length == 13);
  CHECK(q.question[1] == 'E');  // echoed byte for byte
  CHECK_FALSE(q.has_edns);
  CHECK(q.udp_size == 512);
}

TEST_CASE("short packets and responses are dropped") {
  ParsedQuery q;
  CHECK(parse(std::vector<uint8_t>(11, 0), q) == ParseStatus::Drop);
  CHECK(parse(raw(0x81), q) == ParseStatus::Drop);  // QR set
}

TEST_CASE("QDCOUNT other than one is FORMERR; other opcodes are NOTIMP") {
  ParsedQuery q;
  CHECK(parse(raw(0x01, 0), q) == ParseStatus::FormErr);
  CHECK(parse(raw(0x01, 2), q) == ParseStatus::FormErr);
  ParsedQuery n;
  CHECK(parse(raw(0x01 | (4 << 3)), n) == ParseStatus::NotImp);  // NOTIFY
  CHECK(n.has_question);  // echoed in the NOTIMP answer
  ParsedQuery u;
  CHECK(parse(raw(0x01 | (2 << 3), 0), u) == ParseStatus::NotImp);  // STATUS without a question
}

TEST_CASE("truncated names, compression in the question and extra sections are FORMERR") {
  ParsedQuery q;
  auto p = raw();
  p.resize(p.size() - 3);  // type and class cut
  CHECK(parse(p, q) == ParseStatus::FormErr);
  auto pointer = raw();
  pointer[12] = 0xC0;
  pointer[13] = 12;
  CHECK(parse(pointer, q) == ParseStatus::FormErr);
  CHECK(parse(raw(0x01, 1, 1), q) == ParseStatus::FormErr);  // an answer section in a query
  auto trailing = raw();
  trailing.push_back(0);
  CHECK(parse(trailing, q) == ParseStatus::FormErr);
}

TEST_CASE("EDNS: payload, DO and version are read; bad OPT records are FORMERR") {
  ParsedQuery q;
  REQUIRE(parse(raw(0x01, 1, 0, 1, opt(4096, 0, true)), q) == ParseStatus::Ok);
  CHECK(q.has_edns);
  CHECK(q.udp_size == 4096);
  CHECK(q.dnssec_ok);
  ParsedQuery small;
  REQUIRE(parse(raw(0x01, 1, 0, 1, opt(100)), small) == ParseStatus::Ok);
  CHECK(small.udp_size == 512);  // RFC 6891: values below 512 are treated as 512
  ParsedQuery v1;
  CHECK(parse(raw(0x01, 1, 0, 1, opt(1232, 1)), v1) == ParseStatus::BadVers);
  ParsedQuery with_option;
  CHECK(parse(raw(0x01, 1, 0, 1, opt(1232, 0, false, {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8})), with_option) ==
        ParseStatus::Ok);
  ParsedQuery bad_option;
  CHECK(parse(raw(0x01, 1, 0, 1, opt(1232, 0, false, {0, 10, 0, 9, 1, 2})), bad_option) == ParseStatus::FormErr);
  CHECK_FALSE(bad_option.has_edns);  // a malformed OPT is not echoed
  auto two = opt(1232);
  const auto second = opt(1232);
  two.insert(two.end(), second.begin(), second.end());
  ParsedQuery twice;
  CHECK(parse(raw(0x01, 1, 0, 2, two), twice) == ParseStatus::FormErr);
  auto named = opt(1232);
  named[0] = 1;  // owner "\001?" instead of the root: re-make it as a one-label name
  named.insert(named.begin() + 1, {'x', 0});
  ParsedQuery not_root;
  CHECK(parse(raw(0x01, 1, 0, 1, named), not_root) == ParseStatus::FormErr);
}

TEST_CASE("queries made by ldns parse, with and without EDNS") {
  for (bool edns : {false, true}) {
    ParsedQuery q;
    const auto p = test::make_query("www.example.test.", LDNS_RR_TYPE_AAAA, edns);
    REQUIRE(parse(p, q) == ParseStatus::Ok);
    CHECK(q.qtype == 28);
    CHECK(q.has_edns == edns);
    CHECK(q.qname.label_count == 3);
  }
}

namespace {

// One EDNS option: code, length, data.
std::vector<uint8_t> option(uint16_t code, std::vector<uint8_t> data) {
  std::vector<uint8_t> o = {uint8_t(code >> 8), uint8_t(code), uint8_t(data.size() >> 8), uint8_t(data.size())};
  o.insert(o.end(), data.begin(), data.end());
  return o;
}

}  // namespace

TEST_CASE("COOKIE: the first option is kept; 8 and 16 to 40 bytes are well formed (RFC 7873 5.2.2)") {
  for (size_t length : {0, 1, 7, 8, 9, 15, 16, 24, 40, 41, 64}) {
    CAPTURE(length);
    ParsedQuery q;
    std::vector<uint8_t> data(length);
    for (size_t i = 0; i < length; ++i) data[i] = uint8_t(i + 1);
    const auto packet = raw(0x01, 1, 0, 1, opt(1232, 0, false, option(10, data)));  // q points into it
    REQUIRE(parse(packet, q) == ParseStatus::Ok);
    CHECK(q.has_edns);
    CHECK(q.has_cookie);
    CHECK(q.cookie.size() == length);
    if (length > 0) CHECK(q.cookie[0] == 1);
    CHECK(q.cookie_well_formed() == (length == 8 || (length >= 16 && length <= 40)));
  }
  ParsedQuery none;
  REQUIRE(parse(raw(0x01, 1, 0, 1, opt(1232)), none) == ParseStatus::Ok);
  CHECK_FALSE(none.has_cookie);
  CHECK_FALSE(none.nsid_requested);

  auto two = option(10, {1, 2, 3, 4, 5, 6, 7, 8});
  const auto second = option(10, {9, 9, 9});
  two.insert(two.end(), second.begin(), second.end());
  ParsedQuery first;
  const auto packet = raw(0x01, 1, 0, 1, opt(1232, 0, false, two));
  REQUIRE(parse(packet, first) == ParseStatus::Ok);
  CHECK(first.cookie.size() == 8);  // the later, malformed one is ignored
  CHECK(first.cookie_well_formed());
}

TEST_CASE("NSID: an option of code 3 asks for the server identifier (RFC 5001)") {
  auto options = option(3, {});
  const auto cookie = option(10, {1, 2, 3, 4, 5, 6, 7, 8});
  options.insert(options.end(), cookie.begin(), cookie.end());
  ParsedQuery q;
  REQUIRE(parse(raw(0x01, 1, 0, 1, opt(1232, 0, false, options)), q) == ParseStatus::Ok);
  CHECK(q.nsid_requested);
  CHECK(q.has_cookie);
}

TEST_CASE("QDCOUNT 0 with a COOKIE option asks for a server cookie (RFC 7873 5.4)") {
  // Header with no question, then an OPT record.
  const auto no_question = [](std::vector<uint8_t> additional, uint16_t arcount) {
    std::vector<uint8_t> p = {0xAB, 0xCD, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, uint8_t(arcount)};
    p.insert(p.end(), additional.begin(), additional.end());
    return p;
  };
  ParsedQuery q;
  CHECK(parse(no_question(opt(1232, 0, false, option(10, {1, 2, 3, 4, 5, 6, 7, 8})), 1), q) ==
        ParseStatus::NoQuestion);
  CHECK(q.has_edns);
  CHECK_FALSE(q.has_question);
  CHECK(q.cookie.size() == 8);
  ParsedQuery without;
  CHECK(parse(no_question(opt(1232), 1), without) == ParseStatus::FormErr);
  CHECK(without.has_edns);  // FORMERR with an OPT record
  ParsedQuery plain;
  CHECK(parse(no_question({}, 0), plain) == ParseStatus::FormErr);
  ParsedQuery v1;
  CHECK(parse(no_question(opt(1232, 1, false, option(10, {1, 2, 3, 4, 5, 6, 7, 8})), 1), v1) ==
        ParseStatus::BadVers);
}
