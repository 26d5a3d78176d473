// sign_zone over a zone with every kind of name: which RRsets it signs (none
// for pools, the SOA, delegation NS and glue; DS at a cut yes), that ldns
// accepts every signature, the NSEC chain's next names and type bitmaps, and
// that several threads make exactly what one makes.
#include <doctest.h>

#include <algorithm>
#include <set>

#include "dnsd/dnssec/zone_signer.h"
#include "tests/unit/dnsd/dnssec/signing_fixture.h"

using namespace dnsd;
using namespace dnsd::dnssec;
namespace rr = zones::rrtype;

namespace {

const std::string kZone = R"({"origin": "example.test.", "ttl": 300,
  "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1, "minimum": 60},
  "dnssec": {"algorithm": "ed25519"},
  "pools": {"web": {"members": ["192.0.2.1", "192.0.2.2", "192.0.2.3"], "max_answers": 2}},
  "records": {
    "@": {"NS": ["ns1", "ns2.elsewhere.test."], "MX": "10 mail"},
    "ns1": {"A": "192.0.2.53"},
    "mail": {"A": "192.0.2.25", "AAAA": "2001:db8::25"},
    "www": {"A": {"pool": "web"}, "TXT": "web"},
    "alias": {"CNAME": "www"},
    "*.wild": {"A": "192.0.2.99", "TXT": "wild"},
    "deep.a.b": {"TXT": "deep"},
    "sub": {"NS": "ns.sub", "DS": "31589 13 2 DAF37A89A7BD3EF145762B6FEEF1D4F703DFE90D34A7C6642CDC97284E1DC782"},
    "ns.sub": {"A": "192.0.2.54"},
    "insecure": {"NS": ["ns.insecure", "ns.elsewhere.test."]},
    "ns.insecure": {"A": "192.0.2.55", "AAAA": "2001:db8::55"}
  }})";

struct Signed {
  std::shared_ptr<const zones::Zone> zone = test::load_json_zone(kZone);
  std::shared_ptr<const SigningKey> key = test::make_signing_key();
  std::shared_ptr<const SigningSetup> setup = test::setup_with(key);
  std::shared_ptr<const ZoneSignatures> sigs;
  Signed() {
    std::string error;
    sigs = sign_zone(*zone, *setup, 1, error);
    REQUIRE_MESSAGE(sigs, error);
  }
  std::span<const uint8_t> apex() const { return test::node_wire(*zone, zone->apex()); }
};

/// "owner TYPE" of every RRset the zone signed, and checks each signature with ldns.
std::set<std::string> signed_rrsets(const Signed& s) {
  std::set<std::string> out;
  const zones::Zone& zone = *s.zone;
  for (uint32_t n = 0; n < zone.node_count(); ++n) {
    const zones::Node& node = zone.node(n);
    const auto owner = test::node_wire(zone, n);
    for (uint32_t j = 0; j < node.rrset_count; ++j) {
      const zones::RRset& set = zone.rrsets(node)[j];
      const SigList list = s.sigs->rrset(node.first_rrset + j);
      if (list.empty()) continue;
      const std::string what = zones::name_to_text(owner.data(), owner.size()) + " " + std::to_string(set.type);
      CAPTURE(what);
      out.insert(what);
      CHECK(list.size() == 1);
      CHECK(test::check_sigs(list, owner, set.type, set.ttl, test::rrset_rdatas(zone, set), *s.key, s.apex()) == 1);
      SigList again = list;
      std::span<const uint8_t> rdata;
      REQUIRE(again.next(rdata));
      CHECK(test::rrsig_type_covered(rdata) == set.type);
      CHECK((rdata[16] << 8 | rdata[17]) == s.key->key_tag());
    }
  }
  return out;
}

std::string t(uint16_t type) { return std::to_string(type); }

}  // namespace

