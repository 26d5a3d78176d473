// The drain reply: members, other pools, the warning and the safe time, for
// a pool drain while other pools serve the address, a pool drain once they
// do not, an address-wide drain, and a member still served as a last resort.
#include "dnsd/control/drain_reply.h"

#include <doctest.h>

#include <map>
#include <string>

#include "tests/unit/dnsd/control/drain_zones.h"

using dnsd::AdminRequest;
using nlohmann::json;

namespace {

constexpr uint64_t kNow = 1795342560000;

AdminRequest request(const char* body) {
  AdminRequest r;
  std::string error;
  REQUIRE_MESSAGE(dnsd::parse_admin_request(body, r, error), error);
  return r;
}

/// Runtime-drains every member of the snapshot holding `address` in `pool` (any pool if empty) of `zone` (any if empty).
void drain(const dnsd::Snapshot& snapshot, const std::string& zone, const std::string& pool, const std::string& address) {
  for (uint32_t z = 0; z < snapshot.zones->size(); ++z) {
    const auto& zn = snapshot.zones->zone(z);
    if (!zone.empty() && zn.origin_text() != zone) continue;
    for (uint32_t p = 0; p < zn.pools().size(); ++p)
      for (size_t m = 0; m < zn.pool(p).members.size(); ++m)
        if ((pool.empty() || zn.pool(p).name == pool) && zn.pool(p).members[m].address_text == address)
          snapshot.health->admin_of(z, p, m)->state.store(uint8_t(dnsd::health::AdminState::Drain));
  }
}

/// Drain times by "zone/pool"; unknown ones are `kNow`.
struct Times {
  std::map<std::string, uint64_t> since;
  int served_calls = 0;
  dnsd::DrainedSince fn() {
    return [this](const dnsd::zones::Zone& zone, const dnsd::zones::Pool& pool, uint32_t, bool serving) {
      served_calls += serving;
      auto it = since.find(zone.origin_text() + "/" + pool.name);
      return it == since.end() ? kNow : it->second;
    };
  }
};

json reply(const dnsd::Snapshot& snapshot, const char* body, bool is_drain, Times& times) {
  const AdminRequest r = request(body);
  return dnsd::drain_reply(snapshot, requested_members(*snapshot.zones, r), r, is_drain, true, kNow, times.fn());
}

}  // namespace

TEST_CASE("drain reply: a pool drain while other pools serve the address has a warning and no safe time") {
  const auto snapshot = dnsd::test::drain_snapshot();
  drain(*snapshot, "a.test.", "web", "192.0.2.1");
  Times times;
  const json r = reply(*snapshot, R"({"pool": "web", "address": "192.0.2.1", "zone": "a.test"})", true, times);
  CHECK(r["pool"] == "web");
  CHECK(r["all_pools"] == false);
  CHECK(r["still_serving"] == false);
  CHECK(r["members"] == json::parse(R"([{"zone": "a.test.", "pool": "web", "address": "192.0.2.1", "state": "unchecked",
                                         "admin": "drain", "serving": false}])"));
  CHECK(r["other_pools"] == json::parse(R"([
      {"zone": "a.test.", "pool": "api", "address": "192.0.2.1", "state": "unchecked", "admin": "auto", "serving": true},
      {"zone": "b.test.", "pool": "web", "address": "192.0.2.1", "state": "unchecked", "admin": "auto", "serving": true}])"));
  CHECK(r["safe_after"].is_null());
  CHECK(r["safe_after_ms"].is_null());
  CHECK(r["safe_in_s"].is_null());
  const std::string warning = r["warning"];
  CHECK(warning.find("pool api of a.test.") != std::string::npos);
  CHECK(warning.find("pool web of b.test.") != std::string::npos);
  CHECK(warning.find("not safe to stop the server") != std::string::npos);
  CHECK(warning.find("`dnsd ctl drain 192.0.2.1`") != std::string::npos);
}

TEST_CASE("drain reply: once the other pools no longer serve it, the safe time covers their TTLs and drain times") {
  const auto snapshot = dnsd::test::drain_snapshot();
  drain(*snapshot, "", "", "192.0.2.1");
  Times times;
  times.since = {{"a.test./web", kNow - 5000}, {"a.test./api", kNow - 30000}, {"b.test./web", kNow - 2000}};
  const json r = reply(*snapshot, R"({"pool": "web", "address": "192.0.2.1", "zone": "a.test"})", true, times);
  CHECK(r["warning"].is_null());
  CHECK(r["other_pools"].size() == 2);
  CHECK(r["max_ttl_s"] == 90);                   // api's record TTL, above web's 20 and b.test.'s 30
  CHECK(r["drained_since_ms"] == kNow - 2000);   // the latest drain of any pool involved
  CHECK(r["safe_after_ms"] == kNow - 2000 + 90000);
  CHECK(r["safe_in_s"] == doctest::Approx(88.0));
}

TEST_CASE("drain reply: an address drain lists every pool's member; the safe time is the latest drain plus the longest TTL") {
  const auto snapshot = dnsd::test::drain_snapshot();
  drain(*snapshot, "", "", "192.0.2.1");
  Times times;
  times.since = {{"a.test./web", kNow - 100000}, {"a.test./api", kNow - 1000}, {"b.test./web", kNow - 50000}};
  const json r = reply(*snapshot, R"({"address": "192.0.2.1"})", true, times);
  CHECK(r["pool"].is_null());
  CHECK(r["zone"].is_null());
  CHECK(r["all_pools"] == true);
  CHECK(r["members"].size() == 3);
  for (const json& m : r["members"]) CHECK(m["serving"] == false);
  CHECK(r["other_pools"] == json::array());
  CHECK(r["max_ttl_s"] == 90);
  CHECK(r["drained_since_ms"] == kNow - 1000);
  CHECK(r["safe_after_ms"] == kNow - 1000 + 90000);
  CHECK(r["still_serving"] == false);
  CHECK(r["warning"].is_null());

  const json u = reply(*snapshot, R"({"address": "192.0.2.1"})", false, times);
  CHECK(u["admin"] == "auto");
  CHECK(u["safe_after"].is_null());
  CHECK(u["drained_since"].is_null());
  CHECK(u["max_ttl_s"].is_null());
}

TEST_CASE("drain reply: a drained member served as the last resort is still served: warning, no safe time") {
  const auto snapshot = dnsd::test::drain_snapshot();
  drain(*snapshot, "", "", "192.0.2.50");
  Times times;
  const json r = reply(*snapshot, R"({"address": "192.0.2.50"})", true, times);
  CHECK(r["still_serving"] == true);
  CHECK(r["safe_after"].is_null());
  CHECK(times.served_calls == 1);  // the caller learns it is still served
  const std::string warning = r["warning"];
  CHECK(warning.find("still being served by pool solo of a.test.") != std::string::npos);
  CHECK(warning.find("dnsd ctl drain") == std::string::npos);  // nothing more to drain
}
