// Signed zone versions made the way the versioner makes them (select the
// served pool members, put the serial in the SOA, sign_version on top of
// sign_zone), from a zone with pools of every shape, for the transfer
// plane's signing tests. Test thread only.
#pragma once

#include <doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "dnsd/xfr/version_signer.h"
#include "dnsd/xfr/zone_content.h"
#include "health/health_view.h"
#include "tests/unit/dnsd/dnssec/signing_fixture.h"

namespace dnsd::test {

inline std::string zone_text(const std::string& pools, const std::string& records) {
  return R"({"origin": "example.test.", "ttl": 300,
    "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 7, "minimum": 60},
    "dnssec": {"algorithm": "ed25519"},
    "pools": {)" + pools + R"(},
    "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"})" + records + "}}";
}

/// The default zone: "web" (5 members, max_answers 2, round robin), "few" (2
/// members, max_answers 2), "heavy" (weighted 10/1/3, max_answers 1) and
/// "dead" (serve-none, checked, so unknown members are down).
inline const std::string kPools = R"(
  "web": {"max_answers": 2, "members": ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"]},
  "few": {"max_answers": 2, "members": ["192.0.2.11", "192.0.2.12"]},
  "heavy": {"policy": "weighted", "max_answers": 1,
            "members": [{"address": "192.0.2.40", "weight": 10}, {"address": "192.0.2.41", "weight": 1},
                        {"address": "192.0.2.42", "weight": 3}]},
  "dead": {"when_all_down": "serve-none", "check": {"type": "tcp", "port": 80},
           "members": ["192.0.2.20", "192.0.2.21"]})";
inline const std::string kRecords = R"(, "www": {"A": {"pool": "web"}}, "few": {"A": {"pool": "few"}},
  "heavy": {"A": {"pool": "heavy"}}, "dead": {"A": {"pool": "dead"}, "TXT": "dead"})";

/// One zone, its health and its signing setup; make() signs versions of it.
struct Versions {
  std::shared_ptr<const zones::Zone> zone;
  std::shared_ptr<const zones::ZoneSet> set;
  std::shared_ptr<health::HealthView> view;
  std::shared_ptr<const dnssec::SigningKey> key;
  std::shared_ptr<const dnssec::SigningSetup> setup;
  std::shared_ptr<const dnssec::ZoneSignatures> zone_sigs;

  explicit Versions(const std::string& text = zone_text(kPools, kRecords),
                    dnssec::Algorithm algorithm = dnssec::Algorithm::Ed25519)
      : zone(test::load_json_zone(text)), set(std::make_shared<const zones::ZoneSet>(std::vector{zone})),
        view(health::HealthView::unbound(*set)), key(test::make_signing_key(algorithm)), setup(test::setup_with(key)) {
    std::string error;
    zone_sigs = dnssec::sign_zone(*zone, *setup, 1, error);
    REQUIRE_MESSAGE(zone_sigs, error);
  }

  /// A version with the members health serves now, signed on top of `previous`.
  std::shared_ptr<ZoneVersion> make(uint32_t serial, const ZoneVersion* previous = nullptr) {
    auto v = std::make_shared<ZoneVersion>();
    v->zone = zone;
    v->serial = serial;
    v->pools = xfr::select_pool_content(*zone, 0, *view);
    const zones::Record& soa = zone->records(zone->soa())[0];
    v->soa_rdata = soa_with_serial({zone->rdata(soa), soa.rdata_length}, serial);
    v->signing_epoch = setup->epoch();
    v->history = std::make_shared<const ZoneHistory>();
    std::string error;
    v->signatures = xfr::sign_version(*v, zone_sigs, *setup, previous, error);
    REQUIRE_MESSAGE(v->signatures, error);
    return v;
  }

  uint32_t pool_index(const std::string& name) const {
    for (uint32_t p = 0; p < zone->pools().size(); ++p)
      if (zone->pool(p).name == name) return p;
    FAIL("no pool " << name);
    return 0;
  }
  void set_health(const std::string& pool, size_t member, health::HealthState state) const {
    view->health_of(0, pool_index(pool), member)->state.store(uint8_t(state));
  }
  std::span<const uint8_t> apex() const { return {zone->origin(), zone->origin_length()}; }
};

/// Where pool RRset `owner`/`type` sits in a version: its index into pools.rrsets.
inline size_t pool_rrset(const ZoneVersion& v, const std::string& owner, uint16_t type = zones::rrtype::A) {
  const zones::Zone& zone = *v.zone;
  const zones::Node& node = zone.node(test::node_named(zone, owner));
  const zones::RRset* set = zone.find_rrset(node, type);
  REQUIRE(set);
  const size_t k = v.pools.find(zone.rrset_index(*set));
  REQUIRE(k != PoolContent::npos);
  return k;
}

/// The rdatas of pool members `members`.
inline std::vector<std::span<const uint8_t>> member_rdatas(const zones::Pool& pool, std::span<const uint16_t> members) {
  std::vector<std::span<const uint8_t>> out;
  for (const uint16_t m : members)
    out.emplace_back(pool.members[m].address.data(), pool.members[m].family == 6 ? 16 : 4);
  return out;
}

/// A list's signatures back to back, to compare.
inline std::vector<uint8_t> bytes(dnssec::SigList list) {
  std::vector<uint8_t> out;
  std::span<const uint8_t> rdata;
  while (list.next(rdata)) out.insert(out.end(), rdata.begin(), rdata.end());
  return out;
}

/// How many window signatures pool RRset `k` has.
inline size_t window_count(const dnssec::VersionSignatures& s, size_t k) {
  return s.pool_first_window[k + 1] - s.pool_first_window[k];
}

}  // namespace dnsd::test
