// DS records: the RFC test vectors, and the digest ldns computes for the same
// DNSKEY, in rdata and in the presentation line dnssec-dsfromkey prints.
#include <doctest.h>

#include <cctype>
#include <cstdlib>
#include <string>
#include <vector>

#include "dnsd/dnssec/ds_record.h"
#include "dnsd/dnssec/signing_key.h"
#include "tests/unit/dnsd/dnssec/ldns_records.h"

using namespace dnsd::dnssec;
using dnsd::test::ldns_rdata_wire;
using dnsd::test::ldns_rr_from_text;
using dnsd::test::wire_name;

TEST_CASE("ds record: the examples of RFC 6605 6.1 and RFC 8080 6.1") {
  struct Vector {
    const char* owner;
    const char* dnskey;
    const char* ds;
  };
  const Vector vectors[] = {
      {"example.net.",
       "example.net. 3600 IN DNSKEY 257 3 13 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+"
       "Wi9xMWyQLc8NAA==",
       "example.net. 3600 IN DS 55648 13 2 B4C8C1FE2E7477127B27115656AD6256F424625BF5C1E2770CE6D6E37DF61D17"},
      {"example.com.", "example.com. 3600 IN DNSKEY 257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=",
       "example.com. 3600 IN DS 3613 15 2 3AA5AB37EFCE57F737FC1627013FEE07BDF241BD10F3B1964AB55C78E79A304B"},
  };
  for (const Vector& v : vectors) {
    CAPTURE(v.owner);
    const auto rdata = ldns_rdata_wire(ldns_rr_from_text(v.dnskey).get());
    const auto owner = wire_name(v.owner);
    CHECK(ds_text(owner.data(), owner.size(), rdata, 3600) == v.ds);
    // The owner's case does not change the digest, and is printed lowercased.
    std::string upper = v.owner;
    for (char& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
    const auto upper_owner = wire_name(upper);
    CHECK(ds_text(upper_owner.data(), upper_owner.size(), rdata, 3600) == v.ds);
  }
}

TEST_CASE("ds record: rdata and text equal what ldns_key_rr2ds gives for fresh keys") {
  for (const Algorithm algorithm : {Algorithm::EcdsaP256Sha256, Algorithm::Ed25519}) {
    for (int i = 0; i < 4; ++i) {
      std::string error;
      const auto key = SigningKey::generate(algorithm, kCskFlags, error);
      REQUIRE(key);
      const auto owner = wire_name("Zone.Example.TEST.");
      const auto dnskey = dnsd::test::ldns_rr_from_wire(owner, LDNS_RR_TYPE_DNSKEY, 86400, key->dnskey_rdata());
      ldns_rr* ds = ldns_key_rr2ds(dnskey.get(), LDNS_SHA256);
      REQUIRE(ds);
      const auto expected = ldns_rdata_wire(ds);
      const auto ours = ds_rdata(owner.data(), owner.size(), key->dnskey_rdata());
      CHECK(ours == expected);
      CHECK(ours.size() == 36);
      CHECK((ours[0] << 8 | ours[1]) == key->key_tag());

      // ldns prints "owner<TAB>ttl<TAB>IN<TAB>DS<TAB>tag alg 2 hex\n" in lowercase hex.
      char* printed = ldns_rr2str(ds);
      std::string line = printed;
      std::free(printed);
      for (char& c : line) c = c == '\t' ? ' ' : char(std::toupper(static_cast<unsigned char>(c)));
      line.pop_back();  // the newline
      const std::string text = ds_text(owner.data(), owner.size(), key->dnskey_rdata(), 86400);
      CHECK(text.substr(0, 19) == "zone.example.test. ");
      std::string upper_text = text;
      for (char& c : upper_text) c = char(std::toupper(static_cast<unsigned char>(c)));
      CHECK(upper_text == line);
      ldns_rr_free(ds);
    }
  }
}

TEST_CASE("ds record: a DNSKEY rdata too short to have an algorithm gives nothing") {
  const auto owner = wire_name("example.test.");
  const std::vector<uint8_t> short_rdata = {1, 1, 3};
  CHECK(ds_rdata(owner.data(), owner.size(), short_rdata).empty());
  CHECK(ds_text(owner.data(), owner.size(), short_rdata, 3600).empty());
}
