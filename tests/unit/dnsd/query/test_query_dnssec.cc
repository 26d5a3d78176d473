// process_query fed bytes with DO=1 against a zone the versioner signed (a
// fixed Ed25519 key through a test SigningSource): NSEC proofs of NXDOMAIN,
// NODATA, empty non-terminals and wildcards, referrals to secure and
// insecure children, DNSKEY, signed pool answers over many rotations, DO=0
// answers byte-identical to an unsigned zone's, and truncation that never
// separates an RRset from its RRSIG. Every RRSIG is checked with ldns.
#include <doctest.h>

#include <algorithm>
#include <set>

#include "dnsd/query/query.h"
#include "dnsd/xfr/versioner.h"
#include "tests/unit/dnsd/dnssec/signing_fixture.h"
#include "tests/unit/zone_fixture.h"

using namespace dnsd;
using test::Packet;

namespace {

const std::string kZone = R"({"origin": "example.test.", "ttl": 300,
  "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 7, "minimum": 60},
  "dnssec": {"algorithm": "ed25519"},
  "pools": {
    "web": {"ttl": 5, "max_answers": 2, "members": ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"]},
    "heavy": {"policy": "weighted", "max_answers": 1,
              "members": [{"address": "192.0.2.40", "weight": 10}, {"address": "192.0.2.41", "weight": 1},
                          {"address": "192.0.2.42", "weight": 3}]},
    "dead": {"when_all_down": "serve-none", "check": {"type": "tcp", "port": 80},
             "members": ["192.0.2.20", "192.0.2.21"]}
  },
  "records": {
    "@": {"NS": "ns1", "MX": "10 mail"},
    "ns1": {"A": "192.0.2.53"},
    "mail": {"A": "192.0.2.25"},
    "www": {"A": {"pool": "web"}},
    "heavy": {"A": {"pool": "heavy"}},
    "dead": {"A": {"pool": "dead"}, "TXT": "dead"},
    "alias": {"CNAME": "www"},
    "gone": {"CNAME": "nothing"},
    "*.pool": {"A": {"pool": "web"}},
    "*.wild": {"A": "192.0.2.99", "TXT": "wild"},
    "exists.wild": {"TXT": "here"},
    "deep.a.b": {"TXT": "deep"},
    "sub": {"NS": "ns.sub", "DS": "31589 13 2 DAF37A89A7BD3EF145762B6FEEF1D4F703DFE90D34A7C6642CDC97284E1DC782"},
    "ns.sub": {"A": "192.0.2.54"},
    "insecure": {"NS": "ns.insecure"},
    "ns.insecure": {"A": "192.0.2.55"},
    "big": {"TXT": ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"]}
  }})";

constexpr uint64_t kNowMs = uint64_t(test::kInsideSigningWindow) * 1000;

/// A query with EDNS at `udp_size`, DO as asked.
std::vector<uint8_t> query(const std::string& name, ldns_rr_type type, bool dnssec_ok = true,
                           uint16_t udp_size = 1232, bool edns = true) {
  ldns_pkt* pkt = nullptr;
  ldns_pkt_query_new_frm_str(&pkt, name.c_str(), type, LDNS_RR_CLASS_IN, 0);
  ldns_pkt_set_id(pkt, 0x4242);
  if (edns) {
    ldns_pkt_set_edns_udp_size(pkt, udp_size);
    ldns_pkt_set_edns_do(pkt, dnssec_ok);
  }
  uint8_t* wire = nullptr;
  size_t size = 0;
  ldns_pkt2wire(&wire, pkt, &size);
  std::vector<uint8_t> out(wire, wire + size);
  free(wire);
  ldns_pkt_free(pkt);
  return out;
}

/// The zone signed through the versioner, as the server publishes it, and the same zone unsigned.
struct Fixture {
  std::shared_ptr<const zones::Zone> zone = test::load_json_zone(kZone);
  std::shared_ptr<const zones::ZoneSet> set = std::make_shared<const zones::ZoneSet>(std::vector{zone});
  std::shared_ptr<health::HealthView> view = health::HealthView::unbound(*set);
  std::shared_ptr<const dnssec::SigningKey> key;
  test::FixedSigningSource source;
  std::shared_ptr<const Snapshot> snapshot, plain;
  RotationState rotation, plain_rotation;
  std::vector<uint8_t> out = std::vector<uint8_t>(kMaxMessage), plain_out = std::vector<uint8_t>(kMaxMessage);
  QueryResult last;
  test::LdnsRr dnskey;

