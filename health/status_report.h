// Health status outside the process: the JSON file `dnsd serve --status-file`
// has the prober rewrite, for monitoring without HTTP. Files hold Unix-time
// milliseconds, so a reader computes ages against its own wall clock.
#pragma once

#include <cstdint>
#include <string>

#include "health/target_status.h"

namespace dnsd::health {

/// Unix time in milliseconds. Any thread.
uint64_t wall_clock_ms();

/// `snapshot` with every time moved from its clock to the wall clock, given the
/// wall-clock time `wall_now_ms` matching snapshot.now_ms. Unset times (0) stay 0. Pure.
HealthSnapshot to_wall_clock(const HealthSnapshot& snapshot, uint64_t wall_now_ms);

/// The snapshot as JSON text (format version 1; see status_report.cc). Pure.
std::string status_to_json(const HealthSnapshot& snapshot);

/// Writes a monotonic-clock snapshot (as TargetTable::status returns it) to
/// `path` in wall-clock time, atomically: a temporary file beside it, then
/// rename, so readers never see half a file. False with `error` on failure.
/// Blocking file I/O; the prober thread or a control thread.
bool write_status_file(const std::string& path, const HealthSnapshot& snapshot, std::string& error);

/// A duration as "850ms", "4.2s", "42s", "5m12s", "3h05m" or "2d03h", for
/// `dnsd ctl` output. Pure; any thread.
std::string format_duration(uint64_t ms);

}  // namespace dnsd::health
