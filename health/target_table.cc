#include "health/target_table.h"

#include <algorithm>
#include <map>

#include "health/check.h"

namespace dnsd::health {

using zones::CheckSpec;
using zones::CheckType;

std::string target_key(const CheckSpec& s, const std::string& address) {
  std::string k;
  auto add = [&k](const std::string& v) {
    k += v;
    k += '\x1f';
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
  // The dns options join the key only when they differ from the defaults, so
  // keys (and the state directory's health.json) stay what they were for every
  // check that does not use them.
  const CheckSpec defaults;
  if (s.edns != defaults.edns || s.transport != defaults.transport || s.expect_rcode != defaults.expect_rcode ||
      s.expect_address != defaults.expect_address || s.expect_answer != defaults.expect_answer) {
    std::string dns = std::string("dns-options:") + (s.edns ? "edns" : "no-edns") +
                      (s.transport == zones::DnsTransport::Tcp ? "/tcp" : "/udp") + "/rcodes=";
    for (uint16_t rcode : s.expect_rcode) dns += std::to_string(rcode) + ",";
    dns += "/address=" + s.expect_address + (s.expect_answer ? "/answer" : "");
    add(dns);
  }
  add(s.command);
  add(std::to_string(s.interval_ms) + "/" + std::to_string(s.fast_interval_ms) + "/" + std::to_string(s.timeout_ms) +
      "/" + std::to_string(s.rise) + "/" + std::to_string(s.fall));
  add(address);
  return k;
}

TargetTable::TargetTable(ProbeBarrier& barrier, std::function<uint64_t()> clock)
    : barrier_(barrier), clock_(clock ? std::move(clock) : monotonic_ms) {}

BoundTarget TargetTable::bind(const CheckSpec& check, const std::string& check_address) {
  const CheckSpec spec = normalized_spec(check);
  const std::string address = canonical_address(check_address);
  const std::string key = target_key(spec, address);
  std::lock_guard lock(mutex_);
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    Entry& e = entries_.at(it->second);
    e.bound_epoch = epoch_;
    return {e.target->id, e.target->health, false};
  }
  auto target = std::make_shared<Target>();
  target->id = next_id_++;
  target->spec = spec;
  target->address = address;
  target->health = std::make_shared<MemberHealth>();
  Entry e;
  e.status = initial_status(clock_());
  e.bound_epoch = epoch_;
  if (spec.type == CheckType::None) {
    // Static: up from the start, never probed.
    e.status.state = HealthState::Up;
    target->health->state.store(uint8_t(HealthState::Up), std::memory_order_relaxed);
  } else if (auto seed = seeds_.find(key); seed != seeds_.end()) {
    // Known from the previous run: served as it was, confirmed by the first probe.
    e.status.state = seed->second.first;
    e.status.since_ms = seed->second.second;
    e.status.restored = true;
    target->health->state.store(uint8_t(e.status.state), std::memory_order_relaxed);
    seeds_.erase(seed);
  } else {
    barrier_.add(target->id);
  }
  e.history.begin(clock_(), e.status.state);
  e.target = target;
  by_key_.emplace(key, target->id);
  entries_.emplace(target->id, std::move(e));
  notify_changed_locked();
  return {target->id, target->health, true};
}

size_t TargetTable::seed(const std::vector<KnownState>& states, uint64_t wall_now_ms) {
  std::lock_guard lock(mutex_);
  const uint64_t now = clock_();
  size_t taken = 0;
  for (const KnownState& s : states) {
    if (s.state != HealthState::Up && s.state != HealthState::Down) continue;
    // Since: as long ago as it was on the wall clock (never in the future; at
    // worst the clock's start, 1, as 0 means unset).
    const uint64_t age = wall_now_ms > s.since_ms ? wall_now_ms - s.since_ms : 0;
    seeds_[s.key] = {s.state, now > age + 1 ? now - age : 1};
    ++taken;
  }
  return taken;
}

void TargetTable::set_uses(std::vector<TargetUse> uses) {
  std::lock_guard lock(mutex_);
  seeds_.clear();  // only the first publish restores states
  for (auto& [id, e] : entries_) {
    e.uses.clear();
    e.pending.clear();
  }
  for (TargetUse& use : uses)
    if (auto it = entries_.find(use.target); it != entries_.end()) it->second.uses.push_back(std::move(use));
  bool removed = false;
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& e = it->second;
    if (e.uses.empty() && e.bound_epoch < epoch_) {
      barrier_.release(e.target->id);
      by_key_.erase(target_key(e.target->spec, e.target->address));
      it = entries_.erase(it);
      removed = true;
      continue;
    }
    std::sort(e.uses.begin(), e.uses.end(), [](const TargetUse& a, const TargetUse& b) {
      return std::tie(a.ref.zone, a.ref.pool, a.ref.member) < std::tie(b.ref.zone, b.ref.pool, b.ref.member);
    });
    ++it;
  }
  ++epoch_;
  if (removed) notify_changed_locked();
}

