#include "health/event_log.h"

#include <algorithm>

#include "health/status_report.h"

namespace dnsd::health {

const char* event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::MemberDown: return "member-down";
    case EventKind::MemberUp: return "member-up";
    case EventKind::PoolAllDown: return "pool-all-down";
    case EventKind::PoolRecovered: return "pool-recovered";
    case EventKind::MemberDrained: return "member-drained";
    case EventKind::MemberUndrained: return "member-undrained";
    case EventKind::ZoneStale: return "zone-stale";
    case EventKind::ZoneLoadFailed: return "zone-load-failed";
    case EventKind::ZoneLoaded: return "zone-loaded";
  }
  return "invalid";
}

EventLog::EventLog(std::function<uint64_t()> clock, size_t capacity)
    : clock_(clock ? std::move(clock) : wall_clock_ms), capacity_(std::max<size_t>(capacity, 1)) {}

uint64_t EventLog::record(Event event) {
  if (event.at_ms == 0) event.at_ms = clock_();
  std::lock_guard lock(mutex_);
  event.id = next_id_++;
  events_.push_back(std::move(event));
  while (events_.size() > capacity_) events_.pop_front();
  return events_.back().id;
}

uint64_t EventLog::record_admin(const std::string& zone, const std::string& pool, const std::string& member,
                                bool drained) {
  Event e;
  e.kind = drained ? EventKind::MemberDrained : EventKind::MemberUndrained;
  e.zone = zone;
  e.pool = pool;
  e.member = member;
  e.from = drained ? "auto" : "drain";
  e.to = drained ? "drain" : "auto";
  e.reason = drained ? "drained through the control API" : "undrained through the control API";
  return record(std::move(e));
}

std::vector<Event> EventLog::since(uint64_t since_id) const {
  std::lock_guard lock(mutex_);
  std::vector<Event> out;
  // Ids are consecutive in the ring: skip straight to the first one wanted.
  const uint64_t first = events_.empty() ? 0 : events_.front().id;
  const size_t skip = since_id >= first ? size_t(since_id - first + 1) : 0;
  for (size_t i = std::min(skip, events_.size()); i < events_.size(); ++i) out.push_back(events_[i]);
  return out;
}

uint64_t EventLog::last_id() const {
  std::lock_guard lock(mutex_);
  return next_id_ - 1;
}

}  // namespace dnsd::health
