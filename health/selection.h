// Which members of a pool go into one answer. A pure function of the pool's
// configuration, the members' current states and a rotation counter: the query
// path calls it per answer, explain calls it to show why, tests call it with
// fixed states.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "health/health_view.h"
#include "health/member_state.h"
#include "zones/pool.h"

namespace dnsd::health {

/// Most members one pool may have (the loader enforces it), so selection works
/// on fixed-size stack arrays.
inline constexpr size_t kMaxPoolMembers = zones::kMaxPoolMembers;
/// Most addresses one answer may carry (the loader's bound on max_answers).
inline constexpr size_t kMaxAnswers = zones::kMaxPoolAnswers;
static_assert(kMaxPoolMembers <= UINT16_MAX + 1, "Selection::member holds member indices in 16 bits");

/// The rule that produced an answer, as explain and metrics report it.
enum class SelectionRule : uint8_t {
  HealthyPrimaries,  ///< at least one primary is up and not drained
  HealthyBackups,    ///< no primary is up; backups that are up answer
  DrainedLastResort, ///< only drained members are up; they answer rather than nothing
  /// Nothing is up; when_all_down=serve-all fails open with the family's
  /// undrained primaries (all of them if every one is drained). A family with
  /// no primary at all, only backups, fails open with its backups by the same
  /// rule, so it never answers NODATA while serve-all is set.
  AllDownServeAll,
  AllDownServeNone,  ///< nothing is up; when_all_down=serve-none answers NODATA
  NoMembers,         ///< the pool has no member at all (primary or backup) of the asked family
};

/// Human name of a rule, for explain, logs and metrics labels.
const char* rule_name(SelectionRule rule);

/// What one member looks like to selection at one instant.
struct MemberView {
  health::HealthState health = health::HealthState::Unknown;
  bool drained = false;  ///< static drain from the zone file or runtime drain
};

/// Members chosen for one answer, in answer order.
struct Selection {
  uint16_t count = 0;
  uint16_t member[kMaxAnswers];  ///< indices into Pool::members
  SelectionRule rule = SelectionRule::NoMembers;
};

/// Chooses members of `family` (4 or 6) given their `views` (parallel to
/// pool.members). `rotation` is a per-RRset counter that advances once per
/// answer. Pure: no clock, no atomics, no allocation. Any thread.
Selection select_members(const zones::Pool& pool, std::span<const MemberView> views, uint8_t family,
                         uint32_t rotation);

/// How many members one answer of `pool` carries at most: its max_answers,
/// capped by kMaxAnswers. Any thread.
size_t answer_limit(const zones::Pool& pool);

/// Orders `candidates` (members a rule chose, in member order) for one
/// answer exactly as select_members does, appending up to answer_limit of
/// them to `out` (its rule is left alone). Returns the position in
/// `candidates` the answer starts at: an answer is the answer_limit members
/// from there on, wrapping, so a pool of n candidates has at most n distinct
/// answers (one when all n fit). Pure; no allocation. Any thread.
size_t order_candidates(const zones::Pool& pool, std::span<const uint16_t> candidates, uint32_t rotation,
                        Selection& out);

/// Appends to `out`, in member order, every member of `family` that the
/// same rules would serve, before rotation and the max_answers cut: what a
/// zone transfer carries, since a secondary cannot rotate or weight for us.
/// Returns the rule. Pure; allocates. Any thread.
SelectionRule eligible_members(const zones::Pool& pool, std::span<const MemberView> views, uint8_t family,
                               std::vector<uint16_t>& out);

/// Reads the live state of every member into `views` (size >= members) from
/// its `links` (HealthView::pool) with relaxed atomic loads, adding the zone
/// file's own drains. Lock-free; any thread.
void read_member_views(const zones::Pool& pool, std::span<const MemberLink> links, std::span<MemberView> views);

}  // namespace dnsd::health