TEST_CASE("zone signer: static authoritative RRsets and DS are signed; pools, SOA, delegation NS and glue are not") {
  Signed s;
  CHECK(s.sigs->key_tag() == s.key->key_tag());
  CHECK(s.sigs->window() == test::kSigningWindow);
  const std::set<std::string> expected = {
      "example.test. " + t(rr::NS),     "example.test. " + t(rr::MX),    "ns1.example.test. " + t(rr::A),
      "mail.example.test. " + t(rr::A), "mail.example.test. " + t(rr::AAAA), "www.example.test. " + t(rr::TXT),
      "alias.example.test. " + t(rr::CNAME), "*.wild.example.test. " + t(rr::A),
      "*.wild.example.test. " + t(rr::TXT), "deep.a.b.example.test. " + t(rr::TXT),
      "sub.example.test. " + t(rr::DS),
  };
  CHECK(signed_rrsets(s) == expected);
  // One signature per signed RRset, plus one per NSEC.
  CHECK(s.sigs->signatures() == expected.size() + s.sigs->chain().size());

  // signed_statically agrees with what was signed.
  const zones::Zone& zone = *s.zone;
  for (uint32_t n = 0; n < zone.node_count(); ++n)
    for (const zones::RRset& set : zone.rrsets(zone.node(n)))
      CHECK(signed_statically(zone, zone.node(n), set) == !s.sigs->rrset(zone.rrset_index(set)).empty());

  // A wildcard's signature counts the labels without the "*" (RFC 4034 3.1.3).
  const uint32_t wild = test::node_named(zone, "*.wild.example.test.");
  std::span<const uint8_t> rdata;
  SigList list = s.sigs->rrset(zone.rrset_index(*zone.find_rrset(zone.node(wild), rr::A)));
  REQUIRE(list.next(rdata));
  CHECK(test::rrsig_labels(rdata) == 3);
}

TEST_CASE("zone signer: the NSEC chain links every authoritative name in canonical order with its types") {
  Signed s;
  const zones::Zone& zone = *s.zone;
  // Canonical order (RFC 4034 6.1); empty non-terminals (a.b, b) and glue are not in it.
  const std::vector<std::pair<std::string, std::string>> chain = {
      {"example.test.", "alias.example.test. NS SOA MX RRSIG NSEC DNSKEY"},
      {"alias.example.test.", "deep.a.b.example.test. CNAME RRSIG NSEC"},
      {"deep.a.b.example.test.", "insecure.example.test. TXT RRSIG NSEC"},
      {"insecure.example.test.", "mail.example.test. NS RRSIG NSEC"},
      {"mail.example.test.", "ns1.example.test. A AAAA RRSIG NSEC"},
      {"ns1.example.test.", "sub.example.test. A RRSIG NSEC"},
      {"sub.example.test.", "*.wild.example.test. NS DS RRSIG NSEC"},
      {"*.wild.example.test.", "www.example.test. A TXT RRSIG NSEC"},
      {"www.example.test.", "example.test. A TXT RRSIG NSEC"},  // the pool counts as present
  };
  REQUIRE(s.sigs->chain().size() == chain.size());
  for (size_t i = 0; i < chain.size(); ++i) {
    const auto& [owner, text] = chain[i];
    CAPTURE(owner);
    const uint32_t n = test::node_named(zone, owner);
    CHECK(s.sigs->chain().node_at(i) == n);
    const NsecView nsec = s.sigs->nsec(n);
    REQUIRE(nsec.found());
    const auto wire = test::node_wire(zone, n);
    CHECK(test::nsec_text(wire, nsec.rdata) == text);
    CHECK(nsec.sigs.size() == 1);
    CHECK(test::check_sigs(nsec.sigs, wire, rr::NSEC, zone.negative_ttl(), {nsec.rdata}, *s.key, s.apex()) == 1);
  }
  for (const char* none : {"a.b.example.test.", "b.example.test.", "ns.sub.example.test.", "ns.insecure.example.test."})
    CHECK_FALSE(s.sigs->nsec(test::node_named(zone, none)).found());

  // make_nsec_rdata with the pool served empty leaves its type out.
  const uint32_t www = test::node_named(zone, "www.example.test.");
  std::vector<uint8_t> rdata;
  make_nsec_rdata(zone, s.sigs->chain(), www, [](uint32_t) { return false; }, rdata);
  CHECK(test::nsec_text(test::node_wire(zone, www), rdata) == "example.test. TXT RRSIG NSEC");
  make_nsec_rdata(zone, s.sigs->chain(), www, [](uint32_t) { return true; }, rdata);
  const NsecView served = s.sigs->nsec(www);
  CHECK(std::vector<uint8_t>(served.rdata.begin(), served.rdata.end()) == rdata);
}

