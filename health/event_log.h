// What happened to the served pools and zones, newest last: members going
// down and up (with the probe result that decided it), pools whose members
// are all down and their recovery, runtime drains, and zone files that failed
// (the last good version staying in service) or loaded again. The control
// API serves it (GET /api/events) and the dashboard shows it as its event
// history. A bounded ring in memory: the newest kEventLogCapacity events.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace dnsd::health {

/// What kind of thing happened.
enum class EventKind : uint8_t {
  MemberDown,       ///< a member's check failed `fall` times (or its first probe failed)
  MemberUp,         ///< a member's check succeeded `rise` times after being down
  PoolAllDown,      ///< every member of a pool is down
  PoolRecovered,    ///< a pool that was all down has a member up again
  MemberDrained,    ///< an operator drained a member through the control API
  MemberUndrained,  ///< an operator undrained it
  ZoneStale,        ///< a zone file failed to load; the last good version keeps serving
  ZoneLoadFailed,   ///< a zone file failed to load and nothing of it is served
  ZoneLoaded,       ///< a zone file that was failing loaded again
};

/// Stable lower-case name ("member-down", "pool-all-down", "zone-stale", ...), for JSON. Any thread.
const char* event_kind_name(EventKind kind);

/// One event. Fields that do not apply are empty.
struct Event {
  uint64_t id = 0;        ///< monotonic sequence number, from 1; assigned by EventLog::record
  uint64_t at_ms = 0;     ///< Unix time in milliseconds; set by record when 0
  EventKind kind = EventKind::MemberDown;
  std::string zone;       ///< zone origin ("example.test.") or, for a zone file event, its file
  std::string pool;
  std::string member;     ///< the member's address as written in the zone
  std::string from;       ///< state before ("up", "down", "unknown", "drain", "auto", "ok", "stale", ...)
  std::string to;         ///< state after
  std::string reason;     ///< the probe result ("HTTP 500 in 3 ms", "connect refused") or the load error
  std::optional<double> latency_ms;  ///< the deciding probe's latency, for member events
};

/// How many events the ring keeps.
inline constexpr size_t kEventLogCapacity = 500;

/// The event ring. Thread-safe: the prober, the reload thread and the control
/// threads record; the control threads read.
class EventLog {
 public:
  /// `clock` gives Unix milliseconds (tests pass a fake one); `capacity` bounds the ring.
  explicit EventLog(std::function<uint64_t()> clock = nullptr, size_t capacity = kEventLogCapacity);

  /// Appends `event` with the next id (and the clock's time unless at_ms is
  /// set), dropping the oldest beyond capacity. Returns the id. Any thread.
  uint64_t record(Event event);

  /// Records a runtime drain (drained) or undrain of `member` in `pool` of
  /// `zone` (empty: every zone with that pool). Any thread.
  uint64_t record_admin(const std::string& zone, const std::string& pool, const std::string& member, bool drained);

  /// Every kept event with an id above `since_id`, oldest first. Any thread.
  std::vector<Event> since(uint64_t since_id) const;

  /// The id the last recorded event got (0 before any). Any thread.
  uint64_t last_id() const;

 private:
  std::function<uint64_t()> clock_;
  size_t capacity_;
  mutable std::mutex mutex_;
  uint64_t next_id_ = 1;
  std::deque<Event> events_;
};

}  // namespace dnsd::health
