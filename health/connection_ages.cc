#include "health/connection_ages.h"

namespace dnsd::health {

void ConnectionAges::opened(const std::string& key, uint64_t now_ms) { opened_at_[key] = now_ms; }

bool ConnectionAges::due(const std::string& key, uint64_t now_ms) {
  if (now_ms - last_sweep_ms_ >= max_age_ms_) {
    last_sweep_ms_ = now_ms;
    for (auto it = opened_at_.begin(); it != opened_at_.end();)
      it = now_ms - it->second >= forget_after_ms_ ? opened_at_.erase(it) : std::next(it);
  }
  const auto it = opened_at_.find(key);
  return it != opened_at_.end() && now_ms - it->second >= max_age_ms_;
}

}  // namespace dnsd::health