  explicit Fixture(dnssec::Algorithm algorithm = dnssec::Algorithm::Ed25519)
      : key(test::make_signing_key(algorithm)), source(test::setup_with(key)) {
    xfr::Versioner signer("", {}, [] { return kNowMs; });
    signer.set_signing(&source);
    const xfr::Advance a = signer.advance(*set, *view, nullptr);
    REQUIRE(a.signing_errors.empty());
    snapshot = std::make_shared<const Snapshot>(set, view, 1, nullptr, a.versions);
    REQUIRE(snapshot->versions[0]->signatures);
    xfr::Versioner unsigned_versioner("", {}, [] { return kNowMs; });
    plain = std::make_shared<const Snapshot>(set, view, 1, nullptr,
                                             unsigned_versioner.advance(*set, *view, nullptr).versions);
    REQUIRE_FALSE(plain->versions[0]->signatures);
    rotation.resize(set->rotation_slots());
    plain_rotation.resize(set->rotation_slots());
    dnskey = test::ldns_rr_from_wire(std::span(zone->origin(), zone->origin_length()), LDNS_RR_TYPE_DNSKEY, 3600,
                                     key->dnskey_rdata());
  }

  Packet ask(const std::vector<uint8_t>& q, Transport t = Transport::Udp) {
    last = process_query(q, out, t, *snapshot, rotation);
    REQUIRE(last.action == QueryAction::Respond);
    auto p = test::parse_packet(out.data(), last.length);
    REQUIRE(p);
    return p;
  }
  Packet ask(const std::string& name, ldns_rr_type type) { return ask(query(name, type)); }
};

std::string owner_of(const ldns_rr* rr) {
  char* s = ldns_rdf2str(ldns_rr_owner(rr));
  std::string out(s);
  free(s);
  return out;
}

/// The records of one section with `type` (for RRSIG, those covering `covered`), in order.
std::vector<ldns_rr*> records(const ldns_rr_list* section, ldns_rr_type type,
                              ldns_rr_type covered = ldns_rr_type(0)) {
  std::vector<ldns_rr*> out;
  for (size_t i = 0; i < ldns_rr_list_rr_count(section); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(section, i);
    if (ldns_rr_get_type(rr) != type) continue;
    if (type == LDNS_RR_TYPE_RRSIG && covered != ldns_rr_type(0) &&
        ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) != covered)
      continue;
    out.push_back(rr);
  }
  return out;
}

/// "owner TYPE" of every RRset of a section that has an RRSIG there, after
/// checking each RRSIG with ldns over the RRset it covers and its TTL.
std::set<std::string> verify_section(const ldns_rr_list* section, const ldns_rr* dnskey) {
  std::set<std::string> out;
  for (ldns_rr* sig : records(section, LDNS_RR_TYPE_RRSIG)) {
    const ldns_rr_type covered = ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig));
    test::LdnsList rrset(ldns_rr_list_new());
    for (ldns_rr* rr : records(section, covered))
      if (ldns_dname_compare(ldns_rr_owner(rr), ldns_rr_owner(sig)) == 0) {
        CHECK(ldns_rr_ttl(rr) == ldns_rr_ttl(sig));
        ldns_rr_list_push_rr(rrset.get(), ldns_rr_clone(rr));
      }
    const std::string what = owner_of(sig) + " " + std::to_string(covered);
    CAPTURE(what);
    REQUIRE(ldns_rr_list_rr_count(rrset.get()) > 0);
    CHECK(ldns_verify_rrsig_time(rrset.get(), sig, const_cast<ldns_rr*>(dnskey), test::kInsideSigningWindow) == LDNS_STATUS_OK);
    out.insert(what);
  }
  return out;
}

struct Verified {
  std::set<std::string> answer, authority, additional;
};

Verified verify(const Packet& p, const ldns_rr* dnskey) {
  return {verify_section(ldns_pkt_answer(p.get()), dnskey), verify_section(ldns_pkt_authority(p.get()), dnskey),
          verify_section(ldns_pkt_additional(p.get()), dnskey)};
}

/// Owners of the NSEC records in authority, in order.
std::vector<std::string> nsec_owners(const Packet& p) {
  std::vector<std::string> out;
  for (ldns_rr* rr : records(ldns_pkt_authority(p.get()), LDNS_RR_TYPE_NSEC)) out.push_back(owner_of(rr));
  return out;
}

