// ZoneWalker over a signed version: each RRset followed by its RRSIGs (which
// ldns accepts), the DNSKEY RRset at the apex, one NSEC per chain name; and
// content_fingerprint: blind to signature bytes, not to the signing epoch.
#include <doctest.h>

#include <map>
#include <set>

#include "tests/unit/dnsd/xfr/signed_versions.h"

using namespace dnsd;
using namespace dnsd::test;
using health::HealthState;
namespace rr = zones::rrtype;

namespace {

std::vector<RecordView> walk(const ZoneVersion& v) {
  std::vector<RecordView> out;
  RecordView r;
  for (xfr::ZoneWalker w(v); w.next(r);) out.push_back(r);
  return out;
}

std::string owner_text(const RecordView& r) { return zones::name_to_text(r.owner, r.owner_length); }

}  // namespace

TEST_CASE("zone walker: a signed version's RRSIGs follow their RRsets, with DNSKEY at the apex and an NSEC per chain name") {
  Versions f;
  const auto v = f.make(100);
  const auto records = walk(*v);
  const zones::Zone& zone = *f.zone;

  // Group the RRsets as walked: (owner, type) -> records, and the RRSIGs over each.
  std::map<std::pair<std::string, uint16_t>, std::vector<std::span<const uint8_t>>> rrsets;
  std::map<std::pair<std::string, uint16_t>, std::vector<std::span<const uint8_t>>> sigs;
  std::map<std::pair<std::string, uint16_t>, uint32_t> ttls;
  std::set<std::string> nsec_owners;
  size_t dnskeys = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const RecordView& r = records[i];
    const std::string owner = owner_text(r);
    CAPTURE(owner);
    CAPTURE(r.type);
    CHECK(r.type != rr::SOA);  // transfers write the SOA themselves
    if (r.type == rr::RRSIG) {
      const uint16_t covered = uint16_t(r.rdata[0] << 8 | r.rdata[1]);
      // Right after its RRset (or another RRSIG of it); the SOA's has none to follow.
      if (covered != rr::SOA) {
        REQUIRE(i > 0);
        const RecordView& before = records[i - 1];
        const uint16_t before_type =
            before.type == rr::RRSIG ? uint16_t(before.rdata[0] << 8 | before.rdata[1]) : before.type;
        CHECK(owner_text(before) == owner);
        CHECK(before_type == covered);
      }
      sigs[{owner, covered}].emplace_back(r.rdata, r.rdata_length);
      CHECK(r.ttl == (covered == rr::SOA ? zone.soa().ttl : ttls[{owner, covered}]));
      continue;
    }
    rrsets[{owner, r.type}].emplace_back(r.rdata, r.rdata_length);
    ttls[{owner, r.type}] = r.ttl;
    if (r.type == rr::NSEC) CHECK(nsec_owners.insert(owner).second);
    if (r.type == rr::DNSKEY) {
      CHECK(owner == "example.test.");
      ++dnskeys;
    }
  }
  CHECK(dnskeys == 1);
  CHECK(nsec_owners.size() == v->signatures->zone->chain().size());
  for (size_t p = 0; p < v->signatures->zone->chain().size(); ++p) {
    const uint32_t n = v->signatures->zone->chain().node_at(p);
    CHECK(nsec_owners.count(zones::name_to_text(zone.node_name(zone.node(n)), zone.node(n).name_length)));
  }

  // Every RRset but the delegation's NS and glue is signed, and ldns accepts each signature.
  const std::span<const uint8_t> soa(v->soa_rdata);
  rrsets[{"example.test.", rr::SOA}] = {soa};
  ttls[{"example.test.", rr::SOA}] = zone.soa().ttl;
  size_t checked = 0;
  for (const auto& [what, rdatas] : rrsets) {
    const auto& [owner, type] = what;
    CAPTURE(owner);
    CAPTURE(type);
    const auto it = sigs.find(what);
    if (it == sigs.end()) {
      FAIL_CHECK("unsigned RRset in a signed zone's transfer");
      continue;
    }
    const auto wire = wire_name(owner);
    for (const auto& sig : it->second) {
      CHECK(ldns_check_rrsig(wire, type, ttls[what], rdatas, sig, *f.key, f.apex()) == LDNS_STATUS_OK);
      ++checked;
    }
  }
  CHECK(sigs.size() == rrsets.size());  // no RRSIG without its RRset
  CHECK(checked == v->signatures->zone->signatures() + 1 /* SOA */ + 1 /* DNSKEY */ + 3 /* web, few, heavy */ +
                       1 /* dead's NSEC override replaces the chain's */ - 1);
}

TEST_CASE("zone walker: an unsigned version has no RRSIG, NSEC or DNSKEY") {
  Versions f;
  auto v = f.make(100);
  v->signatures = nullptr;
  for (const RecordView& r : walk(*v)) CHECK_FALSE(xfr::made_by_signing(r.type));
}

TEST_CASE("content fingerprint: ignores signature bytes, counts the signing epoch") {
  Versions f(zone_text(kPools, kRecords), dnssec::Algorithm::EcdsaP256Sha256);
  const auto a = f.make(100);
  const auto b = f.make(100);  // signed again: ECDSA makes other bytes
  REQUIRE(bytes(a->signatures->soa_sigs()) != bytes(b->signatures->soa_sigs()));
  CHECK(xfr::content_fingerprint(*a) == xfr::content_fingerprint(*b));

  // Signatures count by their epoch alone: the same content unsigned differs by the epoch's share.
  auto plain = std::make_shared<ZoneVersion>(*a);
  plain->signatures = nullptr;
  plain->signing_epoch = 0;
  CHECK(xfr::content_fingerprint(*a) - xfr::epoch_hash(a->signing_epoch) ==
        xfr::content_fingerprint(*plain) - xfr::epoch_hash(0));
  CHECK(xfr::content_fingerprint(*a) != xfr::content_fingerprint(*plain));

  // Another epoch (a new window) changes it although the records are the same.
  auto later = std::make_shared<ZoneVersion>(*a);
  later->signing_epoch = setup_with(f.key, {kSigningWindow.inception + 86400, kSigningWindow.expiration})->epoch();
  REQUIRE(later->signing_epoch != a->signing_epoch);
  CHECK(xfr::content_fingerprint(*later) != xfr::content_fingerprint(*a));

  // The serial alone does not change it; a member does.
  const auto c = f.make(101, a.get());
  CHECK(xfr::content_fingerprint(*c) == xfr::content_fingerprint(*a));
  f.set_health("web", 0, HealthState::Down);
  const auto d = f.make(102, c.get());
  CHECK(xfr::content_fingerprint(*d) != xfr::content_fingerprint(*c));
}
