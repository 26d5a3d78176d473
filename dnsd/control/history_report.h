// The outage views of the control API: GET /api/events (the health event
// log as JSON) and GET /api/history (each pool member's last minutes: state
// segments and probe latency in 10-second buckets), for the dashboard's event
// history and per-member strips. Pure functions of copies taken from the
// health registry; control threads only.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "health/event_log.h"
#include "health/target_table.h"

namespace dnsd {

/// One event as JSON: id, at, at_ms, kind, zone, pool, member, from, to,
/// reason, latency_ms (null when it does not apply). Pure.
nlohmann::json event_json(const health::Event& event);

/// The body of GET /api/events: {"last_id": N, "events": [...]} with
/// `events` oldest first. Pure.
nlohmann::json events_json(const std::vector<health::Event>& events, uint64_t last_id);

/// What GET /api/history covers.
struct HistoryQuery {
  uint64_t window_ms = 15 * 60 * 1000;  ///< how far back, at most 15 minutes
  std::string zone;                     ///< only this zone (normalised); empty for all
  std::string pool;                     ///< only this pool; empty for all
};

/// Parses the query parameters of GET /api/history (`window` in seconds, 10
/// to 900; `zone`; `pool`). False with `error` on a bad value. Pure.
bool parse_history_query(const std::string& window, const std::string& zone, const std::string& pool,
                         HistoryQuery& out, std::string& error);

/// The body of GET /api/history for `history` (times on the table's clock,
/// `history.now_ms` matching `wall_now_ms`), with drained stretches taken from
/// the drain events of `events` and each member's drain state now. Pure.
nlohmann::json history_json(const health::HistorySnapshot& history, const std::vector<health::Event>& events,
                            uint64_t wall_now_ms, const HistoryQuery& query);

}  // namespace dnsd
