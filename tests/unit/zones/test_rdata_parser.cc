// parse_rdata against ldns: NS, CNAME, PTR, MX and SRV data in plain spelling
// are encoded without ldns, and for every text, plain or not, the result must
// be what ldns's own zone-file parser gives: the same verdict, the same wire
// bytes and the same canonical form.
#include <doctest.h>
#include "tests/unit/zones/name_text.h"
#include "zones/ldns.h"

#include <memory>
#include <string>
#include <vector>

#include "zones/rdata_parser.h"
#include "zones/zone.h"

using namespace dnsd::zones;
using dnsd::zones::testing::N;

namespace {

std::string wire_of(const ldns_rr* rr) {
  ldns_buffer* buffer = ldns_buffer_new(512);
  REQUIRE(ldns_rr_rdata2buffer_wire(buffer, rr) == LDNS_STATUS_OK);
  std::string wire(reinterpret_cast<const char*>(ldns_buffer_begin(buffer)), ldns_buffer_position(buffer));
  ldns_buffer_free(buffer);
  return wire;
}

// ldns alone, as one RR line: whether it reads, and its wire and canonical rdata.
bool by_ldns(uint16_t type, const std::string& data, const Name& origin, ParsedRdata& out) {
  ldns_rdf* origin_rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, origin.size(), origin.data());
  std::string line = origin.text() + " 0 IN " + rr_type_to_text(type) + " " + data;
  ldns_rr* rr = nullptr;
  ldns_rdf* previous = nullptr;
  ldns_status status = ldns_rr_new_frm_str(&rr, line.c_str(), 0, origin_rdf, &previous);
  if (previous) ldns_rdf_deep_free(previous);
  ldns_rdf_deep_free(origin_rdf);
  bool ok = status == LDNS_STATUS_OK && rr && ldns_rr_get_type(rr) == type;
  if (ok) {
    out.wire = wire_of(rr);
    ldns_rr2canonical(rr);
    out.canonical = wire_of(rr);
  }
  if (rr) ldns_rr_free(rr);
  return ok;
}

void check_same(uint16_t type, const std::string& data, const Name& origin) {
  ParsedRdata ours, theirs;
  std::string error;
  bool ok = parse_rdata(type, data, origin, ours, error);
  bool reference = by_ldns(type, data, origin, theirs);
  INFO(rr_type_to_text(type) << " \"" << data << "\" in " << origin.text() << ": " << error);
  REQUIRE(ok == reference);
  if (!ok) return;
  CHECK(ours.wire == theirs.wire);
  CHECK(ours.canonical == theirs.canonical);
}

std::vector<std::string> names() {
  std::string l63(63, 'a'), l64(64, 'b');
  std::string long_rel = l63 + "." + l63 + "." + l63;  // 192 bytes relative
  return {"mail", "mail.", "MAIL.Example.TEST.", "a.b.c", "a.b.c.", "*", "*.wild", "_sip._tcp.example.",
          "x-y_z", "123", "a..b", ".", "..", "@", "a\\.b", "\\065bc", "a\\046b.", "\"quoted\"", "a;b", "a(b",
          "mail ", " mail", l63, l64, l63 + ".", l64 + ".", long_rel, long_rel + ".", long_rel + "." + l63 + ".",
          long_rel + ".abcdef", long_rel + "." + std::string(61, 'c') + ".", "ünï", "a/b", "a*b", "-"};
}

}  // namespace

TEST_CASE("names in NS, CNAME and PTR data read as ldns reads them") {
  for (const char* origin : {"example.test.", ".", "a-very-long-origin-label-to-push-names-near-the-limit.example."})
    for (uint16_t type : {rrtype::NS, rrtype::CNAME, rrtype::PTR})
      for (const std::string& name : names()) check_same(type, name, N(origin));
}

TEST_CASE("MX and SRV numbers and names read as ldns reads them") {
  const Name origin = N("example.test.");
  const std::vector<std::string> numbers = {"0", "10", "010", "65535", "65536", "99999", "123456", "-1", "+1",
                                            "1x", "", "0x10"};
  for (const std::string& n : numbers) {
    for (const std::string& name : {std::string("mail"), std::string("Mail.Example.Org."), std::string("@")}) {
      check_same(rrtype::MX, n + " " + name, origin);
      check_same(rrtype::SRV, n + " 5 5060 " + name, origin);
      check_same(rrtype::SRV, "1 " + n + " 5060 " + name, origin);
      check_same(rrtype::SRV, "1 2 " + n + " " + name, origin);
    }
  }
  for (const char* text : {"10  mail", " 10 mail", "10 mail ", "10\tmail", "10", "10 a b", "mail"})
    check_same(rrtype::MX, text, origin);
  for (const char* text : {"1 2 3", "1 2 3 4 5", "1  2 3 x", "1 2 3 _sip._tcp"})
    check_same(rrtype::SRV, text, origin);
  for (const std::string& name : names()) check_same(rrtype::MX, "10 " + name, origin);
}
