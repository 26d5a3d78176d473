// SigningService driven by a fake clock through a whole CSK rollover: the
// setups it hands the versioner (zone key, DNSKEY RRset, its signers), its
// reports and due() at every step.
#include "dnsd/server/signing_service.h"

#include <doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "dnsd/dnssec/signing_setup.h"
#include "tests/unit/temp_dir.h"
#include "zones/json_loader.h"

namespace {

using dnsd::SigningService;
using dnsd::ZoneSigningReport;
using dnsd::dnssec::KeyState;
using dnsd::dnssec::SigningSetup;
using dnsd::test::TempDir;

// dnskey_ttl 20 + propagation_delay 5: a published key is active 25 s later.
// Largest TTL 60 (records), so a retired key leaves 65 s after it retired,
// and not before the new DS was seen + parent_ds_ttl 30 + 5.
constexpr const char* kSignedZone = R"({
  "origin": "roll.test.", "ttl": 60,
  "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1, "minimum": 10},
  "dnssec": {"dnskey_ttl": 20, "propagation_delay": 5, "parent_ds_ttl": 30},
  "pools": {"big": {"ttl": 5, "max_answers": 2, "members": ["192.0.2.1", "192.0.2.2", "192.0.2.3"]}},
  "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"}, "api": {"A": {"pool": "big"}}}
})";

std::shared_ptr<const dnsd::zones::Zone> signed_zone() {
  dnsd::zones::LoadResult r = dnsd::zones::load_zone_json(kSignedZone, "roll.test.json");
  REQUIRE_MESSAGE(r.errors.empty(), (r.errors.empty() ? "" : r.errors[0].to_string()));
  return r.zone;
}

std::vector<uint16_t> tags(const std::vector<std::shared_ptr<const dnsd::dnssec::SigningKey>>& keys) {
  std::vector<uint16_t> out;
  for (const auto& k : keys) out.push_back(k->key_tag());
  return out;
}

/// The service's one zone report.
ZoneSigningReport report_of(const SigningService& service) {
  const std::vector<ZoneSigningReport> reports = service.report();
  REQUIRE(reports.size() == 1);
  return reports[0];
}

KeyState state_of(const ZoneSigningReport& r, uint16_t tag) {
  for (size_t i = 0; i < r.keys.size(); ++i)
    if (r.keys[i].tag == tag) return r.states[i];
  FAIL("no key " << tag);
  return KeyState::Removed;
}

}  // namespace

TEST_CASE("a CSK rollover through the signing service, step by step on a fake clock") {
  TempDir dir;
  int64_t now = 1'800'000'000;
  SigningService service((dir.path / "keys").string(), 1, [&now] { return now; });
  const auto zone = signed_zone();
  std::string error;

  // The first key is made on first use and signs everything at once.
  auto setup = service.setup(zone, error);
  REQUIRE_MESSAGE(setup, error);
  const uint16_t old_tag = setup->zone_key->key_tag();
  CHECK(tags(setup->dnskey) == std::vector<uint16_t>{old_tag});
  CHECK(tags(setup->dnskey_signers) == std::vector<uint16_t>{old_tag});
  CHECK(setup->window == dnsd::dnssec::window_at(zone->dnssec(), now));
  auto signatures = service.zone_signatures(zone, *setup, error);
  REQUIRE_MESSAGE(signatures, error);
  CHECK(signatures->key_tag() == old_tag);
  ZoneSigningReport r = report_of(service);
  CHECK(r.zone == "roll.test.");
  CHECK(r.zone_key_tag == old_tag);
  CHECK(r.parent_ds_ttl == 30);
  REQUIRE(r.dnskey_rdata.size() == 1);
  CHECK(!r.dnskey_rdata[0].empty());
  CHECK(state_of(r, old_tag) == KeyState::Active);
  CHECK(r.next_event.empty());
  CHECK_FALSE(service.due());  // nothing to do until the window's refresh

  // roll: the new key joins the DNSKEY RRset and signs it; the old key still signs the data.
  now += 10;
  CHECK_FALSE(service.roll("nosuch.test.", error));
  REQUIRE_MESSAGE(service.roll("roll.test.", error), error);
  CHECK(service.due());  // publish the new DNSKEY RRset now
  r = report_of(service);
  REQUIRE(r.keys.size() == 2);
  const uint16_t new_tag = r.keys[1].tag;
  CHECK(new_tag != old_tag);
  CHECK(state_of(r, new_tag) == KeyState::Published);
  CHECK(r.next_event.find("key " + std::to_string(new_tag) + " becomes active at") == 0);
  CHECK_FALSE(service.roll("roll.test.", error));
  CHECK(error.find("in progress") != std::string::npos);
  setup = service.setup(zone, error);
  REQUIRE_MESSAGE(setup, error);
  CHECK(setup->zone_key->key_tag() == old_tag);
  CHECK(tags(setup->dnskey) == std::vector<uint16_t>{old_tag, new_tag});
  CHECK(tags(setup->dnskey_signers) == std::vector<uint16_t>{old_tag, new_tag});
  CHECK_FALSE(service.due());
  const int64_t published = now;

  // One second before dnskey_ttl + propagation_delay: nothing changes yet.
  now = published + 24;
  CHECK_FALSE(service.due());
  CHECK(state_of(report_of(service), new_tag) == KeyState::Published);

  // Then the new key signs the data; the old one is retired but still signs DNSKEY.
  now = published + 25;
  CHECK(service.due());
  setup = service.setup(zone, error);
  REQUIRE_MESSAGE(setup, error);
  CHECK(setup->zone_key->key_tag() == new_tag);
  CHECK(tags(setup->dnskey) == std::vector<uint16_t>{old_tag, new_tag});
  CHECK(tags(setup->dnskey_signers) == std::vector<uint16_t>{old_tag, new_tag});
  signatures = service.zone_signatures(zone, *setup, error);
  REQUIRE_MESSAGE(signatures, error);
  CHECK(signatures->key_tag() == new_tag);
  r = report_of(service);
  CHECK(r.zone_key_tag == new_tag);
  CHECK(state_of(r, old_tag) == KeyState::Retired);
  CHECK(state_of(r, new_tag) == KeyState::Active);
  CHECK(r.next_event == "waiting for the DS of key " + std::to_string(new_tag) + " at the parent");
  CHECK_FALSE(service.roll("roll.test.", error));

  // Without the new DS at the parent, the old key stays however long it takes.
  now = published + 10'000;
  setup = service.setup(zone, error);
  REQUIRE_MESSAGE(setup, error);
  CHECK(tags(setup->dnskey) == std::vector<uint16_t>{old_tag, new_tag});
  CHECK(state_of(report_of(service), old_tag) == KeyState::Retired);

  // ds_seen: the old key leaves once the new DS can be in every cache.
  CHECK_FALSE(service.ds_seen("roll.test.", 1, error));
  REQUIRE_MESSAGE(service.ds_seen("roll.test.", new_tag, error), error);
  const int64_t seen = now;
  now = seen + 34;
  CHECK(state_of(report_of(service), old_tag) == KeyState::Retired);
  CHECK(report_of(service).next_event.find("key " + std::to_string(old_tag) + " is removed at") == 0);
  now = seen + 35;
  CHECK(service.due());
  setup = service.setup(zone, error);
  REQUIRE_MESSAGE(setup, error);
  CHECK(setup->zone_key->key_tag() == new_tag);
  CHECK(tags(setup->dnskey) == std::vector<uint16_t>{new_tag});
  CHECK(tags(setup->dnskey_signers) == std::vector<uint16_t>{new_tag});
  r = report_of(service);
  CHECK(state_of(r, old_tag) == KeyState::Removed);
  CHECK(r.next_event.empty());

  // A restart reads the same keys and states back from the key directory.
  SigningService restarted((dir.path / "keys").string(), 1, [&now] { return now; });
  setup = restarted.setup(zone, error);
  REQUIRE_MESSAGE(setup, error);
  CHECK(setup->zone_key->key_tag() == new_tag);
  CHECK(tags(setup->dnskey) == std::vector<uint16_t>{new_tag});
  // And a second rollover may start.
  CHECK_MESSAGE(restarted.roll("roll.test.", error), error);
}

