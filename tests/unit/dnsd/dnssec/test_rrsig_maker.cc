// RRSIGs made by RrsigMaker verify with ldns against the key's DNSKEY, carry
// the fields RFC 4034 3.1 asks for, and stop verifying when tampered with.
#include <doctest.h>

#include <string>
#include <vector>

#include "dnsd/dnssec/rrsig_maker.h"
#include "tests/unit/dnsd/dnssec/ldns_records.h"

using namespace dnsd::dnssec;
using dnsd::test::ldns_rr_from_text;
using dnsd::test::ldns_rr_from_wire;
using dnsd::test::wire_name;

namespace {

const Algorithm kAlgorithms[] = {Algorithm::EcdsaP256Sha256, Algorithm::Ed25519};
constexpr SignatureWindow kWindow = {1764547200, 1767225600};  // 2025-12-01 to 2026-01-01
constexpr time_t kDuringWindow = 1765000000;

/// An RRset as ldns holds it: records read from presentation lines.
struct LdnsRrset {
  ldns_rr_list* list = ldns_rr_list_new();
  explicit LdnsRrset(const std::vector<std::string>& lines) {
    for (const auto& line : lines) ldns_rr_list_push_rr(list, ldns_rr_from_text(line).release());
  }
  ~LdnsRrset() { ldns_rr_list_deep_free(list); }
  /// Rdata of each record in wire form, as dnsd would hold it.
  std::vector<std::vector<uint8_t>> rdatas() const {
    std::vector<std::vector<uint8_t>> out;
    for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i)
      out.push_back(dnsd::test::ldns_rdata_wire(ldns_rr_list_rr(list, i)));
    return out;
  }
};

std::vector<RdataView> views(const std::vector<std::vector<uint8_t>>& rdatas) {
  std::vector<RdataView> out;
  for (const auto& r : rdatas) out.push_back({r.data(), uint16_t(r.size())});
  return out;
}

uint32_t read32(const std::vector<uint8_t>& b, size_t at) {
  return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | b[at + 3];
}

/// Whether ldns accepts `rrsig` (rdata) over `rrset` with the key's DNSKEY at `now`.
ldns_status ldns_verdict(const std::vector<uint8_t>& owner, const std::vector<uint8_t>& rrsig, uint32_t ttl,
                         LdnsRrset& rrset, const SigningKey& key, time_t now = kDuringWindow) {
  const auto sig_rr = ldns_rr_from_wire(owner, LDNS_RR_TYPE_RRSIG, ttl, rrsig);
  const auto apex = wire_name("example.test.");
  const auto dnskey = ldns_rr_from_wire(apex, LDNS_RR_TYPE_DNSKEY, 3600, key.dnskey_rdata());
  return ldns_verify_rrsig_time(rrset.list, sig_rr.get(), dnskey.get(), now);
}

std::shared_ptr<const SigningKey> make_key(Algorithm algorithm) {
  std::string error;
  auto key = SigningKey::generate(algorithm, kCskFlags, error);
  REQUIRE_MESSAGE(key, error);
  return key;
}

}  // namespace