/// Whether some NSEC in authority covers (or matches) `name`.
bool nsec_covers(const Packet& p, const std::string& name) {
  ldns_rdf* rdf = ldns_dname_new_frm_str(name.c_str());
  bool covered = false;
  for (ldns_rr* rr : records(ldns_pkt_authority(p.get()), LDNS_RR_TYPE_NSEC))
    covered |= ldns_nsec_covers_name(rr, rdf) || ldns_dname_compare(ldns_rr_owner(rr), rdf) == 0;
  ldns_rdf_deep_free(rdf);
  return covered;
}

std::string nsec_types_of(const Packet& p, const std::string& owner) {
  for (ldns_rr* rr : records(ldns_pkt_authority(p.get()), LDNS_RR_TYPE_NSEC))
    if (owner_of(rr) == owner) {
      char* s = ldns_rdf2str(ldns_rr_rdf(rr, 1));
      std::string out(s);
      free(s);
      while (!out.empty() && out.back() == ' ') out.pop_back();
      return out;
    }
  return "(none)";
}

std::string t(uint16_t type) { return std::to_string(type); }

}  // namespace

TEST_CASE("query dnssec: NXDOMAIN carries the signed SOA, the NSEC covering the name and the one covering the wildcard") {
  Fixture f;
  auto p = f.ask("nope.example.test.", LDNS_RR_TYPE_A);
  CHECK(ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_NXDOMAIN);
  CHECK(ldns_pkt_aa(p.get()));
  CHECK_FALSE(ldns_pkt_tc(p.get()));
  const Verified v = verify(p, f.dnskey.get());
  CHECK(v.authority == std::set<std::string>{"example.test. " + t(LDNS_RR_TYPE_SOA),
                                             "mail.example.test. " + t(LDNS_RR_TYPE_NSEC),
                                             "example.test. " + t(LDNS_RR_TYPE_NSEC)});
  // mail < nope < ns1 covers the name; the apex's NSEC (apex < * < alias) the wildcard.
  CHECK(nsec_owners(p) == std::vector<std::string>{"mail.example.test.", "example.test."});
  CHECK(nsec_covers(p, "nope.example.test."));
  CHECK(nsec_covers(p, "*.example.test."));
  CHECK(records(ldns_pkt_authority(p.get()), LDNS_RR_TYPE_SOA).size() == 1);
  CHECK(ldns_rr_ttl(records(ldns_pkt_authority(p.get()), LDNS_RR_TYPE_NSEC)[0]) == 60);

  // The closest encloser an empty non-terminal: *.a.b sorts before deep.a.b, nope.a.b after it.
  auto ent = f.ask("nope.a.b.example.test.", LDNS_RR_TYPE_A);
  CHECK(ldns_pkt_get_rcode(ent.get()) == LDNS_RCODE_NXDOMAIN);
  verify(ent, f.dnskey.get());
  CHECK(nsec_owners(ent) == std::vector<std::string>{"deep.a.b.example.test.", "alias.example.test."});
  CHECK(nsec_covers(ent, "nope.a.b.example.test."));
  CHECK(nsec_covers(ent, "*.a.b.example.test."));
}

TEST_CASE("query dnssec: one NSEC when it covers both the name and the wildcard") {
  Fixture f;
  for (const std::string name : {"aaa.example.test.", "x.deep.a.b.example.test."}) {
    CAPTURE(name);
    auto p = f.ask(name, LDNS_RR_TYPE_A);
    CHECK(ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_NXDOMAIN);
    verify(p, f.dnskey.get());
    CHECK(nsec_owners(p).size() == 1);
    CHECK(nsec_covers(p, name));
    CHECK(records(ldns_pkt_authority(p.get()), LDNS_RR_TYPE_RRSIG, LDNS_RR_TYPE_NSEC).size() == 1);
  }
  // After the last name the chain wraps: www's NSEC covers it, the apex's the wildcard.
  auto last = f.ask("zzz.example.test.", LDNS_RR_TYPE_A);
  verify(last, f.dnskey.get());
  CHECK(nsec_owners(last) == std::vector<std::string>{"www.example.test.", "example.test."});
  CHECK(nsec_covers(last, "zzz.example.test."));
}

