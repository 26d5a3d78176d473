#include "dnsd/server/signing_service.h"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "dnsd/dnssec/zone_signer.h"
#include "dnsd/server/log.h"

namespace dnsd {
namespace {

/// How long after a failure to load keys or sign the service tries again.
constexpr int64_t kRetrySeconds = 60;

/// CPUs this process may run on (taskset, cgroups' cpusets), not all the
/// machine has: more signing threads than that only cost memory.
unsigned usable_cpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return unsigned(CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

uint32_t max_served_ttl(const zones::Zone& zone) {
  uint32_t ttl = std::max(zone.negative_ttl(), zone.dnssec().dnskey_ttl);
  for (uint32_t n = 0; n < zone.node_count(); ++n)
    for (const zones::RRset& set : zone.rrsets(zone.node(n))) ttl = std::max(ttl, set.ttl);
  return ttl;
}

SigningService::SigningService(std::string key_dir, unsigned threads, std::function<int64_t()> now)
    : key_dir_(std::move(key_dir)),
      store_(key_dir_),
      threads_(threads > 0 ? threads : usable_cpus()),
      now_(std::move(now)) {}

void SigningService::schedule(ZoneState& state, int64_t due) {
  state.due = due;
  int64_t earliest = 0;
  for (const auto& [name, s] : zones_)
    if (s.due > 0 && (earliest == 0 || s.due < earliest)) earliest = s.due;
  next_due_.store(earliest, std::memory_order_relaxed);
}

SigningService::ZoneState* SigningService::state_for(const zones::Zone& zone, std::string& error) {
  const std::string origin = zones::lower_text(zone.origin_text());
  ZoneState& state = zones_[origin];
  state.policy = zone.dnssec();
  state.timings.dnskey_ttl = zone.dnssec().dnskey_ttl;
  state.timings.max_ttl = max_served_ttl(zone);
  state.timings.propagation_delay = zone.dnssec().propagation_delay;
  state.timings.parent_ds_ttl = zone.dnssec().parent_ds_ttl;
  if (state.loaded) {
    // The keys were loaded for the algorithm the file named then; a changed
    // file cannot switch it under them.
    for (const dnssec::KeyRecord& key : state.keys.records)
      if (key.removed == 0 && key.algorithm != zone.dnssec().algorithm) {
        error = "key " + std::to_string(key.tag) + " is " + dnssec::algorithm_name(key.algorithm) +
                " but the zone now asks for " + dnssec::algorithm_name(zone.dnssec().algorithm) +
                "; an algorithm rollover is not supported";
        state.error = error;
        return nullptr;
      }
    return &state;
  }
  if (key_dir_.empty()) {
    error = "the zone is signed (\"dnssec\") but dnsd has nowhere to keep its keys: give --key-dir DIR or --state-dir DIR";
    state.error = error;
    schedule(state, now_() + kRetrySeconds);
    return nullptr;
  }
  if (!store_.load_or_create(origin, zone.dnssec().algorithm, now_(), state.keys, error)) {
    state.error = error;
    schedule(state, now_() + kRetrySeconds);  // try again later, without a log line every second
    return nullptr;
  }
  state.loaded = true;
  state.error.clear();
  return &state;
}

std::shared_ptr<const dnssec::SigningSetup> SigningService::setup(const std::shared_ptr<const zones::Zone>& zone,
                                                                  std::string& error) {
  std::lock_guard lock(mutex_);
  ZoneState* state = state_for(*zone, error);
  if (!state) return nullptr;
  const int64_t now = now_();
  const std::string origin = zones::lower_text(zone->origin_text());
  if (dnssec::advance_keys(state->keys.records, state->timings, now)) {
    std::string save_error;
    if (!store_.save(origin, state->keys.records, save_error)) {
      log_error("dnssec: zone %s: %s", origin.c_str(), save_error.c_str());
      state->error = save_error;
    }
  }
  const dnssec::KeyPlan plan = dnssec::plan_keys(state->keys.records, state->timings, now);
  auto setup = std::make_shared<dnssec::SigningSetup>();
  if (plan.zone_signer < state->keys.keys.size()) setup->zone_key = state->keys.keys[plan.zone_signer];
  for (const size_t k : plan.dnskey)
    if (state->keys.keys[k]) setup->dnskey.push_back(state->keys.keys[k]);
  for (const size_t k : plan.dnskey_signers)
    if (state->keys.keys[k]) setup->dnskey_signers.push_back(state->keys.keys[k]);
  if (!setup->zone_key || setup->dnskey_signers.empty()) {
    error = "no active key to sign with (see dnsd ctl keys)";
    state->error = error;
    schedule(*state, now + kRetrySeconds);
    return nullptr;
  }
  setup->window = dnssec::window_at(state->policy, now);
  setup->dnskey_ttl = state->policy.dnskey_ttl;
  // The same setup object while nothing changes, so versions compare cheaply.
  if (state->setup && state->setup->same_zone_signing(*setup) && state->setup->same_dnskey(*setup))
    setup = std::const_pointer_cast<dnssec::SigningSetup>(state->setup);
  state->setup = setup;
  int64_t due = dnssec::next_refresh(state->policy, setup->window);
  if (plan.next_event > 0) due = std::min(due, plan.next_event);
  schedule(*state, due);
  return setup;
}

std::shared_ptr<const dnssec::ZoneSignatures> SigningService::zone_signatures(
    const std::shared_ptr<const zones::Zone>& zone, const dnssec::SigningSetup& setup, std::string& error) {
  const std::string origin = zones::lower_text(zone->origin_text());
  {
    std::lock_guard lock(mutex_);
    ZoneState& state = zones_[origin];
    if (state.signatures && state.signed_zone.lock() == zone && state.signatures->key_tag() == setup.zone_key->key_tag() &&
        state.signatures->window() == setup.window)
      return state.signatures;
  }
  // Signing a large zone takes seconds: done outside the lock.
  const auto begin = std::chrono::steady_clock::now();
  auto signatures = dnssec::sign_zone(*zone, setup, threads_, error);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  if (!signatures) return nullptr;
  log_info("dnssec: zone %s: %zu signatures made with key %u in %.3f s", origin.c_str(), signatures->signatures(),
           setup.zone_key->key_tag(), seconds);
  std::lock_guard lock(mutex_);
  ZoneState& state = zones_[origin];
  state.signatures = signatures;
  state.signed_zone = zone;
  counters_.signatures += signatures->signatures();
  counters_.seconds += seconds;
  ++counters_.zone_signings;
  return signatures;
}

std::vector<SigningService::Failure> SigningService::prepare(const zones::ZoneSet& set) {
  std::vector<Failure> errors;
  std::set<std::string> signed_origins;
  for (uint32_t i = 0; i < set.size(); ++i) {
    const auto& zone = set.zone_ptr(i);
    if (!zone->dnssec().enabled) continue;
    signed_origins.insert(zones::lower_text(zone->origin_text()));
    std::string error;
    const auto s = setup(zone, error);
    if (!s || !zone_signatures(zone, *s, error)) errors.push_back({i, zone->origin_text() + ": " + error});
  }
  // Zones no longer served, or no longer signed, leave the reports and metrics
  // (their keys stay in the key directory).
  std::lock_guard lock(mutex_);
  std::erase_if(zones_, [&](const auto& entry) { return !signed_origins.count(entry.first); });
  return errors;
}

bool SigningService::due() const {
  const int64_t due = next_due_.load(std::memory_order_relaxed);
  return due > 0 && now_() >= due;
}

std::vector<ZoneSigningReport> SigningService::report() const {
  std::lock_guard lock(mutex_);
  const int64_t now = now_();
  std::vector<ZoneSigningReport> out;
  for (const auto& [origin, state] : zones_) {
    ZoneSigningReport r;
    r.zone = origin;
    r.now = now;
    r.keys = state.keys.records;
    dnssec::advance_keys(r.keys, state.timings, now);  // what the next publish applies
    for (const auto& k : r.keys) r.states.push_back(dnssec::state_of(k, now));
    for (size_t i = 0; i < r.keys.size(); ++i) {
      const auto& key = i < state.keys.keys.size() ? state.keys.keys[i] : nullptr;
      r.dnskey_rdata.emplace_back();
      if (key) r.dnskey_rdata.back().assign(key->dnskey_rdata().begin(), key->dnskey_rdata().end());
    }
    r.parent_ds_ttl = state.policy.parent_ds_ttl;
    if (state.setup) {
      r.zone_key_tag = state.setup->zone_key->key_tag();
      r.window = state.setup->window;
      r.next_refresh = dnssec::next_refresh(state.policy, state.setup->window);
    }
    r.next_event = dnssec::plan_keys(state.keys.records, state.timings, now).next_event_text;
    r.error = state.error;
    out.push_back(std::move(r));
  }
  return out;
}

bool SigningService::roll(const std::string& zone, std::string& error) {
  std::lock_guard lock(mutex_);
  const auto it = zones_.find(zone);
  if (it == zones_.end() || !it->second.loaded) {
    error = "no signed zone " + zone;
    return false;
  }
  dnssec::advance_keys(it->second.keys.records, it->second.timings, now_());
  if (!store_.start_rollover(zone, now_(), it->second.keys, error)) return false;
  next_due_.store(now_(), std::memory_order_relaxed);  // publish the new DNSKEY RRset now
  return true;
}

bool SigningService::ds_seen(const std::string& zone, uint16_t tag, std::string& error) {
  std::lock_guard lock(mutex_);
  const auto it = zones_.find(zone);
  if (it == zones_.end() || !it->second.loaded) {
    error = "no signed zone " + zone;
    return false;
  }
  if (!store_.mark_ds_seen(zone, tag, now_(), it->second.keys, error)) return false;
  next_due_.store(now_(), std::memory_order_relaxed);  // the timeline may move on
  return true;
}

void SigningService::count_version_signatures(size_t n) {
  std::lock_guard lock(mutex_);
  counters_.signatures += n;
}

SigningCounters SigningService::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace dnsd
