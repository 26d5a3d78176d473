// Type bitmaps against ldns's own encoding, and the types each kind of NSEC
// owner lists: the apex, a plain name, delegations with and without DS (glue
// left out), and a pool whose RRset counts only while health serves it.
#include <doctest.h>
#include "zones/ldns.h"

#include <string>
#include <vector>

#include "dnsd/dnssec/type_bitmap.h"
#include "tests/unit/zone_fixture.h"

using namespace dnsd::zones;
using dnsd::dnssec::append_type_bitmap;
using dnsd::dnssec::nsec_types;

namespace {

Name wire(const std::string& text) {
  Name out;
  std::string error;
  REQUIRE_MESSAGE(name_from_text(text, root_name(), out, error), error);
  return out.lowered();
}

uint32_t find(const Zone& zone, const std::string& text) {
  const Name name = wire(text);
  const uint32_t node = zone.find(name.data(), name.size(), name_hash(name.data(), name.size()));
  REQUIRE_MESSAGE(node != kNone, text);
  return node;
}

std::vector<uint8_t> bitmap(const std::vector<uint16_t>& types) {
  std::vector<uint8_t> out;
  append_type_bitmap(types, out);
  return out;
}

// The bitmap ldns writes for an NSEC record whose type list is `types_text`.
std::vector<uint8_t> ldns_bitmap(const std::string& types_text) {
  ldns_rr* rr = nullptr;
  const std::string line = "x.example. 3600 IN NSEC y.example. " + types_text;
  REQUIRE(ldns_rr_new_frm_str(&rr, line.c_str(), 3600, nullptr, nullptr) == LDNS_STATUS_OK);
  const ldns_rdf* field = ldns_rr_rdf(rr, 1);
  std::vector<uint8_t> out(ldns_rdf_data(field), ldns_rdf_data(field) + ldns_rdf_size(field));
  ldns_rr_free(rr);
  return out;
}

// The bitmap ldns's signer builds from a type list.
std::vector<uint8_t> ldns_signer_bitmap(std::vector<uint16_t> types) {
  std::vector<ldns_rr_type> list;
  for (const uint16_t type : types) list.push_back(ldns_rr_type(type));
  ldns_rdf* field = ldns_dnssec_create_nsec_bitmap(list.data(), list.size(), LDNS_RR_TYPE_NSEC);
  REQUIRE(field != nullptr);
  std::vector<uint8_t> out(ldns_rdf_data(field), ldns_rdf_data(field) + ldns_rdf_size(field));
  ldns_rdf_deep_free(field);
  return out;
}

const std::function<bool(uint32_t)> kAllServed = [](uint32_t) { return true; };

std::vector<uint16_t> types_at(const Zone& zone, const std::string& name,
                               const std::function<bool(uint32_t)>& served = kAllServed) {
  std::vector<uint16_t> out = {999};  // replaced, not appended to
  nsec_types(zone, find(zone, name), served, out);
  return out;
}

}  // namespace

TEST_CASE("type_bitmap: windows, lengths and octets match ldns") {
  CHECK(bitmap({1, 15, 46, 47, 1234}) == ldns_bitmap("A MX RRSIG NSEC TYPE1234"));
  CHECK(bitmap({1, 2, 46, 47, 48, 65, 257, 1234, 32769, 65535}) ==
        ldns_bitmap("A NS RRSIG NSEC DNSKEY HTTPS CAA TYPE1234 DLV TYPE65535"));
  CHECK(bitmap({1, 2, 46, 47, 48, 65, 257, 1234, 32769, 65535}) ==
        ldns_signer_bitmap({1, 2, 46, 47, 48, 65, 257, 1234, 32769, 65535}));
  for (const uint16_t type : {1, 2, 7, 8, 46, 47, 48, 65, 255, 256, 257, 1234, 32768, 32769, 65535}) {
    CAPTURE(type);
    CHECK(bitmap({type}) == ldns_bitmap("TYPE" + std::to_string(type)));
    // With NSEC beside it, ascending and unique.
    const std::vector<uint16_t> pair = type == 47 ? std::vector<uint16_t>{46, 47}
                                       : type < 47 ? std::vector<uint16_t>{type, 47}
                                                   : std::vector<uint16_t>{47, type};
    CHECK(bitmap(pair) == ldns_signer_bitmap(pair));
  }
}

TEST_CASE("type_bitmap: the exact octets of a small bitmap, and appending after existing bytes") {
  // RFC 4034 4.3's example: A MX RRSIG NSEC TYPE1234.
  std::vector<uint8_t> rfc = {0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03, 0x04, 0x1b};
  rfc.resize(rfc.size() + 26, 0x00);
  rfc.push_back(0x20);
  CHECK(bitmap({1, 15, 46, 47, 1234}) == rfc);
  std::vector<uint8_t> out = {0xAA};
  const std::vector<uint16_t> types = {47};
  append_type_bitmap(types, out);
  CHECK(out == std::vector<uint8_t>{0xAA, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01});
  CHECK(bitmap({}).empty());
}

