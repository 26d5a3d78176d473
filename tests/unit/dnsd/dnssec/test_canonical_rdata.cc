// Canonical rdata: names lowercased exactly where ldns_rr2canonical lowercases
// them, everything else kept, and rdata that does not parse refused.
#include <doctest.h>

#include <string>
#include <vector>

#include "dnsd/dnssec/canonical_rdata.h"
#include "tests/unit/dnsd/dnssec/ldns_records.h"

using dnsd::dnssec::canonical_rdata;

namespace {

/// Our canonical form of a record's rdata, and the one ldns gives.
struct Forms {
  std::vector<uint8_t> original, ours, ldns;
};

Forms forms(const std::string& line) {
  auto rr = dnsd::test::ldns_rr_from_text(line);
  Forms f;
  f.original = dnsd::test::ldns_rdata_wire(rr.get());
  REQUIRE(canonical_rdata(ldns_rr_get_type(rr.get()), f.original.data(), f.original.size(), f.ours));
  ldns_rr2canonical(rr.get());
  f.ldns = dnsd::test::ldns_rdata_wire(rr.get());
  return f;
}

}  // namespace

TEST_CASE("canonical rdata: names are lowercased for every type RFC 4034 6.2 lists, as ldns does") {
  const char* lines[] = {
      "x.test. 300 IN NS Ns1.EXAMPLE.Test.",
      "x.test. 300 IN MD Mail.Example.TEST.",
      "x.test. 300 IN MF Mail.Example.TEST.",
      "x.test. 300 IN CNAME Target.Example.TEST.",
      "x.test. 300 IN SOA Ns1.Example.TEST. HostMaster.Example.TEST. 2026120101 3600 600 86400 60",
      "x.test. 300 IN MB Mailbox.Example.TEST.",
      "x.test. 300 IN MG Group.Example.TEST.",
      "x.test. 300 IN MR Rename.Example.TEST.",
      "x.test. 300 IN PTR Host.Example.TEST.",
      "x.test. 300 IN MINFO RMail.Example.TEST. EMail.Example.TEST.",
      "x.test. 300 IN MX 10 Mail.Example.TEST.",
      "x.test. 300 IN RP Mbox.Example.TEST. Text.Example.TEST.",
      "x.test. 300 IN AFSDB 1 Afs.Example.TEST.",
      "x.test. 300 IN RT 10 Relay.Example.TEST.",
      "x.test. 300 IN PX 10 Map822.Example.TEST. MapX400.Example.TEST.",
      "x.test. 300 IN KX 10 Kx.Example.TEST.",
      "x.test. 300 IN SRV 0 5 5060 Sip.Example.TEST.",
      "x.test. 300 IN NAPTR 100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:Info@Example.TEST!\" Next.Example.TEST.",
      "x.test. 300 IN DNAME Target.Example.TEST.",
      "x.test. 300 IN SIG A 13 2 300 20261231000000 20261201000000 12345 Signer.EXAMPLE.Test. "
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==",
      "x.test. 300 IN RRSIG A 13 2 300 20261231000000 20261201000000 12345 Signer.EXAMPLE.Test. "
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==",
  };
  for (const char* line : lines) {
    CAPTURE(line);
    const Forms f = forms(line);
    CHECK(f.ours != f.original);  // there was something to lowercase
    CHECK(f.ours == f.ldns);
    CHECK(f.ours.size() == f.original.size());
  }
}