TEST_CASE("rrsig maker: an A RRset given out of order with a duplicate verifies with ldns") {
  for (const Algorithm algorithm : kAlgorithms) {
    const std::string name = algorithm_name(algorithm);
    CAPTURE(name);
    const auto key = make_key(algorithm);
    const auto signer = wire_name("Example.TEST.");
    RrsigMaker maker(key, signer.data(), signer.size(), kWindow);
    CHECK(maker.rrsig_size() == 18 + 14 + 64);
    CHECK(maker.window() == kWindow);
    CHECK(&maker.key() == key.get());

    LdnsRrset rrset({"www.example.test. 300 IN A 192.0.2.1", "www.example.test. 300 IN A 192.0.2.2",
                     "www.example.test. 300 IN A 192.0.2.3"});
    auto rdatas = rrset.rdatas();
    const std::vector<std::vector<uint8_t>> shuffled = {rdatas[2], rdatas[0], rdatas[1], rdatas[0]};
    const auto owner = wire_name("www.example.test.");
    std::vector<uint8_t> out = {0xEE};  // sign appends
    std::string error;
    REQUIRE_MESSAGE(maker.sign(owner.data(), owner.size(), LDNS_RR_TYPE_A, 300, views(shuffled), out, error), error);
    REQUIRE(out.size() == 1 + maker.rrsig_size());
    CHECK(out[0] == 0xEE);
    const std::vector<uint8_t> rrsig(out.begin() + 1, out.end());

    // RFC 4034 3.1: the fields, and the signer name lowercased.
    CHECK(rrsig[0] == 0);
    CHECK(rrsig[1] == 1);  // type covered A
    CHECK(rrsig[2] == uint8_t(algorithm));
    CHECK(rrsig[3] == 3);  // labels
    CHECK(read32(rrsig, 4) == 300);
    CHECK(read32(rrsig, 8) == kWindow.expiration);
    CHECK(read32(rrsig, 12) == kWindow.inception);
    CHECK((rrsig[16] << 8 | rrsig[17]) == key->key_tag());
    CHECK(std::vector<uint8_t>(rrsig.begin() + 18, rrsig.begin() + 32) == wire_name("example.test."));

    CHECK(ldns_verdict(owner, rrsig, 300, rrset, *key) == LDNS_STATUS_OK);
    // Outside the window ldns refuses it: inception and expiration are where they belong.
    CHECK(ldns_verdict(owner, rrsig, 300, rrset, *key, kWindow.inception - 10) != LDNS_STATUS_OK);
    CHECK(ldns_verdict(owner, rrsig, 300, rrset, *key, kWindow.expiration + 10) != LDNS_STATUS_OK);
    // A flipped signature bit fails.
    auto tampered = rrsig;
    tampered[tampered.size() - 5] ^= 0x10;
    CHECK(ldns_verdict(owner, tampered, 300, rrset, *key) != LDNS_STATUS_OK);
    // So does an RRset it was not made over.
    LdnsRrset other({"www.example.test. 300 IN A 192.0.2.1", "www.example.test. 300 IN A 192.0.2.2",
                     "www.example.test. 300 IN A 192.0.2.4"});
    CHECK(ldns_verdict(owner, rrsig, 300, other, *key) != LDNS_STATUS_OK);
    // And another key's DNSKEY.
    CHECK(ldns_verdict(owner, rrsig, 300, rrset, *make_key(algorithm)) != LDNS_STATUS_OK);
  }
}

TEST_CASE("rrsig maker: mixed-case owners and rdata names, a wildcard and NSEC verify with ldns") {
  for (const Algorithm algorithm : kAlgorithms) {
    const std::string name = algorithm_name(algorithm);
    CAPTURE(name);
    const auto key = make_key(algorithm);
    const auto signer = wire_name("example.test.");
    RrsigMaker maker(key, signer.data(), signer.size(), kWindow);
    struct Case {
      const char* owner;
      uint16_t type;
      uint8_t labels;
      std::vector<std::string> lines;
    };
    const std::vector<Case> cases = {
        {"Example.TEST.", LDNS_RR_TYPE_MX, 2,
         {"Example.TEST. 3600 IN MX 10 Mail.Example.TEST.", "Example.TEST. 3600 IN MX 20 mx2.EXAMPLE.test."}},
        {"*.example.test.", LDNS_RR_TYPE_A, 2, {"*.example.test. 60 IN A 192.0.2.7", "*.example.test. 60 IN A 192.0.2.8"}},
        {"*.Sub.example.test.", LDNS_RR_TYPE_TXT, 3, {"*.Sub.example.test. 60 IN TXT \"Case Kept\""}},
        {"example.test.", LDNS_RR_TYPE_SOA, 2,
         {"example.test. 3600 IN SOA Ns1.Example.TEST. HostMaster.Example.TEST. 1 3600 600 86400 60"}},
        {"example.test.", LDNS_RR_TYPE_NSEC, 2, {"example.test. 60 IN NSEC Www.Example.TEST. NS SOA MX RRSIG NSEC"}},
        {"Alias.example.test.", LDNS_RR_TYPE_CNAME, 3, {"Alias.example.test. 300 IN CNAME Target.ELSEWHERE.test."}},
        {"_sip._udp.example.test.", LDNS_RR_TYPE_SRV, 4,
         {"_sip._udp.example.test. 300 IN SRV 0 5 5060 Sip.Example.TEST.",
          "_sip._udp.example.test. 300 IN SRV 1 5 5060 Backup.Example.TEST."}},
    };
    for (const Case& c : cases) {
      CAPTURE(c.owner);
      LdnsRrset rrset(c.lines);
      const auto rdatas = rrset.rdatas();
      const uint32_t ttl = ldns_rr_ttl(ldns_rr_list_rr(rrset.list, 0));
      const auto owner = wire_name(c.owner);
      std::vector<uint8_t> rrsig;
      std::string error;
      REQUIRE_MESSAGE(maker.sign(owner.data(), owner.size(), c.type, ttl, views(rdatas), rrsig, error), error);
      CHECK(rrsig[3] == c.labels);
      CHECK(read32(rrsig, 4) == ttl);
      CHECK(ldns_verdict(owner, rrsig, ttl, rrset, *key) == LDNS_STATUS_OK);
    }
  }
}

