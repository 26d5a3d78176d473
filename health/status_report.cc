// Status file format, version 1:
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

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "health/atomic_file.h"
#include "health/check.h"
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

template <typename Enum, size_t N>
bool enum_from_name(const std::string& name, const char* (*namer)(Enum), const Enum (&values)[N], Enum& out) {
  for (Enum v : values)
    if (name == namer(v)) {
      out = v;
      return true;
    }
  return false;
}

const char* admin_name(AdminState s) { return s == AdminState::Drain ? "drain" : "auto"; }

constexpr CheckType kCheckTypes[] = {CheckType::None, CheckType::Tcp, CheckType::Http,
                                     CheckType::Https, CheckType::Dns, CheckType::Exec};
constexpr HealthState kStates[] = {HealthState::Unknown, HealthState::Up, HealthState::Down};
constexpr AdminState kAdminStates[] = {AdminState::Auto, AdminState::Drain};
constexpr FailureKind kFailureKinds[] = {FailureKind::None,   FailureKind::Timeout, FailureKind::Refused,
                                         FailureKind::Network, FailureKind::Tls,    FailureKind::Status,
                                         FailureKind::Body,   FailureKind::Rcode,   FailureKind::Exit,
                                         FailureKind::Config, FailureKind::Cancelled};

json check_to_json(const zones::CheckSpec& c) {
  return json{{"type", check_type_name(c.type)}, {"port", c.port},
              {"path", c.path},                  {"host", c.host},
              {"expect", c.expect},              {"body", c.body},
              {"tls_verify", c.tls_verify},      {"query_name", c.query_name},
              {"query_type", c.query_type},      {"command", c.command},
              {"interval_ms", c.interval_ms},    {"fast_interval_ms", c.fast_interval_ms},
              {"timeout_ms", c.timeout_ms},      {"rise", c.rise},
              {"fall", c.fall}};
}

zones::CheckSpec check_from_json(const json& j) {
  zones::CheckSpec c;
  if (!enum_from_name(j.at("type").get<std::string>(), check_type_name, kCheckTypes, c.type))
    throw std::runtime_error("unknown check type");
  c.port = j.at("port").get<uint16_t>();
  c.path = j.at("path").get<std::string>();
  c.host = j.at("host").get<std::string>();
  c.expect = j.at("expect").get<std::vector<int>>();
  c.body = j.at("body").get<std::string>();
  c.tls_verify = j.at("tls_verify").get<bool>();
  c.query_name = j.at("query_name").get<std::string>();
  c.query_type = j.at("query_type").get<uint16_t>();
  c.command = j.at("command").get<std::string>();
  c.interval_ms = j.at("interval_ms").get<uint32_t>();
  c.fast_interval_ms = j.at("fast_interval_ms").get<uint32_t>();
  c.timeout_ms = j.at("timeout_ms").get<uint32_t>();
  c.rise = j.at("rise").get<uint32_t>();
  c.fall = j.at("fall").get<uint32_t>();
  return c;
}

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
              {"check", check_to_json(t.check)},
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

TargetStatus target_from_json(const json& j) {
  TargetStatus t;
  t.id = j.at("id").get<uint64_t>();
  t.address = j.at("address").get<std::string>();
  t.check = check_from_json(j.at("check"));
  MemberStatus& s = t.status;
  if (!enum_from_name(j.at("state").get<std::string>(), state_name, kStates, s.state))
    throw std::runtime_error("unknown state");
  s.since_ms = j.at("since_ms").get<uint64_t>();
  s.next_probe_ms = j.at("next_probe_ms").get<uint64_t>();
  s.consecutive_successes = j.at("consecutive_successes").get<uint32_t>();
  s.consecutive_failures = j.at("consecutive_failures").get<uint32_t>();
  s.state_changes = j.at("state_changes").get<uint32_t>();
  s.probes = j.at("probes").get<uint64_t>();
  s.failed_probes = j.at("failed_probes").get<uint64_t>();
  const json& last = j.at("last_result");
  s.has_result = !last.is_null();
  if (s.has_result) {
    s.last_result.ok = last.at("ok").get<bool>();
    if (!enum_from_name(last.at("failure").get<std::string>(), failure_kind_name, kFailureKinds,
                        s.last_result.failure))
      throw std::runtime_error("unknown failure kind");
    s.last_result.detail = last.at("detail").get<std::string>();
    s.last_result.latency_us = last.at("latency_us").get<uint64_t>();
    s.last_result_ms = last.at("at_ms").get<uint64_t>();
  }
  for (const json& r : j.at("refs")) {
    TargetRef ref;
    ref.zone = r.at("zone").get<std::string>();
    ref.pool = r.at("pool").get<std::string>();
    ref.member = r.at("member").get<std::string>();
    ref.weight = r.at("weight").get<uint16_t>();
    ref.backup = r.at("backup").get<bool>();
    ref.drained_in_zone = r.at("drained_in_zone").get<bool>();
    if (!enum_from_name(r.at("admin").get<std::string>(), admin_name, kAdminStates, ref.admin))
      throw std::runtime_error("unknown admin state");
    t.refs.push_back(std::move(ref));
  }
  return t;
}

}  // namespace