TEST_CASE("the report shows a key's activation as soon as its time has come, before the next publish") {
  TempDir dir;
  int64_t now = 1'800'000'000;
  SigningService service((dir.path / "keys").string(), 1, [&now] { return now; });
  const auto zone = signed_zone();
  std::string error;
  REQUIRE(service.setup(zone, error));
  REQUIRE(service.roll("roll.test.", error));
  const uint16_t new_tag = report_of(service).keys[1].tag;
  now += 25;  // no setup() since: the report advances the timeline itself
  const ZoneSigningReport r = report_of(service);
  CHECK(state_of(r, new_tag) == KeyState::Active);
  CHECK(state_of(r, r.keys[0].tag) == KeyState::Retired);
}

TEST_CASE("a signing service without a key directory says why it cannot sign") {
  int64_t now = 1'800'000'000;
  SigningService service("", 1, [&now] { return now; });
  std::string error;
  CHECK_FALSE(service.setup(signed_zone(), error));
  CHECK(error.find("--key-dir") != std::string::npos);
  const std::vector<ZoneSigningReport> reports = service.report();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].keys.empty());
  CHECK(reports[0].error == error);
}

TEST_CASE("a DS seen while the new key is only published: the old key leaves once its signatures have expired from caches") {
  TempDir dir;
  int64_t now = 1'800'000'000;
  SigningService service((dir.path / "keys").string(), 1, [&now] { return now; });
  const auto zone = signed_zone();
  std::string error;
  REQUIRE(service.setup(zone, error));
  REQUIRE(service.roll("roll.test.", error));
  const int64_t published = now;
  const ZoneSigningReport r = report_of(service);
  const uint16_t old_tag = r.keys[0].tag, new_tag = r.keys[1].tag;
  REQUIRE(service.ds_seen("roll.test.", new_tag, error));  // the operator was quick
  // Active at published + 25; retired then, removed max_ttl 60 + propagation_delay 5 later.
  now = published + 25;
  auto setup = service.setup(zone, error);
  REQUIRE(setup);
  CHECK(setup->zone_key->key_tag() == new_tag);
  now = published + 25 + 64;
  CHECK(state_of(report_of(service), old_tag) == KeyState::Retired);
  setup = service.setup(zone, error);
  CHECK(tags(setup->dnskey) == std::vector<uint16_t>{old_tag, new_tag});
  now = published + 25 + 65;
  CHECK(service.due());
  setup = service.setup(zone, error);
  REQUIRE(setup);
  CHECK(tags(setup->dnskey) == std::vector<uint16_t>{new_tag});
  CHECK(state_of(report_of(service), old_tag) == KeyState::Removed);
}
