#include "tests/fuzz/fuzz_fixture.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dnsd/query/server_cookies.h"
#include "dnsd/xfr/versioner.h"
#include "health/health_view.h"
#include "zones/json_loader.h"
#include "zones/zone_set.h"

namespace dnsd::fuzz {
namespace {

// Zone files as operators write them (zones/FORMAT.md). Pools "web",
// "dead" and "fallback" are checked, so their members' states are set below;
// "weighted" has no check and is always up.
constexpr const char* kExampleZone = R"({
  "origin": "example.test.", "ttl": 300,
  "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 10,
          "refresh": 3600, "retry": 600, "expire": 86400, "minimum": 60},
  "transfer": {"allow": ["127.0.0.1"], "notify": ["127.0.0.2:5300"]},
  "pools": {
    "web": {"ttl": 5, "max_answers": 2, "check": {"type": "tcp", "port": 80},
            "members": ["192.0.2.1", {"address": "192.0.2.2", "weight": 3}, "192.0.2.3",
                        {"address": "192.0.2.9", "backup": true}, {"address": "192.0.2.4", "state": "drain"},
                        "2001:db8::1", "2001:db8::2"]},
    "dead": {"when_all_down": "serve-none", "check": {"type": "tcp", "port": 80},
             "members": ["192.0.2.20", "192.0.2.21"]},
    "fallback": {"check": {"type": "tcp", "port": 80}, "members": ["192.0.2.30", "2001:db8::30"]},
    "weighted": {"policy": "weighted",
                 "members": [{"address": "192.0.2.40", "weight": 10}, {"address": "192.0.2.41", "weight": 1}]}
  },
  "records": {
    "@": {"NS": ["ns1", "ns2.elsewhere.test."], "MX": ["10 mail", "20 mail.other.test."],
          "TXT": "v=spf1 mx -all", "CAA": "0 issue \"letsencrypt.org\""},
    "ns1": {"A": "192.0.2.53", "AAAA": "2001:db8::53"},
    "mail": {"A": "192.0.2.25", "AAAA": "2001:db8::25"},
    "www": {"A": {"pool": "web"}, "AAAA": {"pool": "web", "ttl": 10}, "TXT": "web"},
    "static": {"A": ["192.0.2.10", "192.0.2.11", "192.0.2.12"]},
    "dead": {"A": {"pool": "dead"}},
    "fallback": {"A": {"pool": "fallback"}, "AAAA": {"pool": "fallback"}},
    "weighted": {"A": {"pool": "weighted"}},
    "alias": {"CNAME": "alias2"},
    "alias2": {"CNAME": "www"},
    "out": {"CNAME": "www.other.test."},
    "loop1": {"CNAME": "loop2"},
    "loop2": {"CNAME": "loop1"},
    "*.wild": {"A": "192.0.2.99", "TXT": "synthesised"},
    "*.wildc": {"CNAME": "static"},
    "exists.wild": {"TXT": "here"},
    "deep.a.b": {"TXT": "deep"},
    "sub": {"NS": ["ns.sub", "ns.elsewhere.test."],
            "DS": "31589 13 2 DAF37A89A7BD3EF145762B6FEEF1D4F703DFE90D34A7C6642CDC97284E1DC782"},
    "ns.sub": {"A": "192.0.2.54", "AAAA": "2001:db8::54"},
    "_sip._udp": {"SRV": ["10 60 5060 sip", "20 40 5060 mail"]},
    "sip": {"A": "192.0.2.60", "NAPTR": "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp"},
    "big": {"TXT": ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                    "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"]},
    "medium": {"TXT": ["dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd", "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"]},
    "legacy": {"TYPE65280": "\\# 4 deadbeef"}
  }
})";

constexpr const char* kSignedZone = R"({
  "origin": "signed.test.", "ttl": 300,
  "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 10},
  "transfer": {"allow": ["127.0.0.1"], "tsig": "fuzz-key"},
  "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"}, "www": {"A": "192.0.2.80", "TXT": "signed"}}
})";

constexpr const char* kClosedZone = R"({
  "origin": "closed.test.", "ttl": 300,
  "soa": {"mname": "ns1.example.test.", "rname": "hostmaster", "serial": 10},
  "records": {"@": {"NS": "ns1.example.test."}, "www": {"A": "192.0.2.90"}}
})";

constexpr const char* kChildZone = R"({
  "origin": "child.example.test.", "ttl": 300,
  "soa": {"mname": "ns1.example.test.", "rname": "hostmaster", "serial": 10},
  "records": {"@": {"NS": "ns1.example.test.", "A": "192.0.2.70"}, "www": {"CNAME": "@"}}
})";

