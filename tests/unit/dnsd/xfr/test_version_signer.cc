// sign_version: the SOA and DNSKEY signatures, each pool RRset's whole served
// set and one signature per rotation window when it has more members than
// max_answers (each verifying over exactly the members an answer from that
// start carries, round-robin and weighted), signatures copied byte for byte
// from the version before when an RRset did not change, NSEC overrides for a
// pool served empty, and the bound on signatures per pool RRset.
#include <doctest.h>

#include <algorithm>

#include "health/selection.h"
#include "tests/unit/dnsd/xfr/signed_versions.h"

using namespace dnsd;
using namespace dnsd::test;
namespace rr = zones::rrtype;
using health::HealthState;

namespace {

/// Checks that every answer order_candidates makes for `rotations` carries a
/// window signature that ldns accepts over exactly its members, and none other.
void check_windows(Versions& f, const ZoneVersion& v, const std::string& owner, uint32_t rotations) {
  const zones::Zone& zone = *v.zone;
  const size_t k = pool_rrset(v, owner);
  const uint32_t n = test::node_named(zone, owner);
  const zones::RRset& set = *zone.find_rrset(zone.node(n), rr::A);
  const zones::Pool& pool = zone.pool(set.pool);
  const auto served = v.pools.served(k);
  const auto wire = test::node_wire(zone, n);
  REQUIRE(served.size() > health::answer_limit(pool));
  CHECK(window_count(*v.signatures, k) == served.size());
  std::vector<size_t> starts_seen(served.size());
  for (uint32_t rotation = 0; rotation < rotations; ++rotation) {
    CAPTURE(rotation);
    health::Selection chosen;
    const size_t start = health::order_candidates(pool, served, rotation, chosen);
    REQUIRE(start < served.size());
    ++starts_seen[start];
    const auto members = member_rdatas(pool, {chosen.member, chosen.count});
    CHECK(chosen.count == health::answer_limit(pool));
    CHECK(test::check_sigs(v.signatures->pool(k, uint32_t(start)), wire, rr::A, set.ttl, members, *f.key, f.apex()) ==
          1);
    // The window of another start signs other members.
    const uint32_t other = uint32_t((start + 1) % served.size());
    dnssec::SigList list = v.signatures->pool(k, other);
    std::span<const uint8_t> rdata;
    REQUIRE(list.next(rdata));
    CHECK(test::ldns_check_rrsig(wire, rr::A, set.ttl, members, rdata, *f.key, f.apex()) != LDNS_STATUS_OK);
  }
  for (const size_t seen : starts_seen) CHECK(seen > 0);  // every window is used by some answer
}

}  // namespace

TEST_CASE("version signer: SOA, DNSKEY and whole pool sets verify; a pool over max_answers has a window per start") {
  Versions f;
  const auto v = f.make(100);
  const dnssec::VersionSignatures& s = *v->signatures;
  CHECK(s.zone == f.zone_sigs);
  const zones::Zone& zone = *f.zone;

  const std::span<const uint8_t> soa(v->soa_rdata);
  CHECK(test::check_sigs(s.soa_sigs(), f.apex(), rr::SOA, zone.soa().ttl, {soa}, *f.key, f.apex()) == 1);
  REQUIRE(s.dnskey.size() == 1);
  CHECK(std::ranges::equal(s.dnskey_rdata(0), f.key->dnskey_rdata()));
  CHECK(s.dnskey_ttl == 3600);
  CHECK(s.dnskey_signer_tags == std::vector<uint16_t>{f.key->key_tag()});
  CHECK(test::check_sigs(s.dnskey_signatures(), f.apex(), rr::DNSKEY, 3600, {s.dnskey_rdata(0)}, *f.key, f.apex()) ==
        1);

  // Every pool RRset's whole served set (what transfers carry).
  REQUIRE(s.pool_sigs.size() == v->pools.rrsets.size());
  REQUIRE(s.pool_first_window.size() == v->pools.rrsets.size() + 1);
  for (const char* owner : {"www.example.test.", "few.example.test.", "heavy.example.test."}) {
    CAPTURE(owner);
    const size_t k = pool_rrset(*v, owner);
    const uint32_t n = test::node_named(zone, owner);
    const zones::RRset& set = *zone.find_rrset(zone.node(n), rr::A);
    CHECK(test::check_sigs(s.pool_whole(k), test::node_wire(zone, n), rr::A, set.ttl,
                           member_rdatas(zone.pool(set.pool), v->pools.served(k)), *f.key, f.apex()) == 1);
  }
  // 5 members over max_answers 2: five windows; 3 weighted over 1: three.
  CHECK(window_count(s, pool_rrset(*v, "www.example.test.")) == 5);
  CHECK(window_count(s, pool_rrset(*v, "heavy.example.test.")) == 3);
  // SOA + DNSKEY + web (1 + 5) + few (1) + heavy (1 + 3) + the NSEC at
  // dead, whose pool is served empty.
  CHECK(s.signatures_made == 1 + 1 + 6 + 1 + 4 + 1);
}

