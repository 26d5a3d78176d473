#include "dnsd/control/pool_report.h"

#include <algorithm>

#include "dnsd/control/iso_time.h"
#include "health/check.h"
#include "health/check_json.h"
#include "health/member_status.h"
#include "health/state_change.h"

namespace dnsd {

using nlohmann::json;

HealthIndex::HealthIndex(health::HealthSnapshot snapshot) : snapshot_(std::move(snapshot)), available_(true) {
  for (const health::TargetStatus& t : snapshot_.targets) by_address_.emplace(t.address, &t);
}

const health::TargetStatus* HealthIndex::find(const zones::CheckSpec& check, const std::string& check_address) const {
  if (!available_) return nullptr;
  const zones::CheckSpec spec = health::normalized_spec(check);
  auto [begin, end] = by_address_.equal_range(health::canonical_address(check_address));
  for (auto it = begin; it != end; ++it)
    if (it->second->check == spec) return it->second;
  return nullptr;
}

health::SelectionRule PoolReport::rule_for(uint8_t family) const {
  for (const FamilyRule& r : rules)
    if (r.family == family) return r.rule;
  return health::SelectionRule::NoMembers;
}

std::vector<bool> serving_members(const zones::Pool& pool, std::span<const health::MemberView> views, uint8_t family,
                                  health::SelectionRule& rule) {
  // The candidate set of a rule does not depend on the policy or the cut, so a
  // round-robin copy with the largest cut lists it; rotating by a whole answer
  // at a time reaches every candidate of a pool larger than one answer.
  zones::Pool all = pool;
  all.policy = zones::PoolPolicy::RoundRobin;
  all.max_answers = uint16_t(health::kMaxAnswers);
  std::vector<bool> serving(pool.members.size(), false);
  health::Selection s = health::select_members(all, views, family, 0);
  rule = s.rule;
  for (uint32_t rotation = 0;;) {
    for (uint16_t i = 0; i < s.count; ++i) serving[s.member[i]] = true;
    if (s.count < health::kMaxAnswers) break;
    rotation += uint32_t(health::kMaxAnswers);
    if (rotation >= pool.members.size()) break;
    s = health::select_members(all, views, family, rotation);
  }
  return serving;
}

PoolReport report_pool(const zones::Pool& pool, std::span<const health::MemberLink> links, const HealthIndex& health) {
  PoolReport report;
  const size_t n = std::min({pool.members.size(), links.size(), health::kMaxPoolMembers});
  std::vector<health::MemberView> views(pool.members.size());
  health::read_member_views(pool, links, std::span(views.data(), n));
  report.members.resize(pool.members.size());
  for (size_t i = 0; i < pool.members.size(); ++i) {
    const zones::PoolMember& m = pool.members[i];
    MemberReport& r = report.members[i];
    r.admin = i < n ? health::AdminState(links[i].admin->load(std::memory_order_relaxed)) : health::AdminState::Auto;
    r.target = health.find(pool.check, m.check_address);
    // The snapshot and the workers' atomic byte are written under one lock,
    // but the byte is read later; report the snapshot's state so a member's
    // state, counters and last result describe the same moment.
    if (r.target && i < n) views[i].health = r.target->status.state;
    r.view = views[i];
  }
  for (uint8_t family : {uint8_t(4), uint8_t(6)}) {
    if (std::none_of(pool.members.begin(), pool.members.end(),
                     [family](const zones::PoolMember& m) { return m.family == family; }))
      continue;
    FamilyRule fr;
    fr.family = family;
    const std::vector<bool> serving = serving_members(pool, std::span(views.data(), n), family, fr.rule);
    for (size_t i = 0; i < serving.size(); ++i)
      if (serving[i]) report.members[i].serving = true;
    report.rules.push_back(fr);
  }
  return report;
}

const char* policy_name(zones::PoolPolicy policy) {
  return policy == zones::PoolPolicy::Weighted ? "weighted" : "round-robin";
}

const char* when_all_down_name(zones::WhenAllDown when) {
  return when == zones::WhenAllDown::ServeNone ? "serve-none" : "serve-all";
}

const char* family_rrtype(uint8_t family) { return family == 6 ? "AAAA" : "A"; }

const char* rule_text(health::SelectionRule rule) {
  switch (rule) {
    case health::SelectionRule::HealthyPrimaries:
      return "at least one primary is up and not drained; the up primaries answer";
    case health::SelectionRule::HealthyBackups:
      return "no primary is up (or all up ones are drained); the up backups answer";
    case health::SelectionRule::DrainedLastResort:
      return "only drained members are up; they answer rather than nothing";
    case health::SelectionRule::AllDownServeAll:
      return "no member is up; when_all_down=serve-all returns every undrained primary (the backups if the "
             "family has no primary) (fail open)";
    case health::SelectionRule::AllDownServeNone:
      return "no member is up; when_all_down=serve-none answers NODATA";
    case health::SelectionRule::NoMembers:
      return "the pool has no member of this address family; NODATA";
  }
  return "";
}

json pool_config_json(const std::string& zone, const zones::Pool& pool) {
  return json{{"zone", zone},
              {"name", pool.name},
              {"ttl", pool.ttl},
              {"policy", policy_name(pool.policy)},
              {"max_answers", pool.max_answers},
              {"when_all_down", when_all_down_name(pool.when_all_down)},
              {"check", health::check_json(pool.check)}};
}

json last_result_json(const health::MemberStatus& s) {
  if (!s.has_result) return nullptr;
  return json{{"ok", s.last_result.ok},
              {"failure", health::failure_kind_name(s.last_result.failure)},
              {"detail", s.last_result.detail},
              {"latency_ms", double(s.last_result.latency_us) / 1000.0},
              {"at", iso_time(s.last_result_ms)},
              {"at_ms", s.last_result_ms}};
}

const char* member_state_name(const zones::Pool& pool, const MemberReport& report) {
  return pool.check.type == zones::CheckType::None ? "unchecked" : health::state_name(report.view.health);
}

json member_json(const zones::Pool& pool, size_t index, const MemberReport& r, uint64_t now_ms) {
  const zones::PoolMember& m = pool.members[index];
  const std::string check_address = health::canonical_address(m.check_address);
  const bool checked = pool.check.type != zones::CheckType::None;
  json j{{"address", m.address_text},
         {"family", m.family},
         {"check_address", check_address},
         {"check", health::check_label(health::normalized_spec(pool.check), check_address)},
         {"weight", m.weight},
         {"backup", m.backup},
         {"state", member_state_name(pool, r)},
         {"checked", checked},
         {"since", nullptr},
         {"since_ms", nullptr},
         {"age_s", nullptr},
         {"last_result", nullptr},
         {"next_probe_in_ms", nullptr},
         {"probes", nullptr},
         {"failed_probes", nullptr},
         {"state_changes", nullptr},
         {"admin", r.admin == health::AdminState::Drain ? "drain" : "auto"},
         {"drained_in_zone", m.drained},
         {"drained", r.view.drained},
         {"serving", r.serving}};
  if (r.target) {
    const health::MemberStatus& s = r.target->status;
    if (s.since_ms) {
      j["since"] = iso_time(s.since_ms);
      j["since_ms"] = s.since_ms;
      j["age_s"] = double(now_ms > s.since_ms ? now_ms - s.since_ms : 0) / 1000.0;
    }
    j["last_result"] = last_result_json(s);
    if (s.next_probe_ms) j["next_probe_in_ms"] = s.next_probe_ms > now_ms ? s.next_probe_ms - now_ms : 0;
    j["probes"] = s.probes;
    j["failed_probes"] = s.failed_probes;
    j["state_changes"] = s.state_changes;
  }
  return j;
}

std::vector<std::string> pool_owner_names(const zones::Zone& zone, uint32_t pool_index) {
  std::vector<std::string> out;
  for (uint32_t i = 0; i < zone.node_count(); ++i) {
    const zones::Node& node = zone.node(i);
    for (const zones::RRset& set : zone.rrsets(node)) {
      if (set.pool != pool_index) continue;
      out.push_back(zones::name_to_text(zone.node_name(node), node.name_length));
      break;
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

uint32_t pool_max_ttl(const zones::Zone& zone, uint32_t pool_index) {
  uint32_t ttl = zone.pool(pool_index).ttl;
  for (uint32_t i = 0; i < zone.node_count(); ++i)
    for (const zones::RRset& set : zone.rrsets(zone.node(i)))
      if (set.pool == pool_index) ttl = std::max(ttl, set.ttl);
  return ttl;
}

}  // namespace dnsd