std::shared_ptr<const zones::Zone> load(const char* text, const char* file) {
  const zones::LoadResult r = zones::load_zone_json(text, file);
  if (!r.zone) {
    for (const auto& e : r.errors) std::fprintf(stderr, "fuzz fixture: %s\n", e.to_string().c_str());
    std::abort();
  }
  return r.zone;
}

/// Sets the health of the member `address` of pool `pool` of zone 0.
void set_health(const zones::ZoneSet& set, const health::HealthView& view, const std::string& pool,
                const std::string& address, health::HealthState state) {
  const zones::Zone& zone = set.zone(0);
  for (uint32_t p = 0; p < zone.pools().size(); ++p) {
    if (zone.pool(p).name != pool) continue;
    const auto& members = zone.pool(p).members;
    for (size_t m = 0; m < members.size(); ++m)
      if (members[m].address_text == address) {
        view.health_of(0, p, m)->state.store(uint8_t(state), std::memory_order_relaxed);
        return;
      }
  }
  std::fprintf(stderr, "fuzz fixture: no member %s in pool %s\n", address.c_str(), pool.c_str());
  std::abort();
}

struct Fixture {
  std::shared_ptr<const Snapshot> snapshot;
  std::shared_ptr<const xfr::TsigKeyring> keys;

  Fixture() {
    auto set = std::make_shared<const zones::ZoneSet>(std::vector{
        load(kExampleZone, "example.test.json"), load(kSignedZone, "signed.test.json"),
        load(kClosedZone, "closed.test.json"), load(kChildZone, "child.example.test.json")});
    std::shared_ptr<const health::HealthView> view = health::HealthView::unbound(*set);
    using health::HealthState;
    for (const char* up : {"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.9", "192.0.2.4", "2001:db8::1",
                           "2001:db8::2"})
      set_health(*set, *view, "web", up, HealthState::Up);
    for (const char* down : {"192.0.2.20", "192.0.2.21"}) set_health(*set, *view, "dead", down, HealthState::Down);
    for (const char* down : {"192.0.2.30", "2001:db8::30"})
      set_health(*set, *view, "fallback", down, HealthState::Down);

    // Three versions, each a health change, so IXFR has history to walk.
    xfr::Versioner versioner("", {}, [] { return kNowMs; });
    const auto publish = [&] {
      const xfr::Advance next = versioner.advance(*set, *view, snapshot.get());
      snapshot = std::make_shared<const Snapshot>(set, view, 1, snapshot.get(), next.versions);
    };
    publish();
    set_health(*set, *view, "web", "192.0.2.2", HealthState::Down);
    publish();
    set_health(*set, *view, "web", "2001:db8::2", HealthState::Down);
    publish();
    if (snapshot->versions[0]->serial != kCurrentSerial) {
      std::fprintf(stderr, "fuzz fixture: serial %u, expected %u\n", snapshot->versions[0]->serial, kCurrentSerial);
      std::abort();
    }

    std::string error;
    auto ring = xfr::TsigKeyring::parse(std::string("hmac-sha256:") + kKeyName + ":" + kKeySecret + "\n", "fuzz",
                                        error);
    if (!ring) {
      std::fprintf(stderr, "fuzz fixture: %s\n", error.c_str());
      std::abort();
    }
    keys = std::make_shared<const xfr::TsigKeyring>(std::move(*ring));
  }
};

const Fixture& fixture() {
  static const Fixture* f = new Fixture;  // never freed: lives as long as the process
  return *f;
}

}  // namespace

const Snapshot& snapshot() { return *fixture().snapshot; }

std::shared_ptr<const xfr::TsigKeyring> keyring() { return fixture().keys; }

void reset_rotation(RotationState& rotation) { rotation.resize(snapshot().zones->rotation_slots()); }

QueryContext make_query_context() {
  // A fixed secret, client and time: the same input always gives the same
  // cookies, so the harness's determinism check holds with cookies on.
  static const std::unique_ptr<ServerCookies> cookies = [] {
    std::string error;
    auto made = ServerCookies::create(CookieSecrets::fixed({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}), error);
    if (!made) {
      std::fprintf(stderr, "fuzz: no server cookies: %s\n", error.c_str());
      std::abort();
    }
    return made;
  }();
  static const uint8_t kClient[4] = {192, 0, 2, 1};
  static const uint8_t kNsid[4] = {'f', 'u', 'z', 'z'};
  QueryContext context;
  context.client_address = kClient;
  context.now = 1700000000;
  context.cookies = cookies.get();
  context.nsid = kNsid;
  return context;
}

void property_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "fuzz property failed: %s (%s:%d)\n", condition, file, line);
  std::abort();
}

}  // namespace dnsd::fuzz
