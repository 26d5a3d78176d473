// Answer selection with fixed member states: which members go into an answer,
// in which order, and by which rule.
#include <doctest.h>

#include <map>
#include <memory>
#include <vector>

#include "health/selection.h"

using dnsd::health::MemberView;
using dnsd::health::Selection;
using dnsd::health::SelectionRule;
using dnsd::health::HealthState;
using dnsd::zones::Pool;
using dnsd::zones::PoolMember;
namespace health = dnsd::health;
namespace zones = dnsd::zones;

namespace {

constexpr HealthState U = HealthState::Up, D = HealthState::Down, Q = HealthState::Unknown;

PoolMember member(uint8_t last, uint8_t family = 4, bool backup = false, uint16_t weight = 1) {
  PoolMember m;
  m.family = family;
  m.address[0] = 192;
  m.address[3] = last;
  m.address_text = (family == 4 ? "192.0.2." : "2001:db8::") + std::to_string(last);
  m.backup = backup;
  m.weight = weight;
  return m;
}

Pool pool_of(std::vector<PoolMember> members) {
  Pool p;
  p.name = "web";
  p.members = std::move(members);
  return p;
}

std::vector<MemberView> views(std::initializer_list<HealthState> states) {
  std::vector<MemberView> v;
  for (HealthState s : states) v.push_back(MemberView{s, false});
  return v;
}

std::vector<uint16_t> chosen(const Selection& s) { return std::vector<uint16_t>(s.member, s.member + s.count); }

Selection select(const Pool& p, const std::vector<MemberView>& v, uint32_t rotation = 0, uint8_t family = 4) {
  return health::select_members(p, v, family, rotation);
}

}  // namespace

TEST_CASE("healthy primaries are served, rotated by the rotation counter") {
  const Pool p = pool_of({member(1), member(2), member(3)});
  const auto v = views({U, U, U});
  CHECK(chosen(select(p, v, 0)) == std::vector<uint16_t>{0, 1, 2});
  CHECK(chosen(select(p, v, 1)) == std::vector<uint16_t>{1, 2, 0});
  CHECK(chosen(select(p, v, 2)) == std::vector<uint16_t>{2, 0, 1});
  CHECK(chosen(select(p, v, 3)) == std::vector<uint16_t>{0, 1, 2});
  CHECK(select(p, v).rule == SelectionRule::HealthyPrimaries);
}

TEST_CASE("down and unknown members leave the answer while others are up") {
  const Pool p = pool_of({member(1), member(2), member(3), member(4)});
  const auto v = views({U, D, Q, U});
  CHECK(chosen(select(p, v, 0)) == std::vector<uint16_t>{0, 3});
  CHECK(chosen(select(p, v, 1)) == std::vector<uint16_t>{3, 0});
}

TEST_CASE("backups answer only when no primary is up") {
  const Pool p = pool_of({member(1), member(2), member(9, 4, true), member(10, 4, true)});
  SUBCASE("a primary is up: backups stay out") {
    const Selection s = select(p, views({D, U, U, U}));
    CHECK(chosen(s) == std::vector<uint16_t>{1});
    CHECK(s.rule == SelectionRule::HealthyPrimaries);
  }
  SUBCASE("every primary is down: the up backups take over") {
    const Selection s = select(p, views({D, D, U, D}));
    CHECK(chosen(s) == std::vector<uint16_t>{2});
    CHECK(s.rule == SelectionRule::HealthyBackups);
  }
  SUBCASE("backups rotate too") {
    CHECK(chosen(select(p, views({D, D, U, U}), 1)) == std::vector<uint16_t>{3, 2});
  }
}

TEST_CASE("drained members are never served while anything else is up") {
  Pool p = pool_of({member(1), member(2), member(9, 4, true)});
  auto v = views({U, U, U});
  v[0].drained = true;
  SUBCASE("another primary is up") {
    const Selection s = select(p, v);
    CHECK(chosen(s) == std::vector<uint16_t>{1});
    CHECK(s.rule == SelectionRule::HealthyPrimaries);
  }
  SUBCASE("only a backup is up besides the drained one") {
    v[1].health = D;
    const Selection s = select(p, v);
    CHECK(chosen(s) == std::vector<uint16_t>{2});
    CHECK(s.rule == SelectionRule::HealthyBackups);
  }
  SUBCASE("only the drained member is up: it answers rather than nothing") {
    v[1].health = D;
    v[2].health = D;
    const Selection s = select(p, v);
    CHECK(chosen(s) == std::vector<uint16_t>{0});
    CHECK(s.rule == SelectionRule::DrainedLastResort);
  }
}

