// diff_versions between signed versions of one zone: a health change yields
// exactly the pool records that changed, the pool RRset's old and new RRSIG
// and the SOA's old and new RRSIG, plus the NSEC and its RRSIG when a pool
// is served empty; and the new records are the new version's own.
#include <doctest.h>

#include <algorithm>
#include <set>

#include "dnsd/xfr/zone_diff.h"
#include "tests/unit/dnsd/xfr/signed_versions.h"

using namespace dnsd;
using namespace dnsd::test;
using health::HealthState;

namespace {

/// One record of a change as "owner TYPE[/covered] rdata-hex-prefix", to compare as a set.
std::string describe(const RecordView& r) {
  std::string out = zones::name_to_text(r.owner, r.owner_length) + " " + std::to_string(r.type);
  if (r.type == zones::rrtype::RRSIG) out += "/" + std::to_string(r.rdata[0] << 8 | r.rdata[1]);
  return out;
}

std::multiset<std::string> describe(const RecordList& list) {
  std::multiset<std::string> out;
  RecordView r;
  for (RecordList::Cursor c(list); c.next(r);) out.insert(describe(r));
  return out;
}

/// Whether `list` holds a record at `owner` of `type` with exactly `rdata`.
bool holds(const RecordList& list, const std::string& owner, uint16_t type, std::span<const uint8_t> rdata) {
  RecordView r;
  for (RecordList::Cursor c(list); c.next(r);)
    if (zones::name_to_text(r.owner, r.owner_length) == owner && r.type == type &&
        std::equal(rdata.begin(), rdata.end(), r.rdata, r.rdata + r.rdata_length))
      return true;
  return false;
}

bool holds_sigs(const RecordList& list, const std::string& owner, dnssec::SigList sigs) {
  std::span<const uint8_t> rdata;
  bool all = !sigs.empty();
  while (sigs.next(rdata)) all &= holds(list, owner, zones::rrtype::RRSIG, rdata);
  return all;
}

const std::string A = std::to_string(zones::rrtype::A), SOA_SIG = "46/6", A_SIG = "46/1", NSEC = "47",
                  NSEC_SIG = "46/47";

}  // namespace

TEST_CASE("zone diff: one pool member down is the member, the pool's old and new RRSIG and the SOA's") {
  Versions f;
  const auto one = f.make(100);
  f.set_health("web", 1, HealthState::Down);
  const auto two = f.make(101, one.get());
  const ZoneChange change = xfr::diff_versions(*one, *two);
  CHECK(change.from_serial == 100);
  CHECK(change.to_serial == 101);
  CHECK(describe(change.removed) == std::multiset<std::string>{"www.example.test. " + A, "www.example.test. " + A_SIG,
                                                               "example.test. " + SOA_SIG});
  CHECK(describe(change.added) ==
        std::multiset<std::string>{"www.example.test. " + A_SIG, "example.test. " + SOA_SIG});
  const uint8_t member[] = {192, 0, 2, 2};
  CHECK(holds(change.removed, "www.example.test.", zones::rrtype::A, member));
  const size_t k = pool_rrset(*one, "www.example.test.");
  CHECK(holds_sigs(change.removed, "www.example.test.", one->signatures->pool_whole(k)));
  CHECK(holds_sigs(change.added, "www.example.test.", two->signatures->pool_whole(k)));
  CHECK(holds_sigs(change.removed, "example.test.", one->signatures->soa_sigs()));
  CHECK(holds_sigs(change.added, "example.test.", two->signatures->soa_sigs()));

  // And back: the reverse.
  f.set_health("web", 1, HealthState::Up);
  const auto three = f.make(102, two.get());
  const ZoneChange back = xfr::diff_versions(*two, *three);
  CHECK(describe(back.added) == std::multiset<std::string>{"www.example.test. " + A, "www.example.test. " + A_SIG,
                                                           "example.test. " + SOA_SIG});
  CHECK(describe(back.removed) == std::multiset<std::string>{"www.example.test. " + A_SIG, "example.test. " + SOA_SIG});
}