TEST_CASE("query dnssec: NODATA carries the node's NSEC; an empty non-terminal's the one that covers it") {
  Fixture f;
  auto p = f.ask("ns1.example.test.", LDNS_RR_TYPE_AAAA);
  CHECK(ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_ancount(p.get()) == 0);
  const Verified v = verify(p, f.dnskey.get());
  CHECK(v.authority == std::set<std::string>{"example.test. " + t(LDNS_RR_TYPE_SOA),
                                             "ns1.example.test. " + t(LDNS_RR_TYPE_NSEC)});
  CHECK(nsec_types_of(p, "ns1.example.test.") == "A RRSIG NSEC");

  for (const char* ent : {"a.b.example.test.", "b.example.test."}) {
    CAPTURE(ent);
    auto e = f.ask(ent, LDNS_RR_TYPE_A);
    CHECK(ldns_pkt_get_rcode(e.get()) == LDNS_RCODE_NOERROR);
    CHECK(ldns_pkt_ancount(e.get()) == 0);
    verify(e, f.dnskey.get());
    CHECK(nsec_owners(e) == std::vector<std::string>{"alias.example.test."});  // alias -> deep.a.b
    CHECK(nsec_covers(e, ent));
  }
  // DS at an insecure cut: the cut's NSEC shows NS without DS.
  auto ds = f.ask("insecure.example.test.", LDNS_RR_TYPE_DS);
  CHECK(ldns_pkt_aa(ds.get()));
  verify(ds, f.dnskey.get());
  CHECK(nsec_types_of(ds, "insecure.example.test.") == "NS RRSIG NSEC");
}

TEST_CASE("query dnssec: a wildcard answer carries the RRSIG with the wildcard's labels and the NSEC covering the name") {
  Fixture f;
  auto p = f.ask("foo.wild.example.test.", LDNS_RR_TYPE_A);
  CHECK(ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_NOERROR);
  const Verified v = verify(p, f.dnskey.get());  // ldns expands the wildcard from the labels field
  CHECK(v.answer == std::set<std::string>{"foo.wild.example.test. " + t(LDNS_RR_TYPE_A)});
  const auto sigs = records(ldns_pkt_answer(p.get()), LDNS_RR_TYPE_RRSIG);
  REQUIRE(sigs.size() == 1);
  CHECK(ldns_rdf2native_int8(ldns_rr_rrsig_labels(sigs[0])) == 3);
  CHECK(nsec_owners(p) == std::vector<std::string>{"exists.wild.example.test."});  // exists.wild < foo.wild < www
  CHECK(nsec_covers(p, "foo.wild.example.test."));
  CHECK(v.authority == std::set<std::string>{"exists.wild.example.test. " + t(LDNS_RR_TYPE_NSEC)});

  // Deeper names are synthesised from the same wildcard.
  auto deeper = f.ask("a.b.foo.wild.example.test.", LDNS_RR_TYPE_TXT);
  verify(deeper, f.dnskey.get());
  CHECK(records(ldns_pkt_answer(deeper.get()), LDNS_RR_TYPE_TXT).size() == 1);
  CHECK(nsec_covers(deeper, "a.b.foo.wild.example.test."));

  // Wildcard NODATA: the name's cover and the wildcard's own NSEC without the type.
  auto nodata = f.ask("foo.wild.example.test.", LDNS_RR_TYPE_MX);
  verify(nodata, f.dnskey.get());
  CHECK(nsec_owners(nodata) == std::vector<std::string>{"exists.wild.example.test.", "*.wild.example.test."});
  CHECK(nsec_types_of(nodata, "*.wild.example.test.") == "A TXT RRSIG NSEC");
}

