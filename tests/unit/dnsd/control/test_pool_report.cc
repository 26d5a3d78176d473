// What the control API says a pool serves: the same rule and members the
// query path picks (select_members), every candidate rather than one answer's
// cut, joined with the health table's details.
#include "dnsd/control/pool_report.h"

#include <doctest.h>

#include "control_fixture.h"
#include "health/check.h"

using dnsd::HealthIndex;
using dnsd::report_pool;
using dnsd::serving_members;
using dnsd::health::MemberView;
using dnsd::health::SelectionRule;
using dnsd::health::HealthState;
namespace zones = dnsd::zones;

namespace {

zones::Pool pool_of(size_t members, uint16_t max_answers = 8) {
  zones::Pool p;
  p.name = "p";
  p.max_answers = max_answers;
  for (size_t i = 0; i < members; ++i) {
    zones::PoolMember m;
    m.address_text = "192.0.2." + std::to_string(i + 1);
    p.members.push_back(m);
  }
  return p;
}

std::vector<bool> serving(const zones::Pool& p, const std::vector<MemberView>& views, SelectionRule& rule) {
  return serving_members(p, views, 4, rule);
}

}  // namespace

TEST_CASE("serving lists every candidate, not one answer's cut") {
  zones::Pool p = pool_of(100, 1);
  std::vector<MemberView> views(100, MemberView{HealthState::Up, false});
  views[7].health = HealthState::Down;
  views[8].drained = true;
  SelectionRule rule;
  const auto s = serving(p, views, rule);
  CHECK(rule == SelectionRule::HealthyPrimaries);
  for (size_t i = 0; i < 100; ++i) CHECK_MESSAGE(s[i] == (i != 7 && i != 8), i);
}

TEST_CASE("serving follows the rule: backups, drained last resort, all down") {
  zones::Pool p = pool_of(3);
  p.members[2].backup = true;
  SelectionRule rule;
  std::vector<MemberView> views{{HealthState::Down, false}, {HealthState::Down, false}, {HealthState::Up, false}};
  CHECK(serving(p, views, rule) == std::vector<bool>{false, false, true});
  CHECK(rule == SelectionRule::HealthyBackups);

  views = {{HealthState::Up, true}, {HealthState::Down, false}, {HealthState::Down, false}};
  CHECK(serving(p, views, rule) == std::vector<bool>{true, false, false});
  CHECK(rule == SelectionRule::DrainedLastResort);

  views = {{HealthState::Down, false}, {HealthState::Unknown, false}, {HealthState::Down, false}};
  CHECK(serving(p, views, rule) == std::vector<bool>{true, true, false});
  CHECK(rule == SelectionRule::AllDownServeAll);

  p.when_all_down = zones::WhenAllDown::ServeNone;
  CHECK(serving(p, views, rule) == std::vector<bool>{false, false, false});
  CHECK(rule == SelectionRule::AllDownServeNone);
}

TEST_CASE("weighted pools list the same candidates as round-robin ones") {
  zones::Pool p = pool_of(4, 1);
  p.policy = zones::PoolPolicy::Weighted;
  p.members[0].weight = 1000;
  std::vector<MemberView> views(4, MemberView{HealthState::Up, false});
  SelectionRule rule;
  CHECK(serving(p, views, rule) == std::vector<bool>{true, true, true, true});
}

TEST_CASE("report_pool reads the live atomics and the rule per family") {
  auto snapshot = dnsd::test::control_snapshot();
  const zones::Zone& zone = snapshot->zones->zone(0);
  const uint32_t web_index = dnsd::test::pool_index(zone, "web");
  const zones::Pool& web = zone.pool(web_index);
  snapshot->health->admin_of(0, web_index, 1)->state.store(uint8_t(dnsd::health::AdminState::Drain));
  const HealthIndex none;
  const auto report = report_pool(web, snapshot->health->pool(0, web_index), none);
  REQUIRE(report.members.size() == 5);
  CHECK(report.rule_for(4) == SelectionRule::HealthyPrimaries);
  CHECK(report.rule_for(6) == SelectionRule::HealthyPrimaries);
  CHECK(report.members[0].serving);
  CHECK_FALSE(report.members[1].serving);
  CHECK(report.members[1].admin == dnsd::health::AdminState::Drain);
  CHECK_FALSE(report.members[2].serving);  // backup on standby
  CHECK(report.members[3].view.drained);   // drained in the zone file
  CHECK(report.members[4].serving);
  CHECK(report.members[0].target == nullptr);

  const uint32_t dead_index = dnsd::test::pool_index(zone, "dead");
  const auto dead = report_pool(zone.pool(dead_index), snapshot->health->pool(0, dead_index), none);
  CHECK(dead.rule_for(4) == SelectionRule::AllDownServeAll);
  CHECK(dead.rule_for(6) == SelectionRule::NoMembers);
}

TEST_CASE("a pool's names and longest TTL") {
  auto set = dnsd::test::control_zone_set();
  const zones::Zone& zone = set->zone(0);
  const uint32_t web = dnsd::test::pool_index(zone, "web");
  CHECK(dnsd::pool_owner_names(zone, web) == std::vector<std::string>{"www.ctl.test.", "www2.ctl.test."});
  CHECK(dnsd::pool_max_ttl(zone, web) == 120);
  CHECK(dnsd::pool_max_ttl(zone, dnsd::test::pool_index(zone, "dead")) == 5);
}

TEST_CASE("HealthIndex finds a target by normalised check and canonical address") {
  dnsd::health::HealthSnapshot snap;
  dnsd::health::TargetStatus t;
  t.id = 1;
  t.address = "2001:db8::1";
  t.check.type = zones::CheckType::Http;
  t.check = dnsd::health::normalized_spec(t.check);
  snap.targets.push_back(t);
  const HealthIndex index(snap);
  zones::CheckSpec http;
  http.type = zones::CheckType::Http;  // port 0: the default, 80
  CHECK(index.find(http, "2001:DB8:0::1") != nullptr);
  CHECK(index.find(http, "2001:db8::2") == nullptr);
  http.path = "/other";
  CHECK(index.find(http, "2001:db8::1") == nullptr);
  CHECK(HealthIndex().find(http, "2001:db8::1") == nullptr);
}

TEST_CASE("a member of a pool without a check is unchecked, not up") {
  const auto snapshot = dnsd::test::control_snapshot();
  const zones::Zone& zone = snapshot->zones->zone(0);
  const HealthIndex none;
  for (const char* name : {"web", "dead"}) {
    const uint32_t p = dnsd::test::pool_index(zone, name);
    const dnsd::PoolReport report = report_pool(zone.pool(p), snapshot->health->pool(0, p), none);
    const auto j = dnsd::member_json(zone.pool(p), 0, report.members[0], 1'000'000);
    if (std::string(name) == "web") {
      CHECK(j["state"] == "unchecked");
      CHECK(j["checked"] == false);
      CHECK(j["serving"] == true);  // still served: nothing takes it out
    } else {
      CHECK(j["state"] == "unknown");
      CHECK(j["checked"] == true);
    }
  }
}
