#include "health/connection_ages.h"

#include <functional>

namespace dnsd::health {

void ConnectionAges::opened(const std::string& key, uint64_t now_ms) { opened_at_[key] = now_ms; }

bool ConnectionAges::due(const std::string& key, uint64_t now_ms) {
  if (now_ms - last_sweep_ms_ >= max_age_ms_) {
    last_sweep_ms_ = now_ms;
    for (auto it = opened_at_.begin(); it != opened_at_.end();)
      it = now_ms - it->second >= forget_after_ms_ ? opened_at_.erase(it) : std::next(it);
  }
  const auto it = opened_at_.find(key);
  if (it == opened_at_.end() || now_ms - it->second < max_age(key)) return false;
  // Once per max age: the probes until the fresh connection is recorded keep
  // their connection (the next one has to connect anew anyway).
  it->second = now_ms;
  return true;
}

uint64_t ConnectionAges::max_age(const std::string& key) const {
  // Between half and all of max_age_ms, fixed per key: connections opened
  // together (a cold start) are renewed spread out, not all at once.
  return max_age_ms_ - std::hash<std::string>{}(key) % (max_age_ms_ / 2 + 1);
}

}  // namespace dnsd::health
