// /api/status: zone load times that survive a reload keeping the zone, errors
// and staleness from the last reload report, pools with their members.
#include "dnsd/control/control_status.h"

#include <doctest.h>

#include "control_fixture.h"

using nlohmann::json;

TEST_CASE("a zone keeps its load time while the same version serves") {
  auto set = dnsd::test::control_zone_set();
  dnsd::ZoneLoadTimes times;
  times.observe(*set, 1000);
  times.observe(*set, 2000);
  CHECK(times.loaded_at(set->zone(0)) == 1000);
  auto reloaded = dnsd::test::control_zone_set();  // a new Zone object: a new load
  times.observe(*reloaded, 3000);
  CHECK(times.loaded_at(reloaded->zone(0)) == 3000);
  CHECK(times.loaded_at(set->zone(0)) == 0);  // forgotten
}

TEST_CASE("status marks a kept zone stale with its file's errors") {
  auto set = dnsd::test::control_zone_set();
  dnsd::ZoneLoadTimes times;
  times.observe(*set, 1000);
  dnsd::ReloadHistory h;
  h.ok = 1;
  h.failed = 1;
  h.last_at_ms = 5000;
  h.last.published = true;
  h.last.files = 2;
  h.last.failed = 2;
  h.last.kept.push_back({"ctl.test.json", "ctl.test.", 7});
  h.last.errors.push_back({"ctl.test.json", "/ttl", "bad ttl"});
  h.last.errors.push_back({"other.json", "", "invalid JSON"});
  dnsd::ServerInfo info;
  info.started_ms = 500;
  const json s = dnsd::status_json(*dnsd::Snapshot::standalone(set), h, times, dnsd::HealthIndex(), info, 6000);
  CHECK(s["version"] == 1);
  CHECK(s["server"]["uptime_s"] == 5.5);
  CHECK(s["server"]["state_dir"].is_null());
  CHECK(s["reloads"] == json{{"ok", 1}, {"failed", 1}});
  CHECK(s["last_reload"]["ok"] == false);
  CHECK(s["last_reload"]["errors"].size() == 2);
  const json& z = s["zones"][0];
  CHECK(z["stale"] == true);
  CHECK(z["loaded_ms"] == 1000);
  REQUIRE(z["errors"].size() == 1);
  CHECK(z["errors"][0]["text"] == "ctl.test.json: /ttl: bad ttl");

  const json& web = s["pools"][0]["name"] == "web" ? s["pools"][0] : s["pools"][1];
  CHECK(web["selection"]["A"]["serving"] == json{"192.0.2.1", "192.0.2.2"});
  CHECK(web["members"][3]["drained_in_zone"] == true);
  CHECK(web["members"][3]["last_result"].is_null());
}

TEST_CASE("no load yet: last_reload is null") {
  auto set = dnsd::test::control_zone_set();
  const json s = dnsd::status_json(*dnsd::Snapshot::standalone(set), dnsd::ReloadHistory{}, dnsd::ZoneLoadTimes{}, dnsd::HealthIndex(),
                                   dnsd::ServerInfo{}, 0);
  CHECK(s["last_reload"].is_null());
  CHECK(s["zones"][0]["loaded"].is_null());
}

TEST_CASE("status shows each state file's failed writes, the last error and when") {
  auto set = dnsd::test::control_zone_set();
  dnsd::health::StateWriteErrors errors(nullptr, [] { return uint64_t(1'795'342'560'000); });
  errors.failed("drains", "/state/drains.json.tmp.9: No space left on device");
  dnsd::ServerInfo info;
  info.state_dir = "/state";
  info.state_writes = errors.status();
  const json s = dnsd::status_json(*dnsd::Snapshot::standalone(set), dnsd::ReloadHistory{}, dnsd::ZoneLoadTimes{},
                                   dnsd::HealthIndex(), info, 1'795'342'561'000);
  const json& writes = s["server"]["state_writes"];
  CHECK(writes["drains"]["errors"] == 1);
  CHECK(writes["drains"]["failing"] == true);
  CHECK(writes["drains"]["last_error"] == "/state/drains.json.tmp.9: No space left on device");
  CHECK(writes["drains"]["last_error_at"] == "2026-11-22T10:16:00.000Z");
  CHECK(writes["drains"]["last_error_ms"] == 1'795'342'560'000);
  CHECK(writes["serials"]["errors"] == 0);
  CHECK(writes["serials"]["last_error"].is_null());
}