TEST_CASE("canonical rdata: NSEC, HINFO and name-free types are kept as they are, as ldns keeps them") {
  const char* lines[] = {
      "x.test. 300 IN NSEC Next.Example.TEST. A MX RRSIG NSEC",
      "x.test. 300 IN HINFO \"Intel-X86\" \"Linux\"",
      "x.test. 300 IN TXT \"Hello World\"",
      "x.test. 300 IN CAA 0 issue \"Letsencrypt.ORG\"",
      "x.test. 300 IN A 192.0.2.1",
      "x.test. 300 IN AAAA 2001:db8::1",
  };
  for (const char* line : lines) {
    CAPTURE(line);
    const Forms f = forms(line);
    CHECK(f.ours == f.original);
    CHECK(f.ours == f.ldns);
  }
  // A6 is copied as it is, prefix name included.
  const std::vector<uint8_t> a6 = {120, 0x01, 1, 'P', 0};  // prefix 120, one address byte, "P."
  std::vector<uint8_t> out;
  REQUIRE(canonical_rdata(38, a6.data(), a6.size(), out));
  CHECK(out == a6);
}

TEST_CASE("canonical rdata: appends to what is in the buffer, and leaves it alone on failure") {
  std::vector<uint8_t> out = {0xAA};
  const auto mx = dnsd::test::wire_name("Mail.Example.");
  std::vector<uint8_t> rdata = {0, 10};
  rdata.insert(rdata.end(), mx.begin(), mx.end());
  REQUIRE(canonical_rdata(15, rdata.data(), rdata.size(), out));
  std::vector<uint8_t> expected = {0xAA, 0, 10};
  const auto lower = dnsd::test::wire_name("mail.example.");
  expected.insert(expected.end(), lower.begin(), lower.end());
  CHECK(out == expected);

  const std::vector<uint8_t> before = out;
  rdata.push_back(0);  // a byte after the name
  CHECK_FALSE(canonical_rdata(15, rdata.data(), rdata.size(), out));
  CHECK(out == before);
}

TEST_CASE("canonical rdata: rdata that does not parse for its type is refused") {
  struct Case {
    const char* what;
    uint16_t type;
    std::vector<uint8_t> rdata;
  };
  std::vector<uint8_t> long_name;
  for (int i = 0; i < 5; ++i) {
    long_name.push_back(63);
    long_name.insert(long_name.end(), 63, 'a');
  }
  long_name.push_back(0);  // 321 bytes
  const std::vector<Case> cases = {
      {"empty NS", 2, {}},
      {"NS without its root label", 2, {3, 'f', 'o', 'o'}},
      {"NS label past the end", 2, {5, 'f', 'o', 'o', 0}},
      {"NS compression pointer", 2, {0xC0, 0x0C}},
      {"NS extended label", 2, {0x41, 0}},
      {"NS name over 255 bytes", 2, long_name},
      {"NS with a byte after the name", 2, {0, 0}},
      {"MX too short", 15, {0}},
      {"SOA without its numbers", 6, {0, 0, 0, 0, 0, 1}},
      {"SOA with a byte too many", 6, std::vector<uint8_t>(23, 0)},
      {"SRV too short", 33, {0, 0, 0, 0, 0}},
      {"NAPTR string past the end", 35, {0, 1, 0, 2, 5, 'U'}},
      {"NAPTR without its replacement", 35, {0, 1, 0, 2, 0, 0, 0}},
      {"RRSIG shorter than its fixed part", 46, std::vector<uint8_t>(17, 0)},
      {"RRSIG without a signer name end", 46, std::vector<uint8_t>(18, 0x3f)},
      {"PX with one name", 26, {0, 1, 0}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    std::vector<uint8_t> out;
    CHECK_FALSE(canonical_rdata(c.type, c.rdata.data(), c.rdata.size(), out));
    CHECK(out.empty());
  }
  // The edges that do parse: the root as a name, an RRSIG with no signature
  // bytes, NAPTR with empty strings.
  std::vector<uint8_t> out;
  CHECK(canonical_rdata(2, std::vector<uint8_t>{0}.data(), 1, out));
  CHECK(canonical_rdata(46, std::vector<uint8_t>(19, 0).data(), 19, out));
  CHECK(canonical_rdata(35, std::vector<uint8_t>{0, 1, 0, 2, 0, 0, 0, 0}.data(), 8, out));
}
