// The NOTIFY message on the wire, read back with ldns; reply parsing; message
// IDs. Pure functions: no loop, no socket.
#include <doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "dnsd/xfr/notify_message.h"
#include "tests/unit/zone_fixture.h"

using namespace dnsd::xfr;
namespace zones = dnsd::zones;

namespace {

const char* const kSoa = "example.test. 3600 IN SOA ns1.example.test. admin.example.test. 42 7200 3600 1209600 300";

/// The uncompressed wire rdata of the SOA in `line`, as ldns writes it.
std::vector<uint8_t> soa_rdata(const std::string& line = kSoa) {
  ldns_rr* rr = nullptr;
  REQUIRE(ldns_rr_new_frm_str(&rr, line.c_str(), 3600, nullptr, nullptr) == LDNS_STATUS_OK);
  std::vector<uint8_t> out;
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* field = ldns_rr_rdf(rr, i);
    out.insert(out.end(), ldns_rdf_data(field), ldns_rdf_data(field) + ldns_rdf_size(field));
  }
  ldns_rr_free(rr);
  return out;
}

zones::Name name(const std::string& text) {
  zones::Name out;
  std::string error;
  REQUIRE(zones::name_from_text(text, zones::root_name(), out, error));
  return out;
}

std::string text(const ldns_rdf* rdf) {
  char* s = ldns_rdf2str(rdf);
  std::string out = s;
  free(s);
  return out;
}

std::vector<uint8_t> notify(uint16_t id = 0xBEEF, const std::string& zone = "example.test.") {
  std::string error;
  std::vector<uint8_t> wire = build_notify(id, name(zone), 3600, soa_rdata(), 42, error);
  REQUIRE(error.empty());
  return wire;
}

/// `wire` turned into a response: QR set, `rcode`, only the question kept.
std::vector<uint8_t> as_response(std::vector<uint8_t> wire, uint8_t rcode = 0) {
  wire[2] |= 0x80;
  wire[3] = rcode;
  const std::vector<uint8_t> question_end = {0, 0, 6, 0, 1};  // root label, SOA, IN
  const auto end = std::search(wire.begin() + 12, wire.end(), question_end.begin(), question_end.end());
  wire.erase(end + question_end.size(), wire.end());
  wire[6] = wire[7] = wire[8] = wire[9] = wire[10] = wire[11] = 0;
  return wire;
}

}  // namespace

TEST_CASE("notify message: opcode NOTIFY, AA, the zone's SOA question and the new SOA as answer") {
  const std::vector<uint8_t> wire = notify();
  const dnsd::test::Packet pkt = dnsd::test::parse_packet(wire.data(), wire.size());
  REQUIRE(pkt);
  CHECK(ldns_pkt_id(pkt.get()) == 0xBEEF);
  CHECK(ldns_pkt_get_opcode(pkt.get()) == LDNS_PACKET_NOTIFY);
  CHECK(ldns_pkt_aa(pkt.get()));
  CHECK_FALSE(ldns_pkt_qr(pkt.get()));
  CHECK_FALSE(ldns_pkt_rd(pkt.get()));
  CHECK(ldns_pkt_get_rcode(pkt.get()) == LDNS_RCODE_NOERROR);
  REQUIRE(ldns_pkt_qdcount(pkt.get()) == 1);
  const ldns_rr* q = ldns_rr_list_rr(ldns_pkt_question(pkt.get()), 0);
  CHECK(text(ldns_rr_owner(q)) == "example.test.");
  CHECK(ldns_rr_get_type(q) == LDNS_RR_TYPE_SOA);
  CHECK(ldns_rr_get_class(q) == LDNS_RR_CLASS_IN);
  REQUIRE(ldns_pkt_ancount(pkt.get()) == 1);
  CHECK(ldns_pkt_nscount(pkt.get()) == 0);
  CHECK(ldns_pkt_arcount(pkt.get()) == 0);
  ldns_rr* answer = ldns_rr_list_rr(ldns_pkt_answer(pkt.get()), 0);
  ldns_rr* expected = nullptr;
  REQUIRE(ldns_rr_new_frm_str(&expected, kSoa, 3600, nullptr, nullptr) == LDNS_STATUS_OK);
  CHECK(ldns_rr_compare(answer, expected) == 0);
  CHECK(ldns_rr_ttl(answer) == 3600);
  CHECK(ldns_rdf2native_int32(ldns_rr_rdf(answer, 2)) == 42);
  ldns_rr_free(expected);
  // The SOA's owner is a pointer to the question's name, as every server writes it.
  CHECK(wire[12 + 18] == 0xC0);  // after the 14-byte name, type and class
  CHECK(wire[12 + 18 + 1] == 12);
}