TEST_CASE("version signer: each round-robin window verifies over exactly the members an answer from its start carries") {
  Versions f;
  const auto v = f.make(100);
  check_windows(f, *v, "www.example.test.", 20);
  // With a member down the windows follow the four served.
  f.set_health("web", 1, HealthState::Down);
  const auto fewer = f.make(101, v.get());
  CHECK(fewer->pools.served(pool_rrset(*fewer, "www.example.test.")).size() == 4);
  check_windows(f, *fewer, "www.example.test.", 12);
}

TEST_CASE("version signer: each weighted window verifies over the member that leads an answer for its slot") {
  Versions f;
  const auto v = f.make(100);
  check_windows(f, *v, "heavy.example.test.", 14 * 2);  // total weight 14: every slot, twice
}

TEST_CASE("version signer: a pool that fits max_answers has no windows; every answer carries the whole set's signature") {
  Versions f;
  const auto v = f.make(100);
  const size_t k = pool_rrset(*v, "few.example.test.");
  CHECK(window_count(*v->signatures, k) == 0);
  for (uint32_t start = 0; start < 3; ++start) CHECK(bytes(v->signatures->pool(k, start)) == bytes(v->signatures->pool_whole(k)));
  // Down to one member over max_answers 2: still none.
  f.set_health("web", 0, HealthState::Down);
  f.set_health("web", 1, HealthState::Down);
  f.set_health("web", 2, HealthState::Down);
  f.set_health("web", 3, HealthState::Down);
  const auto one = f.make(101, v.get());
  CHECK(window_count(*one->signatures, pool_rrset(*one, "www.example.test.")) == 0);
}

TEST_CASE("version signer: what did not change is copied byte for byte from the version before (ECDSA, so re-signing would differ)") {
  Versions f(zone_text(kPools, kRecords), dnssec::Algorithm::EcdsaP256Sha256);
  const auto first = f.make(100);
  f.set_health("heavy", 1, HealthState::Down);  // another pool changes
  const auto second = f.make(101, first.get());
  const dnssec::VersionSignatures &a = *first->signatures, &b = *second->signatures;
  // Only the SOA (its serial) and the heavy pool's whole set are signed anew:
  // both of its windows hold members that were a window before, and are copied.
  CHECK(b.signatures_made == 1 + 1);
  CHECK(bytes(a.dnskey_signatures()) == bytes(b.dnskey_signatures()));
  CHECK(bytes(a.soa_sigs()) != bytes(b.soa_sigs()));
  for (const char* owner : {"www.example.test.", "few.example.test."}) {
    CAPTURE(owner);
    const size_t k = pool_rrset(*first, owner);
    CHECK(bytes(a.pool_whole(k)) == bytes(b.pool_whole(k)));
    CHECK(window_count(a, k) == window_count(b, k));
    for (uint32_t w = 0; w < window_count(a, k); ++w) CHECK(bytes(a.pool(k, w)) == bytes(b.pool(k, w)));
  }
  const size_t heavy = pool_rrset(*first, "heavy.example.test.");
  CHECK(bytes(a.pool_whole(heavy)) != bytes(b.pool_whole(heavy)));
  CHECK(window_count(b, heavy) == 2);
  check_windows(f, *second, "heavy.example.test.", 22);
  check_windows(f, *second, "www.example.test.", 10);  // the copies still verify

  // Nothing changed but the serial: only the SOA is signed.
  const auto third = f.make(102, second.get());
  CHECK(third->signatures->signatures_made == 1);

  // A version of another setup (new window) reuses nothing.
  auto later = test::setup_with(f.key, {test::kSigningWindow.inception + 86400, test::kSigningWindow.expiration});
  std::string error;
  auto later_zone = dnssec::sign_zone(*f.zone, *later, 1, error);
  REQUIRE(later_zone);
  auto fourth = std::make_shared<ZoneVersion>(*third);
  fourth->serial = 103;
  fourth->signatures = xfr::sign_version(*fourth, later_zone, *later, third.get(), error);
  REQUIRE_MESSAGE(fourth->signatures, error);
  CHECK(fourth->signatures->signatures_made == first->signatures->signatures_made - 1 /* heavy has 2 windows now */);
}