std::string status_to_json(const HealthSnapshot& snapshot) {
  json targets = json::array();
  for (const TargetStatus& t : snapshot.targets) targets.push_back(target_to_json(t));
  json doc = {{"version", 1}, {"now_ms", snapshot.now_ms}, {"targets", targets}};
  return doc.dump(1) + "\n";
}

bool status_from_json(std::string_view text, HealthSnapshot& out, std::string& error) {
  try {
    const json doc = json::parse(text);
    if (doc.at("version").get<int>() != 1) {
      error = "unsupported status file version";
      return false;
    }
    HealthSnapshot snap;
    snap.now_ms = doc.at("now_ms").get<uint64_t>();
    for (const json& t : doc.at("targets")) snap.targets.push_back(target_from_json(t));
    out = std::move(snap);
    return true;
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
}

bool write_status_file(const std::string& path, const HealthSnapshot& snapshot, std::string& error) {
  const std::string text = status_to_json(to_wall_clock(snapshot, wall_clock_ms()));
  return write_file_atomically(path, text, error);
}

bool read_status_file(const std::string& path, HealthSnapshot& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!status_from_json(buffer.str(), out, error)) {
    error = path + ": " + error;
    return false;
  }
  out.now_ms = wall_clock_ms();
  return true;
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

namespace {

std::string role_of(const TargetRef& r) {
  std::string role = r.backup ? "backup" : "primary";
  if (r.admin == AdminState::Drain) role += ",drain";
  else if (r.drained_in_zone) role += ",drain(zone)";
  return role;
}

}  // namespace

std::string render_status_table(const HealthSnapshot& snapshot) {
  using Row = std::vector<std::string>;
  std::vector<Row> rows;
  for (const TargetStatus& t : snapshot.targets) {
    const MemberStatus& s = t.status;
    const std::string state = state_name(s.state);
    const std::string age = format_duration(snapshot.now_ms > s.since_ms ? snapshot.now_ms - s.since_ms : 0);
    const std::string last = s.has_result ? describe(s.last_result) : (t.check.type == CheckType::None ? "static" : "-");
    std::string next = "-";
    if (s.next_probe_ms != 0)
      next = s.next_probe_ms <= snapshot.now_ms ? "now" : "in " + format_duration(s.next_probe_ms - snapshot.now_ms);
    const std::string check = check_label(t.check, t.address);
    if (t.refs.empty()) rows.push_back({"-", "-", "-", "-", state, age, last, next, check});
    for (const TargetRef& r : t.refs) rows.push_back({r.zone, r.pool, r.member, role_of(r), state, age, last, next, check});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a[0], a[1], a[2]) < std::tie(b[0], b[1], b[2]);
  });
  rows.insert(rows.begin(), Row{"ZONE", "POOL", "MEMBER", "ROLE", "STATE", "FOR", "LAST", "NEXT", "CHECK"});
  std::vector<size_t> width(rows.front().size(), 0);
  for (const Row& r : rows)
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  std::string out;
  for (const Row& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line.append(width[i] - r[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace dnsd::health
