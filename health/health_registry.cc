#include "health/health_registry.h"

#include <unordered_map>
#include <unordered_set>

namespace dnsd::health {

HealthRegistry::HealthRegistry(std::function<uint64_t()> clock) : targets_(barrier_, std::move(clock)) {}

Binding HealthRegistry::bind(const zones::ZoneSet& set) {
  Binding out;
  HealthView::Binder binder;
  uint64_t last_target = 0;  // binder.admin follows binder.health for the same member
  binder.health = [&](const zones::Pool& pool, const zones::PoolMember& member) {
    BoundTarget t = targets_.bind(pool.check, member.check_address);
    last_target = t.id;
    if (t.created && pool.check.type != zones::CheckType::None) out.new_targets.push_back(t.id);
    return t.health;
  };
  binder.admin = [&](const std::string& zone, const zones::Pool& pool, const zones::PoolMember& member) {
    TargetRef ref;
    ref.zone = normalized_zone(zone);
    ref.pool = pool.name;
    ref.member = member.address_text;
    ref.weight = member.weight;
    ref.backup = member.backup;
    ref.drained_in_zone = member.drained;
    targets_.add_pending_ref(last_target, std::move(ref));
    return drains_.bind(zone, pool.name, member.address_text);
  };
  out.view = std::make_shared<const HealthView>(set, binder);
  return out;
}

void HealthRegistry::sync(const zones::ZoneSet& published) {
  // Binding again finds the same targets and drains (nothing new: they were
  // bound before the publish), and gives their ids for the use lists.
  std::vector<TargetUse> uses;
  std::unordered_set<std::string> drains_used;
  for (uint32_t z = 0; z < published.size(); ++z) {
    const zones::Zone& zone = published.zone(z);
    const std::string origin = normalized_zone(zone.origin_text());
    for (const zones::Pool& pool : zone.pools()) {
      for (const zones::PoolMember& m : pool.members) {
        TargetUse use;
        use.target = targets_.bind(pool.check, m.check_address).id;
        use.ref.zone = origin;
        use.ref.pool = pool.name;
        use.ref.member = m.address_text;
        use.ref.weight = m.weight;
        use.ref.backup = m.backup;
        use.ref.drained_in_zone = m.drained;
        use.admin = drains_.bind(origin, pool.name, m.address_text);
        drains_used.insert(DrainTable::key(origin, pool.name, m.address_text));
        uses.push_back(std::move(use));
      }
    }
  }
  targets_.set_uses(std::move(uses));
  drains_.retain(drains_used);
}

}  // namespace dnsd::health
