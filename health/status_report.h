// Health status outside the process: a JSON status file the prober rewrites
// (what `dnsd status --state-file F` reads until issue 4's control API), and
// the readable table both print. Files hold Unix-time milliseconds, so a
// reader computes ages against its own wall clock.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "health/target_status.h"

namespace dnsd::health {

/// Unix time in milliseconds. Any thread.
uint64_t wall_clock_ms();

/// `snapshot` with every time moved from its clock to the wall clock, given the
/// wall-clock time `wall_now_ms` matching snapshot.now_ms. Unset times (0) stay 0. Pure.
HealthSnapshot to_wall_clock(const HealthSnapshot& snapshot, uint64_t wall_now_ms);

/// The snapshot as JSON text (format version 1; see status_report.cc). Pure.
std::string status_to_json(const HealthSnapshot& snapshot);

/// Parses status_to_json's output. False with `error` set on malformed input. Pure.
bool status_from_json(std::string_view text, HealthSnapshot& out, std::string& error);

/// Writes a monotonic-clock snapshot (as HealthRegistry::status returns it) to
/// `path` in wall-clock time, atomically: a temporary file beside it, then
/// rename, so readers never see half a file. False with `error` on failure.
/// Blocking file I/O; the prober thread or a control thread.
bool write_status_file(const std::string& path, const HealthSnapshot& snapshot, std::string& error);

/// Reads a status file; out.now_ms is set to the current wall-clock time, so
/// ages include how stale the file is. False with `error` on failure. Any thread.
bool read_status_file(const std::string& path, HealthSnapshot& out, std::string& error);

/// A readable table, one row per pool member (a target used by three pools
/// gives three rows), sorted by zone, pool and member:
///   ZONE           POOL  MEMBER     ROLE     STATE  FOR    LAST                NEXT    CHECK
///   example.test.  web   192.0.2.1  primary  up     5m12s  HTTP 200 in 1.2 ms  in 1.4s http 127.0.1.1:80
/// Targets no pool uses are listed with "-" for zone, pool and member. Pure.
std::string render_status_table(const HealthSnapshot& snapshot);

/// A duration as "850ms", "4.2s", "42s", "5m12s", "3h05m" or "2d03h". Pure.
std::string format_duration(uint64_t ms);

}  // namespace dnsd::health