TEST_CASE("read_member_views combines zone-file drain, runtime drain and live health") {
  Pool p = pool_of({member(1), member(2), member(3)});
  health::MemberHealth h[3];
  health::MemberAdmin a[3];
  std::vector<health::MemberLink> links;
  for (size_t i = 0; i < 3; ++i) {
    h[i].state.store(uint8_t(U));
    links.push_back({&h[i].state, &a[i].state});
  }
  p.members[0].drained = true;
  a[1].state.store(uint8_t(health::AdminState::Drain));
  h[2].state.store(uint8_t(D));
  std::vector<MemberView> v(3);
  health::read_member_views(p, links, v);
  CHECK(v[0].drained);
  CHECK(v[0].health == U);
  CHECK(v[1].drained);
  CHECK_FALSE(v[2].drained);
  CHECK(v[2].health == D);

  // Fewer links than members: the rest keep their views as they were.
  std::vector<MemberView> w(3);
  health::read_member_views(p, std::span(links.data(), 1), w);
  CHECK(w[0].health == U);
  CHECK(w[1].health == Q);
  CHECK_FALSE(w[1].drained);
}

TEST_CASE("weighted: each member leads a share of answers proportional to its weight") {
  Pool p = pool_of({member(1, 4, false, 1), member(2, 4, false, 3), member(3, 4, false, 6)});
  p.policy = zones::PoolPolicy::Weighted;
  const auto v = views({U, U, U});
  std::map<uint16_t, int> first;
  for (uint32_t r = 0; r < 10000; ++r) {
    const Selection s = select(p, v, r);
    REQUIRE(s.count == 3);
    ++first[s.member[0]];
  }
  CHECK(first[0] == 1000);
  CHECK(first[1] == 3000);
  CHECK(first[2] == 6000);

  SUBCASE("weights count among the up members only") {
    const auto v2 = views({U, D, U});
    std::map<uint16_t, int> lead;
    for (uint32_t r = 0; r < 7000; ++r) ++lead[select(p, v2, r).member[0]];
    CHECK(lead[0] == 1000);
    CHECK(lead[2] == 6000);
    CHECK(lead.count(1) == 0);
  }
}

TEST_CASE("max_answers cuts the answer, and rotation still reaches every member") {
  std::vector<PoolMember> members;
  for (uint8_t i = 1; i <= 10; ++i) members.push_back(member(i));
  Pool p = pool_of(members);
  p.max_answers = 3;
  const std::vector<MemberView> v(10, MemberView{U, false});
  CHECK(chosen(select(p, v, 0)) == std::vector<uint16_t>{0, 1, 2});
  CHECK(chosen(select(p, v, 9)) == std::vector<uint16_t>{9, 0, 1});
  std::map<uint16_t, int> seen;
  for (uint32_t r = 0; r < 10; ++r)
    for (uint16_t m : chosen(select(p, v, r))) ++seen[m];
  CHECK(seen.size() == 10);

  SUBCASE("max_answers 0 means the global cap") {
    p.max_answers = 0;
    CHECK(select(p, v).count == 10);
  }
  SUBCASE("the cut applies to all-down fail-open too") {
    const std::vector<MemberView> down(10, MemberView{D, false});
    CHECK(select(p, down).count == 3);
  }
}

TEST_CASE("all down, serve-all (the default): every primary answers, fail open") {
  Pool p = pool_of({member(1), member(2), member(9, 4, true)});
  REQUIRE(p.when_all_down == zones::WhenAllDown::ServeAll);
  const Selection s = select(p, views({D, D, D}));
  CHECK(s.rule == SelectionRule::AllDownServeAll);
  CHECK(chosen(s) == std::vector<uint16_t>{0, 1});  // primaries only, not backups
  CHECK(chosen(select(p, views({D, D, D}), 1)) == std::vector<uint16_t>{1, 0});

  SUBCASE("unknown counts as not up: a pool nobody has probed yet fails open") {
    CHECK(select(p, views({Q, Q, Q})).rule == SelectionRule::AllDownServeAll);
  }
  SUBCASE("drained primaries stay out of the fail-open answer when others exist") {
    auto v = views({D, D, D});
    v[0].drained = true;
    CHECK(chosen(select(p, v)) == std::vector<uint16_t>{1});
  }
  SUBCASE("if every primary is drained, all of them answer") {
    auto v = views({D, D, D});
    v[0].drained = v[1].drained = true;
    CHECK(chosen(select(p, v)) == std::vector<uint16_t>{0, 1});
  }
}

