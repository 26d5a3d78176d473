// The live state of every pool member of one published ZoneSet: for each
// member, in the ZoneSet's zone, pool and member order, a pointer to the
// MemberHealth atomic of its target and one to its runtime MemberAdmin. The
// view is immutable once built and published with the ZoneSet it was built
// for; the atomics it points at change underneath without a publish, so the
// query path reads a member's state with one relaxed load and no lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "health/member_state.h"
#include "zones/zone_set.h"

namespace dnsd::health {

/// Where one member's live state is read.
struct MemberLink {
  const std::atomic<uint8_t>* health = nullptr;  ///< a HealthState
  const std::atomic<uint8_t>* admin = nullptr;   ///< an AdminState
};

/// The member state of one ZoneSet. Built on the publisher's thread; read by any thread.
class HealthView {
 public:
  /// Gives the shared state of one member: `health` of its (check, check
  /// address) target and `admin` of its (zone, pool, address).
  struct Binder {
    std::function<std::shared_ptr<MemberHealth>(const zones::Pool& pool, const zones::PoolMember& member)> health;
    std::function<std::shared_ptr<MemberAdmin>(const std::string& zone, const zones::Pool& pool,
                                               const zones::PoolMember& member)>
        admin;
  };

  /// Binds every member of every pool of `set` through `binder`.
  HealthView(const zones::ZoneSet& set, const Binder& binder);

  /// A view with private state for every member: Up for pools without a
  /// check (nothing will probe them), Unknown otherwise, Auto admin. For
  /// tests and for tools that answer without a prober.
  static std::shared_ptr<HealthView> unbound(const zones::ZoneSet& set);

  /// The links of pool `pool` of zone `zone`, parallel to Pool::members.
  /// Lock-free and allocation-free; any thread.
  std::span<const MemberLink> pool(uint32_t zone, uint32_t pool) const {
    const uint32_t p = zone_first_pool_[zone] + pool;
    return {links_.data() + pool_first_link_[p], pool_first_link_[p + 1] - pool_first_link_[p]};
  }

  /// The shared state behind one member, for tests and admin code. Any thread.
  const std::shared_ptr<MemberHealth>& health_of(uint32_t zone, uint32_t pool, size_t member) const {
    return healths_[pool_first_link_[zone_first_pool_[zone] + pool] + member];
  }
  const std::shared_ptr<MemberAdmin>& admin_of(uint32_t zone, uint32_t pool, size_t member) const {
    return admins_[pool_first_link_[zone_first_pool_[zone] + pool] + member];
  }

 private:
  std::vector<uint32_t> zone_first_pool_;  ///< per zone: its first entry in pool_first_link_
  std::vector<uint32_t> pool_first_link_;  ///< per pool of every zone, plus an end marker
  std::vector<MemberLink> links_;
  std::vector<std::shared_ptr<MemberHealth>> healths_;  ///< keep the atomics alive, parallel to links_
  std::vector<std::shared_ptr<MemberAdmin>> admins_;
};

}  // namespace dnsd::health