TEST_CASE("zone diff: a pool going empty also changes its node's NSEC and that NSEC's RRSIG") {
  Versions f;
  f.set_health("dead", 0, HealthState::Up);
  const auto one = f.make(100);
  const uint32_t dead = node_named(*f.zone, "dead.example.test.");
  CHECK(one->signatures->nsec_overrides.empty());
  f.set_health("dead", 0, HealthState::Down);
  const auto two = f.make(101, one.get());
  const ZoneChange change = xfr::diff_versions(*one, *two);
  CHECK(describe(change.removed) ==
        std::multiset<std::string>{"dead.example.test. " + A, "dead.example.test. " + A_SIG,
                                   "example.test. " + SOA_SIG, "dead.example.test. " + NSEC,
                                   "dead.example.test. " + NSEC_SIG});
  CHECK(describe(change.added) == std::multiset<std::string>{"example.test. " + SOA_SIG, "dead.example.test. " + NSEC,
                                                             "dead.example.test. " + NSEC_SIG});
  CHECK(holds(change.removed, "dead.example.test.", zones::rrtype::NSEC, f.zone_sigs->nsec(dead).rdata));
  CHECK(holds(change.added, "dead.example.test.", zones::rrtype::NSEC, two->signatures->nsec(dead).rdata));
  CHECK(holds_sigs(change.added, "dead.example.test.", two->signatures->nsec(dead).sigs));

  // Coming back up: the reverse.
  f.set_health("dead", 1, HealthState::Up);
  const auto three = f.make(102, two.get());
  const ZoneChange back = xfr::diff_versions(*two, *three);
  CHECK(describe(back.added) == std::multiset<std::string>{"dead.example.test. " + A, "dead.example.test. " + A_SIG,
                                                           "example.test. " + SOA_SIG, "dead.example.test. " + NSEC,
                                                           "dead.example.test. " + NSEC_SIG});
  CHECK(holds(back.added, "dead.example.test.", zones::rrtype::NSEC, f.zone_sigs->nsec(dead).rdata));
}

TEST_CASE("zone diff: an unchanged signed version differs in the SOA's RRSIG alone") {
  Versions f;
  const auto one = f.make(100);
  const auto two = f.make(101, one.get());
  const ZoneChange change = xfr::diff_versions(*one, *two);
  CHECK(describe(change.removed) == std::multiset<std::string>{"example.test. " + SOA_SIG});
  CHECK(describe(change.added) == std::multiset<std::string>{"example.test. " + SOA_SIG});
}

TEST_CASE("zone diff: versions under two setups differ in every signature, and the full diff says so") {
  Versions f;
  const auto one = f.make(100);
  auto later_setup = setup_with(f.key, {kSigningWindow.inception + 86400, kSigningWindow.expiration + 86400});
  std::string error;
  auto later_zone = dnssec::sign_zone(*f.zone, *later_setup, 1, error);
  REQUIRE(later_zone);
  auto two = std::make_shared<ZoneVersion>(*one);
  two->serial = 101;
  two->soa_rdata = soa_with_serial(one->soa_rdata, 101);
  two->signatures = xfr::sign_version(*two, later_zone, *later_setup, one.get(), error);
  REQUIRE(two->signatures);
  const ZoneChange change = xfr::diff_versions(*one, *two);
  // Every RRSIG is replaced; no other record changes.
  size_t walked_sigs = 0;
  RecordView r;
  for (xfr::ZoneWalker w(*one); w.next(r);) walked_sigs += r.type == zones::rrtype::RRSIG;
  CHECK(change.removed.size() == walked_sigs);
  CHECK(change.added.size() == walked_sigs);
  for (RecordList::Cursor c(change.removed); c.next(r);) CHECK(r.type == zones::rrtype::RRSIG);
  for (RecordList::Cursor c(change.added); c.next(r);) CHECK(r.type == zones::rrtype::RRSIG);
}