TEST_CASE("version signer: a pool served empty gets an NSEC without its type, signed, and copied while it stays empty") {
  Versions f(zone_text(kPools, kRecords), dnssec::Algorithm::EcdsaP256Sha256);
  const auto v = f.make(100);
  const zones::Zone& zone = *f.zone;
  const uint32_t dead = test::node_named(zone, "dead.example.test.");
  const auto wire = test::node_wire(zone, dead);
  const size_t k = pool_rrset(*v, "dead.example.test.");
  CHECK(v->pools.served(k).empty());
  CHECK(v->signatures->pool_whole(k).empty());
  REQUIRE(v->signatures->nsec_overrides.size() == 1);
  CHECK(v->signatures->nsec_overrides[0].first == dead);
  const dnssec::NsecView nsec = v->signatures->nsec(dead);
  REQUIRE(nsec.found());
  CHECK(test::nsec_text(wire, nsec.rdata) == "few.example.test. TXT RRSIG NSEC");
  CHECK(test::nsec_text(wire, f.zone_sigs->nsec(dead).rdata) == "few.example.test. A TXT RRSIG NSEC");
  CHECK(test::check_sigs(nsec.sigs, wire, rr::NSEC, zone.negative_ttl(), {nsec.rdata}, *f.key, f.apex()) == 1);
  // Other nodes are served from the zone's chain.
  const uint32_t www = test::node_named(zone, "www.example.test.");
  CHECK(v->signatures->nsec(www).rdata.data() == f.zone_sigs->nsec(www).rdata.data());

  // Still empty in the next version: the override's signature is copied.
  f.set_health("web", 0, HealthState::Down);
  const auto next = f.make(101, v.get());
  CHECK(bytes(next->signatures->nsec(dead).sigs) == bytes(nsec.sigs));
  // A member comes up: no override, the type is back.
  f.set_health("dead", 0, HealthState::Up);
  const auto up = f.make(102, next.get());
  CHECK(up->signatures->nsec_overrides.empty());
  CHECK(test::nsec_text(wire, up->signatures->nsec(dead).rdata) == "few.example.test. A TXT RRSIG NSEC");
}

TEST_CASE("version signer: a pool of kMaxPoolMembers costs at most kMaxPoolMembers + 1 signatures") {
  std::string members;
  for (size_t i = 0; i < zones::kMaxPoolMembers; ++i)
    members += std::string(i ? ", " : "") + "\"10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "\"";
  Versions f(zone_text(R"("huge": {"max_answers": 64, "members": [)" + members + "]}",
                       R"(, "huge": {"A": {"pool": "huge"}})"));
  const auto v = f.make(100);
  const size_t k = pool_rrset(*v, "huge.example.test.");
  CHECK(v->pools.served(k).size() == zones::kMaxPoolMembers);
  CHECK(window_count(*v->signatures, k) == zones::kMaxPoolMembers);
  CHECK(v->signatures->signatures_made == 2 + zones::kMaxPoolMembers + 1);
  // The last window wraps around to the first members.
  const zones::Zone& zone = *f.zone;
  const uint32_t n = test::node_named(zone, "huge.example.test.");
  const zones::RRset& set = *zone.find_rrset(zone.node(n), rr::A);
  health::Selection chosen;
  const size_t start = health::order_candidates(zone.pool(set.pool), v->pools.served(k), 1023, chosen);
  CHECK(start == 1023);
  CHECK(chosen.count == 64);
  CHECK(chosen.member[1] == 0);
  CHECK(test::check_sigs(v->signatures->pool(k, uint32_t(start)), test::node_wire(zone, n), rr::A, set.ttl,
                         member_rdatas(zone.pool(set.pool), {chosen.member, chosen.count}), *f.key, f.apex()) == 1);
}

TEST_CASE("version signer: a pool below a zone cut (glue) is not signed, as static glue is not (RFC 4035 2.2)") {
  Versions f(zone_text(R"("web": {"members": ["192.0.2.1", "192.0.2.2"]})",
                       R"(, "www": {"A": {"pool": "web"}}, "sub": {"NS": "ns.sub"}, "ns.sub": {"A": {"pool": "web"}})"));
  const auto v = f.make(100);
  CHECK_FALSE(v->signatures->pool_whole(pool_rrset(*v, "www.example.test.")).empty());
  CHECK(v->signatures->pool_whole(pool_rrset(*v, "ns.sub.example.test.")).empty());
}

TEST_CASE("version signer: one member of 64 leaving or returning signs only the windows it changes, and all still verify") {
  std::string members;
  for (int i = 0; i < 64; ++i) members += std::string(i ? ", " : "") + "\"10.1.0." + std::to_string(i + 1) + "\"";
  Versions f(zone_text(R"("wide": {"max_answers": 8, "members": [)" + members + "]}",
                       R"(, "wide": {"A": {"pool": "wide"}})"));
  const auto first = f.make(100);
  const size_t k = pool_rrset(*first, "wide.example.test.");
  CHECK(window_count(*first->signatures, k) == 64);
  f.set_health("wide", 20, HealthState::Down);
  const auto second = f.make(101, first.get());
  CHECK(window_count(*second->signatures, k) == 63);
  // The SOA, the whole set, and the windows that now reach one member further
  // (the 8 that held member 20 become 7 new ones); the other 56 are copies.
  CHECK(second->signatures->signatures_made == 1 + 1 + 7);
  check_windows(f, *second, "wide.example.test.", 70);
  f.set_health("wide", 20, HealthState::Up);
  const auto third = f.make(102, second.get());
  CHECK(window_count(*third->signatures, k) == 64);
  CHECK(third->signatures->signatures_made == 1 + 1 + 8);
  check_windows(f, *third, "wide.example.test.", 70);
}
