// The JSON of GET /api/status and POST /api/reload (shapes: CONTROL_API.md):
// zones with serial, file, load time and errors; the last reload; every pool
// with every member. Pure functions of their inputs, so they are tested
// without a running server. Control threads only.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dnsd/control/pool_report.h"
#include "dnsd/control/transfer_report.h"
#include "dnsd/query/snapshot.h"
#include "dnsd/server/reload_report.h"
#include "health/state_write_errors.h"
#include "zones/zone_set.h"

namespace dnsd {

/// When each zone version now served was first published: a reload that keeps
/// a broken file's last good version keeps its time too. Thread-safe.
class ZoneLoadTimes {
 public:
  /// Notes the zones of `set` published at `at_ms` (Unix ms): zones not seen
  /// before get that time; zones no longer in `set` are forgotten.
  void observe(const zones::ZoneSet& set, uint64_t at_ms);
  /// When `zone` was first observed; 0 if never.
  uint64_t loaded_at(const zones::Zone& zone) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::shared_ptr<const zones::Zone>, uint64_t>> seen_;
};

/// What the status page says about the server itself.
struct ServerInfo {
  std::string zones_path;
  std::vector<std::string> listen;
  unsigned threads = 1;
  uint64_t started_ms = 0;
  bool health = false;      ///< a health table is attached
  std::string state_dir;    ///< "" when drains are not persisted
  /// Failed writes per state file, read at request time (empty: not reported).
  std::vector<health::StateWriteStatus> state_writes;
};

/// A reload report as JSON (fields of CONTROL_API.md "last_reload").
nlohmann::json reload_json(const ReloadReport& report, uint64_t at_ms, double duration_ms);

/// Whether a report counts as a success: published and no file failed.
inline bool reload_ok(const ReloadReport& report) { return report.published && report.failed == 0; }

/// The whole status document. `now_ms` is the wall clock; `transfer` (may
/// be null) adds each zone's versions and the "secondaries" list.
nlohmann::json status_json(const Snapshot& snapshot, const ReloadHistory& history, const ZoneLoadTimes& times,
                           const HealthIndex& health, const ServerInfo& info, uint64_t now_ms,
                           const TransferInputs* transfer = nullptr);

}  // namespace dnsd