TEST_CASE("zone signer: no key is an error, not a crash") {
  const auto zone = test::load_json_zone(kZone);
  SigningSetup setup;
  std::string error;
  CHECK(sign_zone(*zone, setup, 2, error) == nullptr);
  CHECK(error == "no key to sign the zone with");
}

TEST_CASE("zone signer: four threads make the same signatures as one, byte for byte") {
  // sign_zone uses a thread per 2000 chain names, so four need 8000.
  std::string text = R"({"origin": "example.test.", "ttl": 300,
    "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1, "minimum": 60},
    "pools": {"web": {"members": ["192.0.2.1", "192.0.2.2"]}},
    "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"}, "www": {"A": {"pool": "web"}},
                "sub": {"NS": "ns.sub"}, "ns.sub": {"A": "192.0.2.54"}, "*.wild": {"TXT": "w"})";
  for (int i = 0; i < 8200; ++i)
    text += ", \"h" + std::to_string(i) + (i % 7 == 0 ? ".deep" : "") + "\": {\"A\": \"198.51." +
            std::to_string(i / 256 % 256) + "." + std::to_string(i % 256) + "\"}";
  text += "}}";
  const auto zone = test::load_json_zone(text);
  const auto key = test::make_signing_key();
  const auto setup = test::setup_with(key);
  std::string error;
  const auto one = sign_zone(*zone, *setup, 1, error);
  REQUIRE_MESSAGE(one, error);
  const auto four = sign_zone(*zone, *setup, 4, error);
  REQUIRE_MESSAGE(four, error);
  REQUIRE(one->chain().size() >= 8000);
  CHECK(one->signatures() == four->signatures());
  CHECK(one->signatures() == 8200 + 2 /* @ NS, ns1 A */ + 1 /* *.wild TXT */ + one->chain().size());

  const auto bytes = [](SigList list) {
    std::vector<uint8_t> out;
    std::span<const uint8_t> rdata;
    while (list.next(rdata)) out.insert(out.end(), rdata.begin(), rdata.end());
    return out;
  };
  size_t differ = 0, covered = 0;
  for (uint32_t g = 0; g < zone->rrset_count(); ++g) {
    differ += bytes(one->rrset(g)) != bytes(four->rrset(g));
    covered += !one->rrset(g).empty();
  }
  for (uint32_t n = 0; n < zone->node_count(); ++n) {
    const NsecView a = one->nsec(n), b = four->nsec(n);
    differ += a.found() != b.found();
    differ += !std::equal(a.rdata.begin(), a.rdata.end(), b.rdata.begin(), b.rdata.end());
    differ += bytes(a.sigs) != bytes(b.sigs);
  }
  CHECK(covered == 8200 + 3);
  CHECK(differ == 0);

  // Spot-check signatures made on other threads than the caller's.
  const std::span<const uint8_t> apex(zone->origin(), zone->origin_length());
  for (const size_t position : {size_t(1), one->chain().size() / 3, one->chain().size() * 2 / 3, one->chain().size() - 1}) {
    const uint32_t n = four->chain().node_at(position);
    const auto owner = test::node_wire(*zone, n);
    const NsecView nsec = four->nsec(n);
    CHECK(test::check_sigs(nsec.sigs, owner, rr::NSEC, zone->negative_ttl(), {nsec.rdata}, *key, apex) == 1);
    for (const zones::RRset& set : zone->rrsets(zone->node(n)))
      if (signed_statically(*zone, zone->node(n), set))
        CHECK(test::check_sigs(four->rrset(zone->rrset_index(set)), owner, set.type, set.ttl,
                               test::rrset_rdatas(*zone, set), *key, apex) == 1);
  }
}