TEST_CASE("all down, serve-none: an empty answer (NODATA)") {
  Pool p = pool_of({member(1), member(2), member(9, 4, true)});
  p.when_all_down = zones::WhenAllDown::ServeNone;
  const Selection s = select(p, views({D, D, D}));
  CHECK(s.rule == SelectionRule::AllDownServeNone);
  CHECK(s.count == 0);
  SUBCASE("a backup coming up still answers") {
    const Selection b = select(p, views({D, D, U}));
    CHECK(b.rule == SelectionRule::HealthyBackups);
    CHECK(chosen(b) == std::vector<uint16_t>{2});
  }
}

TEST_CASE("family filtering: A answers use IPv4 members, AAAA answers IPv6 ones") {
  const Pool p = pool_of({member(1, 4), member(1, 6), member(2, 4), member(2, 6)});
  const auto v = views({U, U, D, U});
  CHECK(chosen(select(p, v, 0, 4)) == std::vector<uint16_t>{0});
  CHECK(chosen(select(p, v, 0, 6)) == std::vector<uint16_t>{1, 3});

  SUBCASE("health of the other family does not matter") {
    const auto v6down = views({U, D, U, D});
    const Selection s = select(p, v6down, 0, 6);
    CHECK(s.rule == SelectionRule::AllDownServeAll);
    CHECK(chosen(s) == std::vector<uint16_t>{1, 3});
  }
  SUBCASE("a family with no member at all") {
    const Pool v4only = pool_of({member(1, 4), member(2, 4)});
    const Selection s = select(v4only, views({U, U}), 0, 6);
    CHECK(s.rule == SelectionRule::NoMembers);
    CHECK(s.count == 0);
  }
}

TEST_CASE("a family whose members are all backups fails open with them") {
  // IPv4 has primaries; the IPv6 side of the pool is only a standby.
  Pool p = pool_of({member(1, 4), member(2, 4), member(9, 6, true), member(10, 6, true)});
  REQUIRE(p.when_all_down == zones::WhenAllDown::ServeAll);
  SUBCASE("every IPv6 backup is down: serve-all answers with them, not NODATA") {
    const Selection s = select(p, views({U, U, D, D}), 0, 6);
    CHECK(s.rule == SelectionRule::AllDownServeAll);
    CHECK(chosen(s) == std::vector<uint16_t>{2, 3});
    CHECK(chosen(select(p, views({U, U, D, D}), 1, 6)) == std::vector<uint16_t>{3, 2});
  }
  SUBCASE("unknown counts as down there too") {
    CHECK(chosen(select(p, views({U, U, Q, Q}), 0, 6)) == std::vector<uint16_t>{2, 3});
  }
  SUBCASE("a drained backup stays out while an undrained one exists") {
    auto v = views({U, U, D, D});
    v[2].drained = true;
    const Selection s = select(p, v, 0, 6);
    CHECK(s.rule == SelectionRule::AllDownServeAll);
    CHECK(chosen(s) == std::vector<uint16_t>{3});
  }
  SUBCASE("if every backup is drained, all of them answer") {
    auto v = views({U, U, D, D});
    v[2].drained = v[3].drained = true;
    CHECK(chosen(select(p, v, 0, 6)) == std::vector<uint16_t>{2, 3});
  }
  SUBCASE("serve-none still answers NODATA") {
    p.when_all_down = zones::WhenAllDown::ServeNone;
    const Selection s = select(p, views({U, U, D, D}), 0, 6);
    CHECK(s.rule == SelectionRule::AllDownServeNone);
    CHECK(s.count == 0);
  }
  SUBCASE("an up backup answers as before") {
    const Selection s = select(p, views({D, D, D, U}), 0, 6);
    CHECK(s.rule == SelectionRule::HealthyBackups);
    CHECK(chosen(s) == std::vector<uint16_t>{3});
  }
  SUBCASE("the other family's fail-open set is still its primaries only") {
    const Selection s = select(p, views({D, D, D, D}), 0, 4);
    CHECK(s.rule == SelectionRule::AllDownServeAll);
    CHECK(chosen(s) == std::vector<uint16_t>{0, 1});
  }
  SUBCASE("a pool made only of backups") {
    const Pool standby = pool_of({member(9, 4, true), member(10, 4, true)});
    const Selection s = select(standby, views({D, D}));
    CHECK(s.rule == SelectionRule::AllDownServeAll);
    CHECK(chosen(s) == std::vector<uint16_t>{0, 1});
  }
}

