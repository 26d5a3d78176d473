// One pool as the control API shows it: each member's live state joined with
// the health table's details, the rule select_members applies right now, and
// which members it hands out. Status, explain, drain and metrics all build it
// from the functions the query path itself calls (read_member_views,
// select_members), so none of them can disagree with what is being served.
// Control threads only; allocates freely.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "health/selection.h"
#include "health/target_status.h"
#include "health/member_state.h"
#include "zones/pool.h"
#include "zones/zone.h"

namespace dnsd {

/// The health table's details of pool members, looked up by what identifies a
/// target: the normalised check and the canonical check address.
class HealthIndex {
 public:
  /// No details: member states come from the zone's atomics alone.
  HealthIndex() = default;
  /// `snapshot` with its times already on the wall clock (health::to_wall_clock).
  explicit HealthIndex(health::HealthSnapshot snapshot);
  HealthIndex(const HealthIndex&) = delete;
  HealthIndex& operator=(const HealthIndex&) = delete;

  /// The target behind a member probed by `check` at `check_address`, or nullptr.
  const health::TargetStatus* find(const zones::CheckSpec& check, const std::string& check_address) const;
  /// Whether a health table was available at all.
  bool available() const { return available_; }

 private:
  health::HealthSnapshot snapshot_;
  std::unordered_multimap<std::string, const health::TargetStatus*> by_address_;
  bool available_ = false;
};

/// One member at one instant.
struct MemberReport {
  health::MemberView view;                   ///< what selection sees (health, drained)
  health::AdminState admin = health::AdminState::Auto;  ///< runtime admin state
  const health::TargetStatus* target = nullptr;  ///< the health table's details, or nullptr
  bool serving = false;  ///< handed out under the current rule, in some rotation
};

/// The rule applying to one address family of a pool.
struct FamilyRule {
  uint8_t family = 4;  ///< 4 or 6
  health::SelectionRule rule = health::SelectionRule::NoMembers;
};

/// One pool at one instant.
struct PoolReport {
  std::vector<MemberReport> members;  ///< parallel to Pool::members
  std::vector<FamilyRule> rules;      ///< one per family the pool has members of, 4 first

  /// The rule for `family`; NoMembers when the pool has none of it.
  health::SelectionRule rule_for(uint8_t family) const;
};

/// Reads `pool`'s live state now through its `links` (HealthView::pool of
/// the snapshot that holds the pool). `health` may be empty.
PoolReport report_pool(const zones::Pool& pool, std::span<const health::MemberLink> links, const HealthIndex& health);

/// Which members of `family` select_members hands out over successive answers
/// (every candidate of the current rule, not just one answer's cut), as a flag
/// per member; `rule` gets the rule. Pure.
std::vector<bool> serving_members(const zones::Pool& pool, std::span<const health::MemberView> views, uint8_t family,
                                  health::SelectionRule& rule);

/// "round-robin" or "weighted".
const char* policy_name(zones::PoolPolicy policy);
/// "serve-all" or "serve-none".
const char* when_all_down_name(zones::WhenAllDown when);
/// "A" for family 4, "AAAA" for 6.
const char* family_rrtype(uint8_t family);
/// One sentence on what `rule` means, for explain.
const char* rule_text(health::SelectionRule rule);

/// A pool's configuration: zone, name, ttl, policy, max_answers, when_all_down,
/// check (health::check_json).
nlohmann::json pool_config_json(const std::string& zone, const zones::Pool& pool);
/// A member's state as the control API names it: "up", "down", "unknown", or
/// "unchecked" for a member of a pool with check type none (nothing probes it,
/// so it is not known to be up). Pure.
const char* member_state_name(const zones::Pool& pool, const MemberReport& report);
/// One member as /api/status shows it; `now_ms` is the wall clock. A member
/// of a pool with check type none has state "unchecked" and checked false.
nlohmann::json member_json(const zones::Pool& pool, size_t index, const MemberReport& report, uint64_t now_ms);
/// A probe result as JSON: ok, failure, detail, latency_ms, at, at_ms.
nlohmann::json last_result_json(const health::MemberStatus& status);

/// Owners (presentation form) of the RRsets drawn from pool `pool_index` of `zone`.
std::vector<std::string> pool_owner_names(const zones::Zone& zone, uint32_t pool_index);
/// The longest TTL of any RRset drawn from pool `pool_index`, and the pool's own TTL.
uint32_t pool_max_ttl(const zones::Zone& zone, uint32_t pool_index);

}  // namespace dnsd