TEST_CASE("query dnssec: a referral carries the DS and its RRSIG to a secure child, the cut's NSEC to an insecure one") {
  Fixture f;
  auto secure = f.ask("www.sub.example.test.", LDNS_RR_TYPE_A);
  CHECK_FALSE(ldns_pkt_aa(secure.get()));
  CHECK(ldns_pkt_ancount(secure.get()) == 0);
  const Verified s = verify(secure, f.dnskey.get());
  CHECK(s.authority == std::set<std::string>{"sub.example.test. " + t(LDNS_RR_TYPE_DS)});
  CHECK(records(ldns_pkt_authority(secure.get()), LDNS_RR_TYPE_NS).size() == 1);  // unsigned: the child's
  CHECK(records(ldns_pkt_authority(secure.get()), LDNS_RR_TYPE_DS).size() == 1);
  CHECK(nsec_owners(secure).empty());
  CHECK(s.additional.empty());  // glue is not signed
  CHECK(test::rdatas(ldns_pkt_additional(secure.get())) == std::vector<std::string>{"192.0.2.54"});

  auto insecure = f.ask("www.insecure.example.test.", LDNS_RR_TYPE_A);
  CHECK_FALSE(ldns_pkt_aa(insecure.get()));
  const Verified i = verify(insecure, f.dnskey.get());
  CHECK(i.authority == std::set<std::string>{"insecure.example.test. " + t(LDNS_RR_TYPE_NSEC)});
  CHECK(records(ldns_pkt_authority(insecure.get()), LDNS_RR_TYPE_DS).empty());
  CHECK(nsec_types_of(insecure, "insecure.example.test.") == "NS RRSIG NSEC");
  CHECK(test::rdatas(ldns_pkt_additional(insecure.get())) == std::vector<std::string>{"192.0.2.55"});

  // The DS itself is answered, signed, at the parent.
  auto ds = f.ask("sub.example.test.", LDNS_RR_TYPE_DS);
  CHECK(ldns_pkt_aa(ds.get()));
  CHECK(verify(ds, f.dnskey.get()).answer == std::set<std::string>{"sub.example.test. " + t(LDNS_RR_TYPE_DS)});
}

TEST_CASE("query dnssec: DNSKEY is answered with its RRSIG; the answer with another key does not verify") {
  Fixture f;
  auto p = f.ask("example.test.", LDNS_RR_TYPE_DNSKEY);
  CHECK(ldns_pkt_aa(p.get()));
  const auto keys = records(ldns_pkt_answer(p.get()), LDNS_RR_TYPE_DNSKEY);
  REQUIRE(keys.size() == 1);
  CHECK(test::ldns_rdata_wire(keys[0]) ==
        std::vector<uint8_t>(f.key->dnskey_rdata().begin(), f.key->dnskey_rdata().end()));
  CHECK(ldns_rr_ttl(keys[0]) == 3600);
  CHECK(verify(p, f.dnskey.get()).answer == std::set<std::string>{"example.test. " + t(LDNS_RR_TYPE_DNSKEY)});

  // The checks can fail: another key's DNSKEY does not verify what this zone signed.
  const auto other = test::make_signing_key();
  const auto wrong = test::ldns_rr_from_wire(std::span(f.zone->origin(), f.zone->origin_length()),
                                             LDNS_RR_TYPE_DNSKEY, 3600, other->dnskey_rdata());
  test::LdnsList rrset(ldns_rr_list_new());
  ldns_rr_list_push_rr(rrset.get(), ldns_rr_clone(keys[0]));
  const auto sigs = records(ldns_pkt_answer(p.get()), LDNS_RR_TYPE_RRSIG);
  REQUIRE(sigs.size() == 1);
  CHECK(ldns_verify_rrsig_time(rrset.get(), sigs[0], wrong.get(), test::kInsideSigningWindow) != LDNS_STATUS_OK);
}

TEST_CASE("query dnssec: every rotation of a max_answers pool carries an RRSIG over exactly the addresses served") {
  Fixture f;
  for (const auto& [name, count, rounds] :
       std::vector<std::tuple<std::string, size_t, int>>{{"www.example.test.", 2, 25}, {"heavy.example.test.", 1, 28}}) {
    CAPTURE(name);
    std::set<std::vector<std::string>> answers;
    for (int i = 0; i < rounds; ++i) {
      auto p = f.ask(name, LDNS_RR_TYPE_A);
      const auto addresses = test::rdatas(ldns_pkt_answer(p.get()));
      CHECK(records(ldns_pkt_answer(p.get()), LDNS_RR_TYPE_A).size() == count);
      CHECK(verify(p, f.dnskey.get()).answer == std::set<std::string>{name + " " + t(LDNS_RR_TYPE_A)});
      answers.insert(addresses);
    }
    CHECK(answers.size() == (count == 2 ? 5 : 3));  // every window is served
  }
  // A CNAME to the pool: both signed.
  auto alias = f.ask("alias.example.test.", LDNS_RR_TYPE_A);
  CHECK(verify(alias, f.dnskey.get()).answer ==
        std::set<std::string>{"alias.example.test. " + t(LDNS_RR_TYPE_CNAME), "www.example.test. " + t(LDNS_RR_TYPE_A)});
}