TEST_CASE("notify message: the zone name keeps its case; the answer is built whatever the TTL") {
  std::string error;
  const std::vector<uint8_t> wire = build_notify(1, name("Example.TEST"), 0, soa_rdata(), 42, error);
  const dnsd::test::Packet pkt = dnsd::test::parse_packet(wire.data(), wire.size());
  REQUIRE(pkt);
  CHECK(text(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(pkt.get()), 0))) == "Example.TEST.");
  CHECK(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(pkt.get()), 0)) == 0);
}

TEST_CASE("notify message: an SOA rdata that is malformed or carries another serial is refused") {
  std::string error;
  CHECK(build_notify(1, name("example.test."), 3600, soa_rdata(), 43, error).empty());
  CHECK(error == "SOA rdata has serial 42, not 43");
  std::vector<uint8_t> short_rdata = soa_rdata();
  short_rdata.pop_back();
  CHECK(build_notify(1, name("example.test."), 3600, short_rdata, 42, error).empty());
  CHECK(error == "malformed SOA rdata");
  CHECK(build_notify(1, name("example.test."), 3600, {}, 42, error).empty());
  std::vector<uint8_t> compressed = {0xC0, 12, 0xC0, 12};
  compressed.resize(24);
  CHECK(build_notify(1, name("example.test."), 3600, compressed, 0, error).empty());
}

TEST_CASE("notify response: QR, opcode NOTIFY and one SOA IN question, or nothing") {
  const auto parsed = parse_notify_response(as_response(notify(0x1234, "Example.Test."), 5));
  REQUIRE(parsed);
  CHECK(parsed->id == 0x1234);
  CHECK(parsed->rcode == 5);
  CHECK(parsed->zone == name("example.test."));  // lowercased, to find the NOTIFY it answers

  CHECK_FALSE(parse_notify_response(notify()));  // QR clear: a query
  std::vector<uint8_t> r = as_response(notify());
  CHECK(parse_notify_response(r));
  SUBCASE("another opcode") {
    r[2] = 0x80 | 0x04;  // QUERY, AA
    CHECK_FALSE(parse_notify_response(r));
  }
  SUBCASE("no question") {
    r[5] = 0;
    CHECK_FALSE(parse_notify_response(r));
  }
  SUBCASE("another type") {
    r[r.size() - 3] = 1;  // A
    CHECK_FALSE(parse_notify_response(r));
  }
  SUBCASE("another class") {
    r[r.size() - 1] = 3;  // CH
    CHECK_FALSE(parse_notify_response(r));
  }
  SUBCASE("truncated") {
    for (size_t n = 0; n < r.size(); ++n)
      CHECK_FALSE(parse_notify_response(std::span<const uint8_t>(r.data(), n)));
  }
}

TEST_CASE("notify message IDs come from a CSPRNG, not a counter") {
  std::set<uint16_t> ids;
  uint16_t previous = random_message_id();
  int steps_of_one = 0;
  for (int i = 0; i < 64; ++i) {
    const uint16_t id = random_message_id();
    steps_of_one += id == uint16_t(previous + 1);
    previous = id;
    ids.insert(id);
  }
  CHECK(ids.size() > 50);  // 64 draws from 65536 values: a handful of collisions at most
  CHECK(steps_of_one < 3);
}
