#include "health/health_view.h"

namespace dnsd::health {

HealthView::HealthView(const zones::ZoneSet& set, const Binder& binder) {
  zone_first_pool_.reserve(set.size());
  for (uint32_t z = 0; z < set.size(); ++z) {
    const zones::Zone& zone = set.zone(z);
    zone_first_pool_.push_back(uint32_t(pool_first_link_.size()));
    const std::string origin = zone.origin_text();
    for (const zones::Pool& pool : zone.pools()) {
      pool_first_link_.push_back(uint32_t(links_.size()));
      for (const zones::PoolMember& member : pool.members) {
        healths_.push_back(binder.health(pool, member));
        admins_.push_back(binder.admin(origin, pool, member));
        links_.push_back({&healths_.back()->state, &admins_.back()->state});
      }
    }
  }
  pool_first_link_.push_back(uint32_t(links_.size()));
}

std::shared_ptr<HealthView> HealthView::unbound(const zones::ZoneSet& set) {
  Binder binder;
  binder.health = [](const zones::Pool& pool, const zones::PoolMember&) {
    auto h = std::make_shared<MemberHealth>();
    if (pool.check.type == zones::CheckType::None) h->state.store(uint8_t(HealthState::Up), std::memory_order_relaxed);
    return h;
  };
  binder.admin = [](const std::string&, const zones::Pool&, const zones::PoolMember&) {
    return std::make_shared<MemberAdmin>();
  };
  return std::make_shared<HealthView>(set, binder);
}

}  // namespace dnsd::health