TEST_CASE("query dnssec: a pool behind a wildcard answers each rotation signed, with the wildcard's labels") {
  Fixture f;
  std::set<std::vector<std::string>> answers;
  for (int i = 0; i < 10; ++i) {
    auto p = f.ask("x.pool.example.test.", LDNS_RR_TYPE_A);
    CHECK(records(ldns_pkt_answer(p.get()), LDNS_RR_TYPE_A).size() == 2);
    CHECK(verify(p, f.dnskey.get()).answer == std::set<std::string>{"x.pool.example.test. " + t(LDNS_RR_TYPE_A)});
    const auto sigs = records(ldns_pkt_answer(p.get()), LDNS_RR_TYPE_RRSIG);
    REQUIRE(sigs.size() == 1);
    CHECK(ldns_rdf2native_int8(ldns_rr_rrsig_labels(sigs[0])) == 3);
    CHECK(nsec_covers(p, "x.pool.example.test."));
    answers.insert(test::rdatas(ldns_pkt_answer(p.get())));
  }
  CHECK(answers.size() == 5);
}

TEST_CASE("query dnssec: a CNAME to a name that does not exist is NXDOMAIN with the CNAME signed and the target proved absent") {
  Fixture f;
  auto p = f.ask("gone.example.test.", LDNS_RR_TYPE_A);
  CHECK(ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_NXDOMAIN);
  const Verified v = verify(p, f.dnskey.get());
  CHECK(v.answer == std::set<std::string>{"gone.example.test. " + t(LDNS_RR_TYPE_CNAME)});
  CHECK(nsec_covers(p, "nothing.example.test."));
  CHECK(nsec_covers(p, "*.example.test."));
  CHECK_FALSE(nsec_covers(p, "gone.example.test."));
}

TEST_CASE("query dnssec: a pool served empty is NODATA proved by an NSEC without its type") {
  Fixture f;
  auto p = f.ask("dead.example.test.", LDNS_RR_TYPE_A);
  CHECK(ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_ancount(p.get()) == 0);
  verify(p, f.dnskey.get());
  CHECK(nsec_types_of(p, "dead.example.test.") == "TXT RRSIG NSEC");
  CHECK(f.last.all_down);
}

TEST_CASE("query dnssec: with DO=0 a signed zone answers byte for byte as the unsigned zone") {
  Fixture f;
  const std::vector<std::pair<std::string, ldns_rr_type>> asks = {
      {"example.test.", LDNS_RR_TYPE_SOA}, {"example.test.", LDNS_RR_TYPE_NS}, {"example.test.", LDNS_RR_TYPE_MX},
      {"www.example.test.", LDNS_RR_TYPE_A}, {"www.example.test.", LDNS_RR_TYPE_A}, {"heavy.example.test.", LDNS_RR_TYPE_A},
      {"dead.example.test.", LDNS_RR_TYPE_A}, {"alias.example.test.", LDNS_RR_TYPE_A}, {"nope.example.test.", LDNS_RR_TYPE_A},
      {"a.b.example.test.", LDNS_RR_TYPE_A}, {"foo.wild.example.test.", LDNS_RR_TYPE_A},
      {"foo.wild.example.test.", LDNS_RR_TYPE_MX}, {"www.sub.example.test.", LDNS_RR_TYPE_A},
      {"www.insecure.example.test.", LDNS_RR_TYPE_A}, {"sub.example.test.", LDNS_RR_TYPE_DS},
      {"big.example.test.", LDNS_RR_TYPE_TXT}, {"example.test.", LDNS_RR_TYPE_ANY},
      {"gone.example.test.", LDNS_RR_TYPE_A}, {"x.pool.example.test.", LDNS_RR_TYPE_A}};
  size_t compared = 0;
  for (int round = 0; round < 3; ++round)
    for (const auto& [name, type] : asks)
      for (const bool edns : {true, false}) {
        CAPTURE(name);
        CAPTURE(edns);
        const auto q = query(name, type, false, 1232, edns);
        const QueryResult a = process_query(q, f.out, Transport::Udp, *f.snapshot, f.rotation);
        const QueryResult b = process_query(q, f.plain_out, Transport::Udp, *f.plain, f.plain_rotation);
        REQUIRE(a.length == b.length);
        CHECK(std::equal(f.out.begin(), f.out.begin() + a.length, f.plain_out.begin()));
        ++compared;
      }
  CHECK(compared == 3 * asks.size() * 2);
}