std::vector<std::shared_ptr<const Target>> TargetTable::list() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<const Target>> out;
  out.reserve(entries_.size());
  for (const auto& [id, e] : entries_) out.push_back(e.target);
  return out;
}

void TargetTable::set_change_listener(std::function<void()> listener) {
  std::lock_guard lock(mutex_);
  change_listener_ = std::move(listener);
}

void TargetTable::notify_changed_locked() {
  if (change_listener_) change_listener_();
}

void TargetTable::set_next_probe(uint64_t id, uint64_t at_ms) {
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(id); it != entries_.end()) it->second.status.next_probe_ms = at_ms;
}

void TargetTable::add_pending_ref(uint64_t id, TargetRef ref) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  for (const TargetRef& r : it->second.pending)
    if (r == ref) return;
  it->second.pending.push_back(std::move(ref));
}

std::vector<TargetRef> TargetTable::refs_locked(const Entry& entry) const {
  if (entry.uses.empty()) return entry.pending;  // bound by a load that has not published yet
  std::vector<TargetRef> out;
  out.reserve(entry.uses.size());
  for (const TargetUse& use : entry.uses) {
    TargetRef ref = use.ref;
    ref.admin = use.admin ? AdminState(use.admin->state.load(std::memory_order_relaxed)) : AdminState::Auto;
    out.push_back(std::move(ref));
  }
  return out;
}

std::optional<ResultOutcome> TargetTable::record_result(uint64_t id, const CheckResult& result, uint64_t now_ms,
                                                        uint64_t rng) {
  std::optional<ResultOutcome> out = record_result_locked(id, result, now_ms, rng);
  if (out && out->transition == Transition::Changed) state_changes_.notify();  // outside the table lock
  return out;
}

std::optional<ResultOutcome> TargetTable::record_result_locked(uint64_t id, const CheckResult& result,
                                                               uint64_t now_ms, uint64_t rng) {
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
  if (out.transition == Transition::Changed) {
    // Stored before the barrier opens, so a publisher woken by it serves the verdict.
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
  e.history.record(now_ms, result, e.status.state);
  if (first) barrier_.release(id);
  metrics_.record(target.spec.type, result, out.transition, e.status.state);
  out.next_probe_ms = now_ms + next_delay(e.status, out.transition, target.spec, rng);
  e.status.next_probe_ms = out.next_probe_ms;
  return out;
}

HealthSnapshot TargetTable::status() const {
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

std::vector<PoolMembers> TargetTable::pool_members(
    const std::vector<std::pair<std::string, std::string>>& pools) const {
  std::map<std::pair<std::string, std::string>, std::vector<HealthState>> by_pool;
  const auto wanted = [&pools](const TargetRef& r) {
    return std::any_of(pools.begin(), pools.end(),
                       [&r](const auto& p) { return p.first == r.zone && p.second == r.pool; });
  };
  std::lock_guard lock(mutex_);
  for (const auto& [id, e] : entries_) {
    // The same users status() reports (refs_locked), without copying them.
    if (e.uses.empty()) {
      for (const TargetRef& r : e.pending)
        if (wanted(r)) by_pool[{r.zone, r.pool}].push_back(e.status.state);
    } else {
      for (const TargetUse& use : e.uses)
        if (wanted(use.ref)) by_pool[{use.ref.zone, use.ref.pool}].push_back(e.status.state);
    }
  }
  std::vector<PoolMembers> out;
  out.reserve(by_pool.size());
  for (auto& [key, states] : by_pool) out.push_back({key.first, key.second, std::move(states)});
  return out;
}

HistorySnapshot TargetTable::history() const {
  HistorySnapshot snap;
  std::lock_guard lock(mutex_);
  snap.now_ms = clock_();
  snap.targets.reserve(entries_.size());
  for (const auto& [id, e] : entries_) {
    TargetHistoryCopy t;
    t.id = id;
    t.check = e.target->spec;
    t.refs = refs_locked(e);
    t.state = e.status.state;
    t.history = e.history;
    snap.targets.push_back(std::move(t));
  }
  std::sort(snap.targets.begin(), snap.targets.end(),
            [](const TargetHistoryCopy& a, const TargetHistoryCopy& b) { return a.id < b.id; });
  return snap;
}

size_t TargetTable::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

ProbeMetrics TargetTable::metrics() const {
  std::lock_guard lock(mutex_);
  return metrics_;
}

}  // namespace dnsd::health
