#include "health/health_registry.h"

#include <algorithm>
#include <cctype>

#include "health/check.h"

namespace dnsd::health {

using zones::AdminState;
using zones::CheckSpec;
using zones::CheckType;
using zones::HealthState;

namespace {

constexpr char kSep = '\x1f';

// Identity of a normalised check and address: two binds with equal keys share a target.
std::string target_key(const CheckSpec& s, const std::string& address) {
  std::string k;
  auto add = [&k](const std::string& v) {
    k += v;
    k += kSep;
  };
  add(check_type_name(s.type));
  add(std::to_string(s.port));
  add(s.path);
  add(s.host);
  std::string expect;
  for (int code : s.expect) expect += std::to_string(code) + ",";
  add(expect);
  add(s.body);
  add(s.tls_verify ? "1" : "0");
  add(s.query_name);
  add(std::to_string(s.query_type));
  add(s.command);
  add(std::to_string(s.interval_ms) + "/" + std::to_string(s.fast_interval_ms) + "/" + std::to_string(s.timeout_ms) +
      "/" + std::to_string(s.rise) + "/" + std::to_string(s.fall));
  add(address);
  return k;
}

std::string admin_key(const std::string& zone, const std::string& pool, const std::string& address) {
  return zone + kSep + pool + kSep + address;
}

}  // namespace

std::string normalized_zone(std::string_view zone) {
  std::string out(zone);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (out.empty() || out.back() != '.') out += '.';
  return out;
}

HealthRegistry::HealthRegistry(std::function<uint64_t()> clock) : clock_(clock ? std::move(clock) : monotonic_ms) {}

std::shared_ptr<zones::MemberHealth> HealthRegistry::bind_health(const CheckSpec& check,
                                                                 const std::string& check_address) {
  const CheckSpec spec = normalized_spec(check);
  const std::string address = canonical_address(check_address);
  const std::string key = target_key(spec, address);
  std::lock_guard lock(mutex_);
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    Entry& e = entries_.at(it->second);
    e.bound_epoch = epoch_;
    return e.target->health;
  }
  auto target = std::make_shared<Target>();
  target->id = next_id_++;
  target->spec = spec;
  target->address = address;
  target->health = std::make_shared<zones::MemberHealth>();
  Entry e;
  e.status = initial_status(clock_());
  e.bound_epoch = epoch_;
  if (spec.type == CheckType::None) {
    // Static: up from the start, never probed.
    e.status.state = HealthState::Up;
    target->health->state.store(uint8_t(HealthState::Up), std::memory_order_relaxed);
  } else {
    ++unprobed_;
  }
  e.target = target;
  by_key_.emplace(key, target->id);
  by_health_.emplace(target->health.get(), target->id);
  entries_.emplace(target->id, std::move(e));
  notify_changed_locked();
  return target->health;
}

std::shared_ptr<zones::MemberAdmin> HealthRegistry::admin_locked(const std::string& zone, const std::string& pool,
                                                                 const std::string& address) {
  const std::string key = admin_key(zone, pool, address);
  auto it = admins_.find(key);
  if (it == admins_.end()) {
    AdminEntry a;
    a.key = AdminOverride{zone, pool, address, AdminState::Auto};
    a.admin = std::make_shared<zones::MemberAdmin>();
    admin_by_ptr_.emplace(a.admin.get(), key);
    it = admins_.emplace(key, std::move(a)).first;
  }
  it->second.bound_epoch = epoch_;
  return it->second.admin;
}

std::shared_ptr<zones::MemberAdmin> HealthRegistry::bind_admin(const std::string& zone, const std::string& pool,
                                                               const std::string& address) {
  std::lock_guard lock(mutex_);
  return admin_locked(normalized_zone(zone), pool, canonical_address(address));
}

zones::LoadOptions HealthRegistry::load_options() {
  zones::LoadOptions options;
  options.bind_health = [this](const CheckSpec& check, const std::string& address) {
    return bind_health(check, address);
  };
  options.bind_admin = [this](const std::string& zone, const std::string& pool, const std::string& address) {
    return bind_admin(zone, pool, address);
  };
  return options;
}

void HealthRegistry::sync(const zones::ZoneSet& published) {
  std::lock_guard lock(mutex_);
  for (auto& [id, e] : entries_) e.refs.clear();
  std::unordered_map<std::string, bool> admin_used;
  for (size_t zi = 0; zi < published.size(); ++zi) {
    const zones::Zone& zone = published.zone(uint32_t(zi));
    const std::string origin = normalized_zone(zone.origin_text());
    for (const zones::Pool& pool : zone.pools()) {
      for (const zones::PoolMember& m : pool.members) {
        if (m.admin)
          if (auto a = admin_by_ptr_.find(m.admin.get()); a != admin_by_ptr_.end()) admin_used[a->second] = true;
        if (!m.health) continue;
        auto h = by_health_.find(m.health.get());
        if (h == by_health_.end()) continue;  // bound elsewhere (a test, or no hooks)
        RefEntry r;
        r.ref.zone = origin;
        r.ref.pool = pool.name;
        r.ref.member = m.address_text;
        r.ref.weight = m.weight;
        r.ref.backup = m.backup;
        r.ref.drained_in_zone = m.drained;
        r.admin = m.admin;
        entries_.at(h->second).refs.push_back(std::move(r));
      }
    }
  }
  bool removed = false;
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& e = it->second;
    if (e.refs.empty() && e.bound_epoch < epoch_) {
      if (e.target->spec.type != CheckType::None && !e.status.has_result) --unprobed_;
      by_key_.erase(target_key(e.target->spec, e.target->address));
      by_health_.erase(e.target->health.get());
      it = entries_.erase(it);
      removed = true;
      continue;
    }
    std::sort(e.refs.begin(), e.refs.end(), [](const RefEntry& a, const RefEntry& b) {
      return std::tie(a.ref.zone, a.ref.pool, a.ref.member) < std::tie(b.ref.zone, b.ref.pool, b.ref.member);
    });
    ++it;
  }
  for (auto it = admins_.begin(); it != admins_.end();) {
    if (!admin_used.count(it->first) && it->second.bound_epoch < epoch_) {
      admin_by_ptr_.erase(it->second.admin.get());
      it = admins_.erase(it);
    } else {
      ++it;
    }
  }
  ++epoch_;
  if (removed) {
    notify_changed_locked();
    probed_.notify_all();
  }
}