TEST_CASE("query dnssec: truncation never leaves an RRset without its RRSIG") {
  Fixture f;
  const std::vector<std::pair<std::string, ldns_rr_type>> asks = {
      {"nope.example.test.", LDNS_RR_TYPE_A}, {"nope.a.b.example.test.", LDNS_RR_TYPE_A},
      {"ns1.example.test.", LDNS_RR_TYPE_AAAA}, {"foo.wild.example.test.", LDNS_RR_TYPE_A},
      {"foo.wild.example.test.", LDNS_RR_TYPE_MX}, {"www.sub.example.test.", LDNS_RR_TYPE_A},
      {"www.insecure.example.test.", LDNS_RR_TYPE_A}, {"www.example.test.", LDNS_RR_TYPE_A},
      {"alias.example.test.", LDNS_RR_TYPE_A}, {"example.test.", LDNS_RR_TYPE_MX},
      {"example.test.", LDNS_RR_TYPE_DNSKEY}, {"big.example.test.", LDNS_RR_TYPE_TXT},
      {"dead.example.test.", LDNS_RR_TYPE_A}, {"gone.example.test.", LDNS_RR_TYPE_A},
      {"x.pool.example.test.", LDNS_RR_TYPE_A}};
  size_t truncated = 0;
  for (const uint16_t size : {512, 600, 700, 800, 1232})
    for (const auto& [name, type] : asks) {
      CAPTURE(name);
      CAPTURE(size);
      // What a full answer signs, over TCP.
      const Verified full = verify(f.ask(query(name, type), Transport::Tcp), f.dnskey.get());
      auto p = f.ask(query(name, type, true, size));
      CHECK(f.last.length <= size);
      truncated += ldns_pkt_tc(p.get());
      const Verified cut = verify(p, f.dnskey.get());
      // Every RRset the full answer signs that is here has its RRSIG here too.
      const auto check_section = [&](const ldns_rr_list* section, const std::set<std::string>& full_signed,
                                     const std::set<std::string>& signed_here) {
        for (size_t i = 0; i < ldns_rr_list_rr_count(section); ++i) {
          ldns_rr* rr = ldns_rr_list_rr(section, i);
          if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG) continue;
          const std::string what = owner_of(rr) + " " + t(ldns_rr_get_type(rr));
          CAPTURE(what);
          if (full_signed.count(what)) CHECK(signed_here.count(what));
        }
      };
      check_section(ldns_pkt_answer(p.get()), full.answer, cut.answer);
      check_section(ldns_pkt_authority(p.get()), full.authority, cut.authority);
      check_section(ldns_pkt_additional(p.get()), full.additional, cut.additional);
      // A denial is whole or truncated: not an NXDOMAIN with half its proof.
      if (!ldns_pkt_tc(p.get()) && ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_NXDOMAIN && ldns_pkt_ancount(p.get()) == 0)
        CHECK(nsec_covers(p, name));
    }
  CHECK(truncated > 0);
}

TEST_CASE("query dnssec: with ECDSA P-256 (the default algorithm) every kind of answer verifies too") {
  Fixture f(dnssec::Algorithm::EcdsaP256Sha256);
  size_t signed_rrsets = 0;
  for (const auto& [name, type] : std::vector<std::pair<std::string, ldns_rr_type>>{
           {"nope.example.test.", LDNS_RR_TYPE_A}, {"a.b.example.test.", LDNS_RR_TYPE_A},
           {"foo.wild.example.test.", LDNS_RR_TYPE_A}, {"www.sub.example.test.", LDNS_RR_TYPE_A},
           {"www.insecure.example.test.", LDNS_RR_TYPE_A}, {"example.test.", LDNS_RR_TYPE_DNSKEY},
           {"example.test.", LDNS_RR_TYPE_MX}, {"www.example.test.", LDNS_RR_TYPE_A},
           {"heavy.example.test.", LDNS_RR_TYPE_A}, {"dead.example.test.", LDNS_RR_TYPE_A},
           {"x.pool.example.test.", LDNS_RR_TYPE_A}}) {
    CAPTURE(name);
    const Verified v = verify(f.ask(name, type), f.dnskey.get());
    signed_rrsets += v.answer.size() + v.authority.size() + v.additional.size();
  }
  CHECK(signed_rrsets == 3 + 2 + 2 + 1 + 1 + 1 + 2 + 1 + 1 + 2 + 2);
}