namespace {

std::shared_ptr<const Zone> typed_zone() {
  return dnsd::test::zone_from_lines(
      "example.test.",
      {"@ 3600 IN SOA ns1 hostmaster 1 7200 900 1209600 300", "@ 3600 IN NS ns1", "@ 300 IN MX 10 www",
       "@ 300 IN TXT apex", "ns1 300 IN A 192.0.2.1", "www 300 IN A 192.0.2.2", "www 300 IN AAAA 2001:db8::2",
       "signed 3600 IN NS ns.signed", "signed 3600 IN A 192.0.2.9",
       "signed 3600 IN DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
       "ns.signed 3600 IN A 192.0.2.3", "ns.signed 3600 IN AAAA 2001:db8::3", "unsigned 3600 IN NS ns1"});
}

}  // namespace

TEST_CASE("type_bitmap: nsec_types at the apex adds RRSIG, NSEC and DNSKEY") {
  const auto zone = typed_zone();
  const auto types = types_at(*zone, "example.test.");
  CHECK(types == std::vector<uint16_t>{rrtype::NS, rrtype::SOA, rrtype::MX, rrtype::TXT, rrtype::RRSIG,
                                       rrtype::NSEC, rrtype::DNSKEY});
  CHECK(bitmap(types) == ldns_bitmap("NS SOA MX TXT RRSIG NSEC DNSKEY"));
}

TEST_CASE("type_bitmap: nsec_types at a plain name is its types, RRSIG and NSEC") {
  const auto zone = typed_zone();
  CHECK(types_at(*zone, "www.example.test.") ==
        std::vector<uint16_t>{rrtype::A, rrtype::AAAA, rrtype::RRSIG, rrtype::NSEC});
  CHECK(bitmap(types_at(*zone, "ns1.example.test.")) == ldns_bitmap("A RRSIG NSEC"));
}

TEST_CASE("type_bitmap: nsec_types at a delegation lists NS, DS when present, RRSIG and NSEC, never glue") {
  const auto zone = typed_zone();
  CHECK(types_at(*zone, "signed.example.test.") ==
        std::vector<uint16_t>{rrtype::NS, rrtype::DS, rrtype::RRSIG, rrtype::NSEC});
  CHECK(types_at(*zone, "unsigned.example.test.") == std::vector<uint16_t>{rrtype::NS, rrtype::RRSIG, rrtype::NSEC});
  CHECK(bitmap(types_at(*zone, "signed.example.test.")) == ldns_bitmap("NS DS RRSIG NSEC"));
}

TEST_CASE("type_bitmap: a pool RRset counts only while it is served") {
  Name origin = wire("example.test.");
  ZoneBuilder builder(origin);
  dnsd::test::add_line(builder, "@ 3600 IN SOA ns1 hostmaster 1 7200 900 1209600 300", "example.test.");
  dnsd::test::add_line(builder, "web 300 IN TXT static", "example.test.");
  dnsd::test::add_line(builder, "web 300 IN AAAA 2001:db8::1", "example.test.");
  builder.add_pool_rrset(wire("web.example.test."), rrtype::A, 20, builder.add_pool(Pool{}));
  std::string error;
  const auto zone = builder.build(error);
  REQUIRE_MESSAGE(zone, error);

  const Node& web = zone->node(find(*zone, "web.example.test."));
  const uint32_t pool_rrset = web.first_rrset + uint32_t(zone->find_rrset(web, rrtype::A) - zone->rrsets(web).data());
  std::vector<uint32_t> asked;
  auto served = [&](bool answer) {
    return std::function<bool(uint32_t)>([&asked, answer](uint32_t rrset) {
      asked.push_back(rrset);
      return answer;
    });
  };
  CHECK(types_at(*zone, "web.example.test.", served(false)) ==
        std::vector<uint16_t>{rrtype::TXT, rrtype::AAAA, rrtype::RRSIG, rrtype::NSEC});
  CHECK(asked == std::vector<uint32_t>{pool_rrset});
  CHECK(pool_rrset == web.first_rrset);  // A sorts first among web's RRsets
  CHECK(zone->rrsets(web)[0].pool != kNone);
  asked.clear();
  CHECK(types_at(*zone, "web.example.test.", served(true)) ==
        std::vector<uint16_t>{rrtype::A, rrtype::TXT, rrtype::AAAA, rrtype::RRSIG, rrtype::NSEC});
  CHECK(asked == std::vector<uint32_t>{pool_rrset});
}
