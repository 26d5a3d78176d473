#include "dnsd/cli/ctl_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "health/check_result.h"
#include "health/status_report.h"

namespace dnsd {

using nlohmann::json;

namespace {

std::string str(const json& j, const char* key, const std::string& fallback = "-") {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

/// A yes/no field: true or a non-zero number is yes; false, 0, null or a
/// missing key is no. A server that sent 0 for false must not crash the CLI.
bool flag(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return false;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_number()) return it->get<double>() != 0;
  return false;
}

/// Seconds as "850ms", "4.2s", "5m12s", ... (health::format_duration).
std::string seconds_text(double seconds) {
  return health::format_duration(uint64_t(std::llround(std::max(seconds, 0.0) * 1000)));
}

/// A last_result object as "HTTP 200 in 1.2 ms"; "-" when null.
std::string result_text(const json& r) {
  if (r.is_null()) return "-";
  health::CheckResult result;
  result.ok = flag(r, "ok");
  result.detail = r.value("detail", "");
  result.latency_us = uint64_t(std::llround(r.value("latency_ms", 0.0) * 1000));
  result.failure = result.ok ? health::FailureKind::None : health::FailureKind::Network;
  if (r.value("failure", "") == "timeout") result.failure = health::FailureKind::Timeout;
  return health::describe(result);
}

/// "2026-11-22 11:16:20 CET" for Unix ms, in the local time zone.
std::string local_time_text(uint64_t unix_ms) {
  const time_t seconds = time_t(unix_ms / 1000);
  tm local{};
  localtime_r(&seconds, &local);
  char out[64];
  strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S %Z", &local);
  return out;
}

std::string check_text(const json& c) {
  const std::string type = str(c, "type");
  if (type == "none") return "none (static: always up)";
  std::string out = type;
  if (type == "http" || type == "https") out += " port " + str(c, "port") + " " + str(c, "path");
  else if (type == "tcp" || type == "dns") out += " port " + str(c, "port");
  else if (type == "exec") out += " '" + str(c, "command") + "'";
  out += ", every " + seconds_text(c.value("interval_ms", 0) / 1000.0) + " (" +
         seconds_text(c.value("fast_interval_ms", 0) / 1000.0) + " while changing), timeout " +
         seconds_text(c.value("timeout_ms", 0) / 1000.0) + ", rise " + str(c, "rise") + ", fall " + str(c, "fall");
  return out;
}

std::string yes_no(const json& j, const char* key) { return flag(j, key) ? "yes" : "no"; }

}  // namespace

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string format_status(const json& s) {
  const json& server = s.at("server");
  const double now_s = s.value("now_ms", uint64_t{0}) / 1000.0;
  std::string out = "dnsd " + str(server, "version") + ", up " + seconds_text(server.value("uptime_s", 0.0)) +
                    ", zones from " + str(server, "zones_path") + "\n";
  const json& last = s.at("last_reload");
  if (!last.is_null()) {
    out += "last reload " + seconds_text(now_s - last.value("at_ms", uint64_t{0}) / 1000.0) + " ago: " +
           (flag(last, "ok") ? "ok" : "FAILED") + " (" + str(last, "loaded") + " of " + str(last, "files") +
           " files loaded); reloads ok " + str(s.at("reloads"), "ok") + ", failed " + str(s.at("reloads"), "failed") +
           "\n";
  }
  out += "\n";

  std::vector<std::vector<std::string>> zones{{"ZONE", "SERIAL", "VERSIONS", "LOADED", "FILE", "STATE"}};
  std::vector<std::string> zone_errors;
  for (const json& z : s.at("zones")) {
    const json& loaded_ms = z.at("loaded_ms");
    const std::string loaded =
        loaded_ms.is_null() ? "-" : seconds_text(now_s - loaded_ms.get<uint64_t>() / 1000.0) + " ago";
    zones.push_back({str(z, "origin"), str(z, "serial"), z.contains("versions_kept") ? str(z, "versions_kept") : "-",
                     loaded, str(z, "file"),
                     flag(z, "stale") ? "STALE (file fails; last good version serving)" : "ok"});
  }
  out += format_table(zones);
  if (!last.is_null() && !last.at("errors").empty()) {
    out += "\nerrors in the last reload:\n";
    for (const json& e : last.at("errors")) out += "  " + str(e, "text") + "\n";
  }

  std::vector<std::vector<std::string>> members{
      {"ZONE", "POOL", "MEMBER", "ROLE", "STATE", "FOR", "LAST", "NEXT", "ADMIN", "SERVING"}};
  for (const json& p : s.at("pools")) {
    for (const json& m : p.at("members")) {
      const json& next = m.at("next_probe_in_ms");
      std::string admin = str(m, "admin");
      if (flag(m, "drained_in_zone")) admin += " (zone: drain)";
      members.push_back({str(p, "zone"), str(p, "name"), str(m, "address"),
                         flag(m, "backup") ? "backup" : "primary", str(m, "state"),
                         m.at("age_s").is_null() ? "-" : seconds_text(m.at("age_s").get<double>()),
                         result_text(m.at("last_result")),
                         next.is_null() ? "-" : "in " + seconds_text(next.get<double>() / 1000.0), admin,
                         yes_no(m, "serving")});
    }
  }
  out += "\n";
  if (members.size() == 1) out += "no pools\n";
  else out += format_table(members);
  size_t unchecked = 0;
  for (const json& p : s.at("pools"))
    for (const json& m : p.at("members")) unchecked += str(m, "state") == "unchecked";
  if (unchecked > 0)
    out += "note: " + std::to_string(unchecked) + " unchecked member" + (unchecked == 1 ? "" : "s") +
           " (check type none): never probed, served as if up\n";
  for (const json& p : s.at("pools"))
    for (const auto& [type, sel] : p.at("selection").items())
      if (sel.value("rule", "") != "healthy-primaries")
        out += "note: " + str(p, "zone") + " pool " + str(p, "name") + " " + type + ": rule " + str(sel, "rule") + "\n";
  if (s.contains("address_drains"))
    for (const json& d : s.at("address_drains"))
      out += "drained in every pool of every zone: " + str(d, "address") + " (since " + str(d, "since") + ")\n";
  if (s.contains("secondaries") && !s.at("secondaries").empty()) out += "\n" + format_secondaries(s.at("secondaries"));
  return out;
}

std::string format_secondaries(const json& list) {
  std::vector<std::vector<std::string>> rows{{"ZONE", "SECONDARY", "HAS", "BEHIND", "LAST TRANSFER", "NOTIFY"}};
  for (const json& r : list) {
    const json& t = r.at("transfer");
    const json& n = r.at("notify");
    std::string transfer = "-", notify = "-", has = "-";
    if (t.is_object()) {
      transfer = str(t, "last");
      if (!t.at("at").is_null()) transfer += " " + seconds_text(t.value("age_s", 0.0)) + " ago";
      if (transfer.rfind("refused", 0) != 0) has = str(t, "serial");
    }
    if (n.is_object()) {
      notify = "serial " + str(n, "serial_sent");
      if (flag(n, "pending")) notify += " pending (" + str(n, "attempts") + " tries)";
      else if (!n.at("error").is_null()) notify += " FAILED: " + str(n, "error");
      else if (n.value("serial_acked", 0) == n.value("serial_sent", 0)) notify += " acked";
    }
    rows.push_back({str(r, "zone"), str(r, "address"), has, r.at("behind").is_null() ? "?" : str(r, "behind"),
                    transfer, notify});
  }
  return format_table(rows);
}

std::string format_reload(const json& r) {
  std::string out;
  if (flag(r, "ok")) {
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.1f", r.value("duration_ms", 0.0));
    out = "reloaded " + str(r, "zones") + " zone(s) from " + str(r, "files") + " file(s) in " + ms + " ms\n";
  } else if (flag(r, "published")) {
    out = "reload FAILED for " + str(r, "failed") + " of " + str(r, "files") + " file(s); serving " + str(r, "zones") +
          " zone(s)\n";
  } else {
    out = "reload FAILED: nothing was loaded; the previous zones keep serving\n";
  }
  for (const json& e : r.at("errors")) out += str(e, "text") + "\n";
  for (const json& k : r.at("kept"))
    out += "kept: " + str(k, "origin") + " (serial " + str(k, "serial") + ") from the last good version of " +
           str(k, "file") + "\n";
  return out;
}

bool admin_not_safe(const json& r) {
  if (r.value("admin", "") != "drain") return false;
  auto it = r.find("safe_after");
  return flag(r, "still_serving") || it == r.end() || it->is_null();
}

std::string format_admin(const json& r, bool local_time) {
  const bool drain = r.value("admin", "") == "drain";
  const std::string address = str(r, "address");
  std::string where;
  std::string out = std::string(drain ? "drained " : "undrained ") + address;
  if (flag(r, "all_pools")) {
    for (const json& m : r.at("members")) where += (where.empty() ? "" : ", ") + str(m, "pool") + " of " + str(m, "zone");
    out += " in every pool of every zone (" + (where.empty() ? std::string("none published now") : where) + ")";
  } else {
    for (const json& m : r.at("members")) where += (where.empty() ? "" : ", ") + str(m, "zone");
    out += " in pool " + str(r, "pool") + " (" + where + ")";
  }
  out += std::string(flag(r, "changed") ? "" : "; it already was") + "\n";
  bool served_elsewhere = false;
  if (r.contains("other_pools") && !r.at("other_pools").empty()) {
    std::string others;
    for (const json& p : r.at("other_pools")) {
      served_elsewhere |= flag(p, "serving");
      others += (others.empty() ? "" : ", ") + str(p, "pool") + " of " + str(p, "zone") + " (" +
                (flag(p, "serving") ? "SERVING" : str(p, "admin") == "drain" ? "drained" : "not serving") + ")";
    }
    out += "other pools with " + address + ": " + others + "\n";
  }
  if (!flag(r, "persisted")) out += "note: not persisted (no --state-dir); a restart forgets it\n";
  if (!drain) return out;
  if (admin_not_safe(r)) {
    out += "NOT SAFE to stop it: " + str(r, "warning", "it is still being served") + "\n";
    if (served_elsewhere)
      out += "to drain it in every pool of every zone: dnsd ctl drain " + address + "\n";
    return out;
  }
  const uint64_t safe_ms = r.value("safe_after_ms", uint64_t{0});
  out += "resolvers may still hold it for up to " + str(r, "max_ttl_s") + " s (the longest TTL it is served with)\n";
  out += "safe to stop after " + str(r, "safe_after");
  if (local_time) out += " (" + local_time_text(safe_ms) + ")";
  const double left = r.value("safe_in_s", 0.0);
  // Rounded up: "safe in 19s" must never be said of 19.5 s.
  out += left > 0 ? ", in " + seconds_text(std::ceil(left)) + "\n" : ", which has passed: safe now\n";
  return out;
}

std::string format_keys(const json& k) {
  std::string out;
  for (const json& z : k.at("zones")) {
    if (!out.empty()) out += "\n";
    out += "zone " + str(z, "zone");
    if (!z.at("zone_key_tag").is_null()) out += ": signed by key " + str(z, "zone_key_tag");
    const json& window = z.at("signature_window");
    if (window.is_object())
      out += ", signatures valid " + str(window, "inception") + " to " + str(window, "expiration") +
             ", made anew at " + str(z, "next_refresh");
    out += "\n";
    if (!z.at("error").is_null()) out += "  ERROR: " + str(z, "error") + "\n";
    std::vector<std::vector<std::string>> rows{
        {"  TAG", "ALGORITHM", "STATE", "PUBLISHED", "ACTIVE", "RETIRED", "REMOVED", "DS SEEN"}};
    for (const json& key : z.at("keys"))
      rows.push_back({"  " + str(key, "tag"), str(key, "algorithm"),
                      str(key, "state") + (flag(key, "zone_signing") ? " (signs the zone)" : ""),
                      str(key, "published"), str(key, "active"), str(key, "retired"), str(key, "removed"),
                      str(key, "ds_seen")});
    out += format_table(rows);
    out += "  next event: " + str(z, "next_event", "none") + "\n";
    out += "  DS records for the parent of " + str(z, "zone") + ":\n";
    for (const json& line : z.at("ds")) out += "    " + line.get<std::string>() + "\n";
    if (z.at("ds").empty()) out += "    (none)\n";
  }
  if (out.empty()) out = "no signed zones\n";
  return out;
}

std::string format_key_command(const std::string& command, const json& z) {
  std::string out;
  if (command == "roll") {
    std::string tag = "?";
    for (const json& key : z.at("keys"))
      if (str(key, "state") == "published") tag = str(key, "tag");
    out = "rollover of " + str(z, "zone") + " started: key " + tag +
          " is published; give the parent its DS (below), then run `dnsd ctl keys ds-seen " + str(z, "zone") + " " +
          tag + "` once the parent serves it\n\n";
  } else {
    out = "recorded: the parent of " + str(z, "zone") + " serves the DS\n\n";
  }
  return out + format_keys(json{{"zones", json::array({z})}});
}

std::string format_ds(const json& k) {
  std::string out;
  for (const json& z : k.at("zones"))
    for (const json& line : z.at("ds")) out += line.get<std::string>() + "\n";
  return out;
}

std::string format_explain(const json& e) {
  std::string out = str(e, "name") + " " + str(e, "type") + ": " + str(e, "outcome") + " (" + str(e, "rcode") +
                    (flag(e, "authoritative") ? ", authoritative" : "") + ")\n";
  if (e.at("zone").is_null()) return out + "  no zone served here contains this name\n";
  out += "  zone " + str(e, "zone") + " from " + str(e, "file") + "\n";
  for (const json& c : e.at("chain"))
    out += "  CNAME " + str(c, "owner") + " -> " + str(c, "target") + " (TTL " + str(c, "ttl") + ")\n";
  if (!e.at("wildcard").is_null()) out += "  synthesised from wildcard " + str(e, "wildcard") + "\n";

  const json& pool = e.at("pool");
  if (!pool.is_null()) {
    out += "  pool " + str(pool, "name") + ": " + str(pool, "policy") + ", TTL " + str(pool, "ttl") +
           ", max_answers " + str(pool, "max_answers") + ", when_all_down " + str(pool, "when_all_down") + "\n";
    out += "  check " + check_text(pool.at("check")) + "\n";
    out += "  rule " + str(pool, "rule") + ": " + str(pool, "rule_text") + "\n\n";
    std::vector<std::vector<std::string>> rows{
        {"  MEMBER", "ROLE", "STATE", "FOR", "LAST", "ADMIN", "IN ANSWER", "WHY"}};
    for (const json& m : pool.at("members")) {
      std::string admin = str(m, "admin");
      if (flag(m, "drained_in_zone")) admin += " (zone: drain)";
      rows.push_back({"  " + str(m, "address"), str(m, "role"), str(m, "state"),
                      m.at("age_s").is_null() ? "-" : seconds_text(m.at("age_s").get<double>()),
                      result_text(m.at("last_result")), admin, yes_no(m, "in_answer"), str(m, "why")});
    }
    out += format_table(rows) + "\n";
  }

  const json& answer = e.at("answer");
  out += "  answer served now";
  if (flag(answer, "rotates")) out += " (the order rotates on every response)";
  out += ":\n";
  std::vector<std::vector<std::string>> records;
  for (const json& r : answer.at("records"))
    records.push_back({"    " + str(r, "name"), str(r, "ttl"), str(r, "type"), str(r, "data")});
  if (records.empty()) out += "    (empty answer section)\n";
  else out += format_table(records);
  if (!answer.at("authority").empty()) {
    out += "  authority:\n";
    std::vector<std::vector<std::string>> auth;
    for (const json& r : answer.at("authority"))
      auth.push_back({"    " + str(r, "name"), str(r, "ttl"), str(r, "type"), str(r, "data")});
    out += format_table(auth);
  }
  if (!answer.at("ttl").is_null()) out += "  TTL " + str(answer, "ttl") + " s\n";

  if (e.contains("dnssec") && e.at("dnssec").is_object()) out += "  DNSSEC " + str(e.at("dnssec"), "text") + "\n";

  const json& f = e.at("failover");
  if (!f.is_null()) {
    char line[512];
    const unsigned fall = f.value("fall", 1u);
    std::snprintf(line, sizeof line,
                  "  worst-case failover: %.1f s = detection %.1f s (first failed probe up to %.1f s after death, "
                  "%u more %.1f s apart, each up to a %.1f s timeout, +10%% jitter) + TTL %s s\n",
                  f.value("worst_case_s", 0.0), f.value("detection_ms", 0) / 1000.0,
                  f.value("interval_ms", 0) / 1000.0, fall - 1, f.value("fast_interval_ms", 0) / 1000.0,
                  f.value("timeout_ms", 0) / 1000.0, str(f, "ttl_s").c_str());
    out += line;
  } else if (!pool.is_null()) {
    out += "  failover: none (check type none: members never go down)\n";
  }
  return out;
}

}  // namespace dnsd
