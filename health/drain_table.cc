#include "health/drain_table.h"

#include <algorithm>

#include "health/check.h"
#include "zones/name.h"

namespace dnsd::health {

std::string normalized_zone(std::string_view zone) {
  std::string out = zones::lower_text(zone);
  if (out.empty() || out.back() != '.') out += '.';
  return out;
}

std::string DrainTable::key(std::string_view zone, std::string_view pool, std::string_view address) {
  std::string k = normalized_zone(zone);
  k += '\x1f';
  k += pool;
  k += '\x1f';
  k += canonical_address(std::string(address));
  return k;
}

std::shared_ptr<MemberAdmin> DrainTable::bind_locked(const std::string& zone, std::string_view pool,
                                                     const std::string& address) {
  const std::string k = key(zone, pool, address);
  auto it = entries_.find(k);
  if (it == entries_.end()) {
    Entry e;
    e.key = AdminOverride{zone, std::string(pool), address, AdminState::Auto};
    e.admin = std::make_shared<MemberAdmin>();
    if (everywhere_.count(address)) e.admin->state.store(uint8_t(AdminState::Drain), std::memory_order_relaxed);
    it = entries_.emplace(k, std::move(e)).first;
  }
  it->second.bound_epoch = epoch_;
  return it->second.admin;
}

std::shared_ptr<MemberAdmin> DrainTable::bind(std::string_view zone, std::string_view pool, std::string_view address) {
  std::lock_guard lock(mutex_);
  return bind_locked(normalized_zone(zone), pool, canonical_address(std::string(address)));
}

size_t DrainTable::set(std::string_view zone, std::string_view pool, std::string_view address, AdminState state) {
  const std::string z = zone.empty() ? "" : normalized_zone(zone);
  const std::string a = canonical_address(std::string(address));
  size_t matched = 0;
  bool changed = false;
  std::function<void()> listener;
  {
    std::lock_guard lock(mutex_);
    for (auto& [k, entry] : entries_) {
      if ((!z.empty() && entry.key.zone != z) || entry.key.pool != pool || entry.key.address != a) continue;
      ++matched;
      changed |= entry.admin->state.exchange(uint8_t(state), std::memory_order_relaxed) != uint8_t(state);
    }
    listener = listener_;
  }
  if (changed && listener) listener();
  if (changed) changes_.notify();
  return matched;
}

size_t DrainTable::set_address(std::string_view address, AdminState state) {
  const std::string a = canonical_address(std::string(address));
  size_t matched = 0;
  bool changed = false;
  std::function<void()> listener;
  {
    std::lock_guard lock(mutex_);
    changed = state == AdminState::Drain ? everywhere_.insert(a).second : everywhere_.erase(a) > 0;
    for (auto& [k, entry] : entries_) {
      if (entry.key.address != a) continue;
      ++matched;
      changed |= entry.admin->state.exchange(uint8_t(state), std::memory_order_relaxed) != uint8_t(state);
    }
    listener = listener_;
  }
  if (changed && listener) listener();
  if (changed) changes_.notify();
  return matched;
}

bool DrainTable::drained_everywhere(std::string_view address) const {
  const std::string a = canonical_address(std::string(address));
  std::lock_guard lock(mutex_);
  return everywhere_.count(a) > 0;
}

std::vector<std::string> DrainTable::drained_addresses() const {
  std::lock_guard lock(mutex_);
  return {everywhere_.begin(), everywhere_.end()};
}

void DrainTable::restore_address(std::string_view address) {
  const std::string a = canonical_address(std::string(address));
  std::lock_guard lock(mutex_);
  everywhere_.insert(a);
  for (auto& [k, entry] : entries_)
    if (entry.key.address == a) entry.admin->state.store(uint8_t(AdminState::Drain), std::memory_order_relaxed);
}

void DrainTable::restore(const AdminOverride& entry) {
  std::lock_guard lock(mutex_);
  auto admin = bind_locked(normalized_zone(entry.zone), entry.pool, canonical_address(entry.address));
  admin->state.store(uint8_t(entry.state), std::memory_order_relaxed);
}

std::vector<AdminOverride> DrainTable::overrides() const {
  std::vector<AdminOverride> out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [k, entry] : entries_) {
      const auto state = AdminState(entry.admin->state.load(std::memory_order_relaxed));
      if (state == AdminState::Auto) continue;
      AdminOverride o = entry.key;
      o.state = state;
      out.push_back(std::move(o));
    }
  }
  std::sort(out.begin(), out.end(), [](const AdminOverride& a, const AdminOverride& b) {
    return std::tie(a.zone, a.pool, a.address) < std::tie(b.zone, b.pool, b.address);
  });
  return out;
}

void DrainTable::set_listener(std::function<void()> listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

void DrainTable::retain(const std::unordered_set<std::string>& used) {
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();)
    it = !used.count(it->first) && it->second.bound_epoch < epoch_ ? entries_.erase(it) : std::next(it);
  ++epoch_;
}

}  // namespace dnsd::health
