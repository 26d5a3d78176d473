#include "health/selection.h"

#include <algorithm>
#include <vector>

namespace dnsd::health {

const char* rule_name(SelectionRule rule) {
  switch (rule) {
    case SelectionRule::HealthyPrimaries: return "healthy-primaries";
    case SelectionRule::HealthyBackups: return "healthy-backups";
    case SelectionRule::DrainedLastResort: return "drained-last-resort";
    case SelectionRule::AllDownServeAll: return "all-down-serve-all";
    case SelectionRule::AllDownServeNone: return "all-down-serve-none";
    case SelectionRule::NoMembers: return "no-members";
  }
  return "unknown";
}

void read_member_views(const zones::Pool& pool, std::span<const MemberLink> links, std::span<MemberView> views) {
  const size_t n = std::min({pool.members.size(), links.size(), views.size()});
  for (size_t i = 0; i < n; ++i) {
    views[i].health = HealthState(links[i].health->load(std::memory_order_relaxed));
    const bool admin_drain = AdminState(links[i].admin->load(std::memory_order_relaxed)) == AdminState::Drain;
    views[i].drained = pool.members[i].drained || admin_drain;
  }
}

size_t answer_limit(const zones::Pool& pool) {
  return std::min<size_t>(pool.max_answers ? pool.max_answers : kMaxAnswers, kMaxAnswers);
}

namespace {

// Orders `candidates` for the answer: round-robin starts at rotation % n;
// weighted starts at the member owning slot rotation % total_weight, so each
// member leads a share of answers proportional to its weight.
size_t order_into(const zones::Pool& pool, const uint16_t* candidates, size_t n, uint32_t rotation, Selection& out) {
  size_t start = 0;
  if (n == 0) return 0;
  if (pool.policy == zones::PoolPolicy::Weighted) {
    uint64_t total = 0;
    for (size_t i = 0; i < n; ++i) total += pool.members[candidates[i]].weight;
    if (total > 0) {
      uint64_t pick = rotation % total;
      for (size_t i = 0; i < n; ++i) {
        uint64_t w = pool.members[candidates[i]].weight;
        if (pick < w) {
          start = i;
          break;
        }
        pick -= w;
      }
    }
  } else {
    start = rotation % n;
  }
  const size_t limit = std::min(n, answer_limit(pool));
  for (size_t i = 0, at = start; i < limit && out.count < kMaxAnswers; ++i, at = at + 1 == n ? 0 : at + 1)
    out.member[out.count++] = candidates[at];
  return start;
}

}  // namespace

namespace {

/// The members one rule picks, in member order, before rotation and the cut.
struct Candidates {
  uint16_t primaries[kMaxPoolMembers], backups[kMaxPoolMembers], drained_up[kMaxPoolMembers],
      all_primaries[kMaxPoolMembers], undrained_primaries[kMaxPoolMembers];
  const uint16_t* chosen = nullptr;
  size_t count = 0;
  SelectionRule rule = SelectionRule::NoMembers;
};

void choose(const zones::Pool& pool, std::span<const MemberView> views, uint8_t family, Candidates& c) {
  size_t np = 0, nb = 0, nd = 0, na = 0, nu = 0, nk = 0;
  const size_t n = std::min({pool.members.size(), views.size(), kMaxPoolMembers});
  for (size_t i = 0; i < n; ++i) {
    const zones::PoolMember& m = pool.members[i];
    if (m.family != family) continue;
    const MemberView& v = views[i];
    const bool up = v.health == health::HealthState::Up;
    if (!m.backup) {
      c.all_primaries[na++] = uint16_t(i);
      if (!v.drained) c.undrained_primaries[nu++] = uint16_t(i);
    } else {
      ++nk;
    }
    if (up && v.drained) c.drained_up[nd++] = uint16_t(i);
    else if (up && m.backup) c.backups[nb++] = uint16_t(i);
    else if (up) c.primaries[np++] = uint16_t(i);
  }
  if (np) {
    c.rule = SelectionRule::HealthyPrimaries;
    c.chosen = c.primaries, c.count = np;
  } else if (nb) {
    c.rule = SelectionRule::HealthyBackups;
    c.chosen = c.backups, c.count = nb;
  } else if (nd) {
    c.rule = SelectionRule::DrainedLastResort;
    c.chosen = c.drained_up, c.count = nd;
  } else if (na == 0 && nk == 0) {
    c.rule = SelectionRule::NoMembers;
  } else if (pool.when_all_down == zones::WhenAllDown::ServeNone) {
    c.rule = SelectionRule::AllDownServeNone;
  } else {
    c.rule = SelectionRule::AllDownServeAll;
    // Fail open with the primaries the operator has not drained; if all are drained, with all of them.
    // A family whose members are all backups has no primary to fall back on: its backups take the
    // primaries' place, by the same drain rule (the arrays are reused; they are empty here).
    if (na == 0) {
      for (size_t i = 0; i < n; ++i) {
        if (pool.members[i].family != family) continue;
        c.all_primaries[na++] = uint16_t(i);
        if (!views[i].drained) c.undrained_primaries[nu++] = uint16_t(i);
      }
    }
    if (nu) c.chosen = c.undrained_primaries, c.count = nu;
    else c.chosen = c.all_primaries, c.count = na;
  }
}

}  // namespace

Selection select_members(const zones::Pool& pool, std::span<const MemberView> views, uint8_t family,
                         uint32_t rotation) {
  Candidates c;
  choose(pool, views, family, c);
  Selection out;
  out.rule = c.rule;
  order_into(pool, c.chosen, c.count, rotation, out);
  return out;
}

size_t order_candidates(const zones::Pool& pool, std::span<const uint16_t> candidates, uint32_t rotation,
                        Selection& out) {
  return order_into(pool, candidates.data(), candidates.size(), rotation, out);
}

SelectionRule eligible_members(const zones::Pool& pool, std::span<const MemberView> views, uint8_t family,
                               std::vector<uint16_t>& out) {
  Candidates c;
  choose(pool, views, family, c);
  out.insert(out.end(), c.chosen, c.chosen + c.count);
  return c.rule;
}

}  // namespace dnsd::health
