#include "health/pool_watch.h"

#include <algorithm>
#include <set>

namespace dnsd::health {

bool all_down(const std::vector<HealthState>& states) {
  return !states.empty() &&
         std::all_of(states.begin(), states.end(), [](HealthState s) { return s == HealthState::Down; });
}

std::vector<PoolMembers> pools_of(const HealthSnapshot& snapshot) {
  std::map<std::pair<std::string, std::string>, std::vector<HealthState>> by_pool;
  for (const TargetStatus& t : snapshot.targets)
    for (const TargetRef& r : t.refs) by_pool[{r.zone, r.pool}].push_back(t.status.state);
  std::vector<PoolMembers> out;
  out.reserve(by_pool.size());
  for (auto& [key, states] : by_pool) out.push_back({key.first, key.second, std::move(states)});
  return out;
}

std::vector<PoolEdge> PoolWatch::update(const std::vector<PoolMembers>& pools) {
  std::map<std::pair<std::string, std::string>, bool> next;
  std::vector<PoolEdge> edges;
  for (const PoolMembers& p : pools) {
    const bool down = all_down(p.states);
    auto key = std::make_pair(p.zone, p.pool);
    auto before = all_down_.find(key);
    const bool was_down = before != all_down_.end() && before->second;
    if (down != was_down) edges.push_back({p.zone, p.pool, down, p.states.size()});
    next[std::move(key)] = down;
  }
  all_down_ = std::move(next);
  std::sort(edges.begin(), edges.end(), [](const PoolEdge& a, const PoolEdge& b) {
    return std::tie(a.zone, a.pool) < std::tie(b.zone, b.pool);
  });
  return edges;
}

std::vector<PoolEdge> PoolWatch::update_some(const std::vector<PoolMembers>& pools,
                                             const std::vector<std::pair<std::string, std::string>>& asked) {
  std::vector<PoolEdge> edges;
  std::set<std::pair<std::string, std::string>> seen;
  for (const PoolMembers& p : pools) {
    const bool down = all_down(p.states);
    if (down != is_all_down(p.zone, p.pool)) edges.push_back({p.zone, p.pool, down, p.states.size()});
    auto key = std::make_pair(p.zone, p.pool);
    all_down_[key] = down;
    seen.insert(std::move(key));
  }
  for (const auto& key : asked)
    if (!seen.count(key)) all_down_.erase(key);
  std::sort(edges.begin(), edges.end(), [](const PoolEdge& a, const PoolEdge& b) {
    return std::tie(a.zone, a.pool) < std::tie(b.zone, b.pool);
  });
  return edges;
}

bool PoolWatch::is_all_down(const std::string& zone, const std::string& pool) const {
  auto it = all_down_.find({zone, pool});
  return it != all_down_.end() && it->second;
}

}  // namespace dnsd::health