size_t HealthRegistry::set_admin(std::string_view zone, std::string_view pool, std::string_view address,
                                 AdminState state) {
  const std::string z = zone.empty() ? "" : normalized_zone(zone);
  const std::string a = canonical_address(std::string(address));
  size_t matched = 0;
  bool changed = false;
  std::function<void()> listener;
  {
    std::lock_guard lock(mutex_);
    for (auto& [key, entry] : admins_) {
      if ((!z.empty() && entry.key.zone != z) || entry.key.pool != pool || entry.key.address != a) continue;
      ++matched;
      changed |= entry.admin->state.exchange(uint8_t(state), std::memory_order_relaxed) != uint8_t(state);
    }
    listener = admin_listener_;
  }
  if (changed && listener) listener();
  return matched;
}

void HealthRegistry::restore_admin(const AdminOverride& entry) {
  std::lock_guard lock(mutex_);
  auto admin = admin_locked(normalized_zone(entry.zone), entry.pool, canonical_address(entry.address));
  admin->state.store(uint8_t(entry.state), std::memory_order_relaxed);
}

std::vector<AdminOverride> HealthRegistry::admin_overrides() const {
  std::vector<AdminOverride> out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, entry] : admins_) {
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

void HealthRegistry::set_admin_listener(std::function<void()> listener) {
  std::lock_guard lock(mutex_);
  admin_listener_ = std::move(listener);
}

std::vector<std::shared_ptr<const Target>> HealthRegistry::targets() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<const Target>> out;
  out.reserve(entries_.size());
  for (const auto& [id, e] : entries_) out.push_back(e.target);
  return out;
}

void HealthRegistry::set_change_listener(std::function<void()> listener) {
  std::lock_guard lock(mutex_);
  change_listener_ = std::move(listener);
}

void HealthRegistry::notify_changed_locked() {
  if (change_listener_) change_listener_();
}

void HealthRegistry::set_next_probe(uint64_t id, uint64_t at_ms) {
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(id); it != entries_.end()) it->second.status.next_probe_ms = at_ms;
}

std::vector<TargetRef> HealthRegistry::refs_locked(const Entry& entry) const {
  std::vector<TargetRef> out;
  out.reserve(entry.refs.size());
  for (const RefEntry& r : entry.refs) {
    TargetRef ref = r.ref;
    ref.admin = r.admin ? AdminState(r.admin->state.load(std::memory_order_relaxed)) : AdminState::Auto;
    out.push_back(std::move(ref));
  }
  return out;
}

std::optional<ResultOutcome> HealthRegistry::record_result(uint64_t id, const CheckResult& result, uint64_t now_ms,
                                                           uint64_t rng) {
  if (result.failure == FailureKind::Cancelled) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  Entry& e = it->second;
  const Target& target = *e.target;
  const HealthState before = e.status.state;
  const bool first = !e.status.has_result;
  ResultOutcome out;
  out.transition = on_result(e.status, result, target.spec, now_ms);
  if (first) {
    --unprobed_;
    probed_.notify_all();
  }
  if (out.transition == Transition::Changed) {
    target.health->state.store(uint8_t(e.status.state), std::memory_order_relaxed);
    StateChangeEvent ev;
    ev.target_id = id;
    ev.check = target.spec;
    ev.address = target.address;
    ev.from = before;
    ev.to = e.status.state;
    ev.result = result;
    ev.at_ms = now_ms;
    ev.refs = refs_locked(e);
    out.event = std::move(ev);
  }
  metrics_.record(target.spec.type, result, out.transition, e.status.state);
  out.next_probe_ms = now_ms + next_delay(e.status, out.transition, target.spec, rng);
  e.status.next_probe_ms = out.next_probe_ms;
  return out;
}

size_t HealthRegistry::wait_until_probed(std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(mutex_);
  probed_.wait_until(lock, deadline, [this] { return unprobed_ == 0; });
  return unprobed_;
}

size_t HealthRegistry::unprobed() const {
  std::lock_guard lock(mutex_);
  return unprobed_;
}

HealthSnapshot HealthRegistry::status() const {
  HealthSnapshot snap;
  std::lock_guard lock(mutex_);
  snap.now_ms = clock_();
  snap.targets.reserve(entries_.size());
  for (const auto& [id, e] : entries_) {
    TargetStatus t;
    t.id = id;
    t.check = e.target->spec;
    t.address = e.target->address;
    t.status = e.status;
    t.refs = refs_locked(e);
    snap.targets.push_back(std::move(t));
  }
  std::sort(snap.targets.begin(), snap.targets.end(),
            [](const TargetStatus& a, const TargetStatus& b) { return a.id < b.id; });
  return snap;
}

size_t HealthRegistry::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

ProbeMetrics HealthRegistry::probe_metrics() const {
  std::lock_guard lock(mutex_);
  return metrics_;
}

}  // namespace dnsd::health
