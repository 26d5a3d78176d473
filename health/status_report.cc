// Status file format, version 1 (the "check" object is health::check_json's):
// {
//   "version": 1,
//   "now_ms": 1700000000000,            // Unix ms when written
//   "targets": [{
//     "id": 3, "label": "http 127.0.1.1:80", "address": "127.0.1.1",
//     "check": {"type": "http", "port": 80, "path": "/healthz", "host": "", "expect": [200], "body": "",
//               "tls_verify": false, "query_name": ".", "query_type": 6, "command": "",
//               "interval_ms": 2000, "fast_interval_ms": 500, "timeout_ms": 1000, "rise": 2, "fall": 3},
//     "state": "up", "since_ms": ..., "next_probe_ms": ...,       // 0: none scheduled
//     "consecutive_successes": 4, "consecutive_failures": 0, "state_changes": 1, "probes": 9, "failed_probes": 0,
//     "last_result": {"ok": true, "failure": "none", "detail": "HTTP 200", "latency_us": 1234, "at_ms": ...},
//                                                             // null before the first result
//     "refs": [{"zone": "example.test.", "pool": "web", "member": "192.0.2.1", "weight": 1,
//               "backup": false, "drained_in_zone": false, "admin": "auto"}]
//   }]
// }
#include "health/status_report.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "health/atomic_file.h"
#include "health/check.h"
#include "health/check_json.h"
#include "health/state_change.h"

namespace dnsd::health {

using nlohmann::json;
using zones::CheckType;

uint64_t wall_clock_ms() {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

HealthSnapshot to_wall_clock(const HealthSnapshot& snapshot, uint64_t wall_now_ms) {
  HealthSnapshot out = snapshot;
  const int64_t shift = int64_t(wall_now_ms) - int64_t(snapshot.now_ms);
  auto move = [shift](uint64_t& t) {
    if (t != 0) t = uint64_t(std::max<int64_t>(int64_t(t) + shift, 1));
  };
  out.now_ms = wall_now_ms;
  for (TargetStatus& t : out.targets) {
    move(t.status.since_ms);
    move(t.status.last_result_ms);
    move(t.status.next_probe_ms);
  }
  return out;
}

namespace {

const char* admin_name(AdminState s) { return s == AdminState::Drain ? "drain" : "auto"; }

json target_to_json(const TargetStatus& t) {
  const MemberStatus& s = t.status;
  json refs = json::array();
  for (const TargetRef& r : t.refs)
    refs.push_back({{"zone", r.zone},
                    {"pool", r.pool},
                    {"member", r.member},
                    {"weight", r.weight},
                    {"backup", r.backup},
                    {"drained_in_zone", r.drained_in_zone},
                    {"admin", admin_name(r.admin)}});
  json last = nullptr;
  if (s.has_result)
    last = {{"ok", s.last_result.ok},
            {"failure", failure_kind_name(s.last_result.failure)},
            {"detail", s.last_result.detail},
            {"latency_us", s.last_result.latency_us},
            {"at_ms", s.last_result_ms}};
  return json{{"id", t.id},
              {"label", check_label(t.check, t.address)},
              {"address", t.address},
              {"check", check_json(t.check)},
              {"state", state_name(s.state)},
              {"since_ms", s.since_ms},
              {"next_probe_ms", s.next_probe_ms},
              {"consecutive_successes", s.consecutive_successes},
              {"consecutive_failures", s.consecutive_failures},
              {"state_changes", s.state_changes},
              {"probes", s.probes},
              {"failed_probes", s.failed_probes},
              {"last_result", last},
              {"refs", refs}};
}

}  // namespace

std::string status_to_json(const HealthSnapshot& snapshot) {
  json targets = json::array();
  for (const TargetStatus& t : snapshot.targets) targets.push_back(target_to_json(t));
  json doc = {{"version", 1}, {"now_ms", snapshot.now_ms}, {"targets", targets}};
  return doc.dump(1) + "\n";
}

bool write_status_file(const std::string& path, const HealthSnapshot& snapshot, std::string& error) {
  const std::string text = status_to_json(to_wall_clock(snapshot, wall_clock_ms()));
  return write_file_atomically(path, text, error);
}

std::string format_duration(uint64_t ms) {
  char buf[32];
  const uint64_t s = ms / 1000;
  if (ms < 1000) std::snprintf(buf, sizeof buf, "%llums", static_cast<unsigned long long>(ms));
  else if (ms < 10000) std::snprintf(buf, sizeof buf, "%.1fs", double(ms) / 1000.0);
  else if (s < 60) std::snprintf(buf, sizeof buf, "%llus", static_cast<unsigned long long>(s));
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%llum%02llus", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  else if (s < 86400)
    std::snprintf(buf, sizeof buf, "%lluh%02llum", static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>(s / 60 % 60));
  else
    std::snprintf(buf, sizeof buf, "%llud%02lluh", static_cast<unsigned long long>(s / 86400),
                  static_cast<unsigned long long>(s / 3600 % 24));
  return buf;
}

}  // namespace dnsd::health
