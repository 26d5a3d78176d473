#include "dnsd/dnssec/key_timeline.h"

#include <time.h>

#include <algorithm>
#include <ctime>

namespace dnsd::dnssec {
namespace {

/// A key that is published and waits to become active.
bool waits_for_activation(const KeyRecord& key) { return key.published != 0 && key.active == 0 && key.removed == 0; }

/// A key that signs zone data (by its record, whatever the time).
bool signs_data(const KeyRecord& key) { return key.active != 0 && key.retired == 0 && key.removed == 0; }

/// A key that is retired and waits to be removed.
bool waits_for_removal(const KeyRecord& key) { return key.retired != 0 && key.removed == 0; }

/// When a published key can become active: its DNSKEY RRset is in every cache.
int64_t activation_time(const KeyRecord& key, const KeyTimings& t) {
  return key.published + int64_t{t.dnskey_ttl} + int64_t{t.propagation_delay};
}

/// The key that took over zone signing from retired key `old` (it became
/// active when `old` retired); failing that, the key signing data now.
const KeyRecord* successor_of(const std::vector<KeyRecord>& keys, const KeyRecord& old) {
  for (const KeyRecord& key : keys)
    if (&key != &old && key.active != 0 && key.active == old.retired && key.removed == 0) return &key;
  const KeyRecord* latest = nullptr;
  for (const KeyRecord& key : keys)
    if (&key != &old && signs_data(key) && (!latest || key.active >= latest->active)) latest = &key;
  return latest;
}

/// When retired key `old` can be removed, or 0 while that waits for the
/// successor's DS to be seen at the parent (or there is no successor).
int64_t removal_time(const std::vector<KeyRecord>& keys, const KeyRecord& old, const KeyTimings& t) {
  const KeyRecord* successor = successor_of(keys, old);
  if (!successor || successor->ds_seen == 0) return 0;
  return std::max(old.retired + int64_t{t.max_ttl} + int64_t{t.propagation_delay},
                  successor->ds_seen + int64_t{t.parent_ds_ttl} + int64_t{t.propagation_delay});
}

/// Makes the published key that is due first active, retiring the keys that
/// signed data before it. False if none is due by `now`.
bool activate_next(std::vector<KeyRecord>& keys, const KeyTimings& timings, int64_t now) {
  KeyRecord* due = nullptr;
  for (KeyRecord& key : keys)
    if (waits_for_activation(key) && activation_time(key, timings) <= now &&
        (!due || activation_time(key, timings) < activation_time(*due, timings)))
      due = &key;
  if (!due) return false;
  const int64_t at = activation_time(*due, timings);
  for (KeyRecord& key : keys)
    if (&key != due && signs_data(key) && key.active <= at) key.retired = at;
  due->active = at;
  return true;
}

/// Removes every retired key whose removal time has come by `now`.
bool remove_due(std::vector<KeyRecord>& keys, const KeyTimings& timings, int64_t now) {
  bool changed = false;
  for (KeyRecord& key : keys) {
    if (!waits_for_removal(key)) continue;
    const int64_t at = removal_time(keys, key, timings);
    if (at != 0 && at <= now) {
      key.removed = at;
      changed = true;
    }
  }
  return changed;
}

std::string tag_text(const KeyRecord& key) { return "key " + std::to_string(key.tag); }

}  // namespace

const char* key_state_name(KeyState state) {
  switch (state) {
    case KeyState::Published: return "published";
    case KeyState::Active: return "active";
    case KeyState::Retired: return "retired";
    case KeyState::Removed: return "removed";
  }
  return "unknown";
}

KeyState state_of(const KeyRecord& key, int64_t now) {
  if (key.removed != 0 && key.removed <= now) return KeyState::Removed;
  if (key.retired != 0 && key.retired <= now) return KeyState::Retired;
  if (key.active != 0 && key.active <= now) return KeyState::Active;
  return KeyState::Published;
}

bool advance_keys(std::vector<KeyRecord>& keys, const KeyTimings& timings, int64_t now) {
  bool changed = false;
  // A late call may owe several steps (activation, then removal); take them in order.
  for (;;) {
    bool step = activate_next(keys, timings, now);
    step = remove_due(keys, timings, now) || step;
    if (!step) return changed;
    changed = true;
  }
}

KeyPlan plan_keys(const std::vector<KeyRecord>& records, const KeyTimings& timings, int64_t now) {
  std::vector<KeyRecord> keys = records;
  advance_keys(keys, timings, now);
  KeyPlan plan;
  for (size_t i = 0; i < keys.size(); ++i) {
    const KeyState state = state_of(keys[i], now);
    if (state == KeyState::Removed) continue;
    plan.dnskey.push_back(i);
    plan.dnskey_signers.push_back(i);
    if (state == KeyState::Active && (plan.zone_signer == SIZE_MAX || keys[i].active >= keys[plan.zone_signer].active))
      plan.zone_signer = i;
  }

  std::string waiting;
  for (const KeyRecord& key : keys) {
    int64_t at = 0;
    std::string what;
    if (waits_for_activation(key)) {
      at = activation_time(key, timings);
      what = tag_text(key) + " becomes active at ";
    } else if (waits_for_removal(key)) {
      at = removal_time(keys, key, timings);
      what = tag_text(key) + " is removed at ";
      if (at == 0) {
        const KeyRecord* successor = successor_of(keys, key);
        waiting = successor ? "waiting for the DS of " + tag_text(*successor) + " at the parent"
                            : tag_text(key) + " is retired but no key signs the zone";
        continue;
      }
    } else {
      continue;
    }
    if (plan.next_event == 0 || at < plan.next_event) {
      plan.next_event = at;
      plan.next_event_text = what + utc_time_text(at);
    }
  }
  if (!waiting.empty())
    plan.next_event_text = plan.next_event_text.empty() ? waiting : plan.next_event_text + "; " + waiting;
  return plan;
}

bool can_start_rollover(const std::vector<KeyRecord>& keys, int64_t now, std::string& why_not) {
  size_t active = 0;
  for (const KeyRecord& key : keys) {
    switch (state_of(key, now)) {
      case KeyState::Published:
        why_not = "a rollover is in progress: " + tag_text(key) + " is published and not yet active";
        return false;
      case KeyState::Retired:
        why_not = "a rollover is in progress: " + tag_text(key) + " is retired and not yet removed";
        return false;
      case KeyState::Active: ++active; break;
      case KeyState::Removed: break;
    }
  }
  if (active == 1) return true;
  why_not = active == 0 ? "the zone has no active key" : "more than one key is active";
  return false;
}

std::string utc_time_text(int64_t unix_seconds) {
  const time_t t = time_t(unix_seconds);
  struct tm parts {};
  char text[32];
  if (gmtime_r(&t, &parts) == nullptr || std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts) == 0)
    return std::to_string(unix_seconds);
  return text;
}

}  // namespace dnsd::dnssec