TEST_CASE("a dual-stack pool: every rule, asked for IPv4 and for IPv6") {
  // Members interleave the families, so a selection that ignored the family
  // would pick indices of the other one. Per family: two primaries and a backup.
  const std::vector<PoolMember> members{member(1, 4), member(1, 6), member(2, 4),
                                        member(2, 6), member(9, 4, true), member(9, 6, true)};
  const std::map<uint8_t, std::vector<uint16_t>> index_of{{4, {0, 2, 4}}, {6, {1, 3, 5}}};
  // The other family is kept in the opposite state, so a leak across families changes the rule.
  struct Case {
    const char* name;
    std::vector<HealthState> own;  ///< primary 1, primary 2, backup of the asked family
    bool first_drained;
    zones::WhenAllDown when_all_down;
    HealthState other;
    SelectionRule rule;
    std::vector<size_t> want;  ///< positions in `own` (0, 1: primaries; 2: the backup), rotation 0
  };
  const Case cases[] = {
      {"healthy primaries", {U, U, U}, false, zones::WhenAllDown::ServeAll, D, SelectionRule::HealthyPrimaries, {0, 1}},
      {"healthy backups", {D, D, U}, false, zones::WhenAllDown::ServeAll, U, SelectionRule::HealthyBackups, {2}},
      {"drained last resort", {U, D, D}, true, zones::WhenAllDown::ServeAll, U, SelectionRule::DrainedLastResort, {0}},
      {"all down, serve-all", {D, D, D}, false, zones::WhenAllDown::ServeAll, U, SelectionRule::AllDownServeAll, {0, 1}},
      {"all down, serve-none", {D, D, D}, false, zones::WhenAllDown::ServeNone, U, SelectionRule::AllDownServeNone, {}},
  };
  for (const uint8_t family : {uint8_t(4), uint8_t(6)}) {
    const uint8_t other = family == 4 ? 6 : 4;
    for (const Case& c : cases) {
      CAPTURE(c.name);
      CAPTURE(int(family));
      Pool p = pool_of(members);
      p.when_all_down = c.when_all_down;
      std::vector<MemberView> v(members.size());
      for (size_t k = 0; k < 3; ++k) {
        v[index_of.at(family)[k]] = MemberView{c.own[k], k == 0 && c.first_drained};
        v[index_of.at(other)[k]] = MemberView{c.other, false};
      }
      std::vector<uint16_t> want;
      for (size_t k : c.want) want.push_back(index_of.at(family)[k]);
      const Selection s = select(p, v, 0, family);
      CHECK(s.rule == c.rule);
      CHECK(chosen(s) == want);
      for (uint16_t m : chosen(s)) CHECK(p.members[m].family == family);
      if (want.size() == 2) CHECK(chosen(select(p, v, 1, family)) == std::vector<uint16_t>{want[1], want[0]});
    }
  }
  SUBCASE("no members: neither family of a dual-stack pool, each family of a single-stack one") {
    const Pool dual = pool_of(members);
    for (const HealthState h : {U, D, Q}) {
      const std::vector<MemberView> v(members.size(), MemberView{h, false});
      CHECK(select(dual, v, 0, 4).rule != SelectionRule::NoMembers);
      CHECK(select(dual, v, 0, 6).rule != SelectionRule::NoMembers);
    }
    const Pool v4only = pool_of({member(1, 4), member(9, 4, true)});
    const Pool v6only = pool_of({member(1, 6), member(9, 6, true)});
    for (const HealthState h : {U, D}) {
      const Selection s6 = select(v4only, views({h, h}), 0, 6);
      CHECK(s6.rule == SelectionRule::NoMembers);
      CHECK(s6.count == 0);
      const Selection s4 = select(v6only, views({h, h}), 0, 4);
      CHECK(s4.rule == SelectionRule::NoMembers);
      CHECK(s4.count == 0);
    }
  }
}

TEST_CASE("every rule has a name") {
  CHECK(std::string(health::rule_name(SelectionRule::HealthyPrimaries)) == "healthy-primaries");
  CHECK(std::string(health::rule_name(SelectionRule::AllDownServeNone)) == "all-down-serve-none");
  CHECK(std::string(health::rule_name(SelectionRule::DrainedLastResort)) == "drained-last-resort");
}