TEST_CASE("rrsig maker: the order records come in changes nothing (Ed25519 signs deterministically)") {
  const auto key = make_key(Algorithm::Ed25519);
  const auto signer = wire_name("example.test.");
  RrsigMaker maker(key, signer.data(), signer.size(), kWindow);
  LdnsRrset rrset({"example.test. 300 IN NS b.Example.test.", "example.test. 300 IN NS A.example.test.",
                   "example.test. 300 IN NS c.example.test.", "example.test. 300 IN NS a.example.TEST."});
  const auto rdatas = rrset.rdatas();
  const auto owner = wire_name("example.test.");
  std::vector<uint8_t> one, two, three;
  std::string error;
  REQUIRE(maker.sign(owner.data(), owner.size(), LDNS_RR_TYPE_NS, 300, views(rdatas), one, error));
  const std::vector<std::vector<uint8_t>> reversed(rdatas.rbegin(), rdatas.rend());
  REQUIRE(maker.sign(owner.data(), owner.size(), LDNS_RR_TYPE_NS, 300, views(reversed), two, error));
  CHECK(one == two);
  // "A.example.test." and "a.example.TEST." are one record once canonical.
  const std::vector<std::vector<uint8_t>> three_records = {rdatas[0], rdatas[1], rdatas[2]};
  REQUIRE(maker.sign(owner.data(), owner.size(), LDNS_RR_TYPE_NS, 300, views(three_records), three, error));
  CHECK(one == three);
  LdnsRrset canonical_set(
      {"example.test. 300 IN NS b.example.test.", "example.test. 300 IN NS a.example.test.",
       "example.test. 300 IN NS c.example.test."});
  CHECK(ldns_verdict(owner, one, 300, canonical_set, *key) == LDNS_STATUS_OK);
}

TEST_CASE("rrsig maker: an empty RRset, bad rdata and a bad owner are refused, leaving the output alone") {
  const auto key = make_key(Algorithm::EcdsaP256Sha256);
  const auto signer = wire_name("example.test.");
  RrsigMaker maker(key, signer.data(), signer.size(), kWindow);
  const auto owner = wire_name("www.example.test.");
  std::vector<uint8_t> out = {1, 2, 3};
  std::string error;
  CHECK_FALSE(maker.sign(owner.data(), owner.size(), LDNS_RR_TYPE_A, 300, {}, out, error));
  CHECK(error == "www.example.test. A: an empty RRset has no signature");
  const std::vector<std::vector<uint8_t>> bad_mx = {{0, 10, 3, 'm', 'x'}};
  CHECK_FALSE(maker.sign(owner.data(), owner.size(), LDNS_RR_TYPE_MX, 300, views(bad_mx), out, error));
  CHECK(error == "www.example.test. MX: a record's rdata does not parse");
  const std::vector<std::vector<uint8_t>> a = {{192, 0, 2, 1}};
  const std::vector<uint8_t> bad_owner = {3, 'w', 'w', 'w'};
  CHECK_FALSE(maker.sign(bad_owner.data(), bad_owner.size(), LDNS_RR_TYPE_A, 300, views(a), out, error));
  CHECK(error == "an RRset's owner is not a valid uncompressed name");
  CHECK(out == std::vector<uint8_t>{1, 2, 3});
  // The maker still works afterwards.
  CHECK(maker.sign(owner.data(), owner.size(), LDNS_RR_TYPE_A, 300, views(a), out, error));
  CHECK(out.size() == 3 + maker.rrsig_size());
}
