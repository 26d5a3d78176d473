#include "dnsd/control/metrics.h"

#include "zones/ldns.h"

#include <cstdio>
#include <set>

#include "health/check.h"
#include "health/member_status.h"
#include "zones/rcode.h"

namespace dnsd {
namespace {

constexpr const char* kProto[kTransportCount] = {"udp", "tcp"};

/// Writes families and samples; keeps each family's samples together.
class Exposition {
 public:
  void family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  /// `labels` is the inside of the braces, already escaped ("" for none).
  void sample(const std::string& name, const std::string& labels, double value) {
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    char number[64];
    if (value == double(uint64_t(value)) && value < 1e15) std::snprintf(number, sizeof number, " %llu\n", (unsigned long long)value);
    else std::snprintf(number, sizeof number, " %.9g\n", value);
    out_ += number;
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string label(const char* name, const std::string& value) {
  return std::string(name) + "=\"" + escape_label_value(value) + "\"";
}

std::string qtype_name(size_t bucket) {
  if (bucket == kQtypeBuckets - 1) return "other";
  char* s = ldns_rr_type2str(ldns_rr_type(bucket));
  std::string out = s ? s : "TYPE" + std::to_string(bucket);
  free(s);
  return out;
}

void query_metrics(Exposition& e, const QueryTotals& q) {
  e.family("dnsd_queries_total", "counter", "Responses sent, by transport and question type.");
  for (size_t t = 0; t < kTransportCount; ++t)
    for (size_t i = 0; i < kQtypeBuckets; ++i)
      if (q.by_qtype[t][i])
        e.sample("dnsd_queries_total", label("proto", kProto[t]) + "," + label("qtype", qtype_name(i)),
                 double(q.by_qtype[t][i]));
  e.family("dnsd_responses_total", "counter", "Responses sent, by transport and rcode.");
  for (size_t t = 0; t < kTransportCount; ++t)
    for (size_t i = 0; i < kRcodeBuckets; ++i)
      if (q.by_rcode[t][i])
        e.sample("dnsd_responses_total",
                 label("proto", kProto[t]) + "," + label("rcode", i == kRcodeBuckets - 1 ? "other" : zones::rcode_name(uint16_t(i))),
                 double(q.by_rcode[t][i]));
  e.family("dnsd_dropped_total", "counter", "Packets not answered (malformed, or a response).");
  for (size_t t = 0; t < kTransportCount; ++t) e.sample("dnsd_dropped_total", label("proto", kProto[t]), double(q.dropped[t]));
  e.family("dnsd_truncated_total", "counter", "Responses sent with TC set.");
  for (size_t t = 0; t < kTransportCount; ++t)
    e.sample("dnsd_truncated_total", label("proto", kProto[t]), double(q.truncated[t]));
  e.family("dnsd_all_down_total", "counter",
           "Responses in which a pool had no healthy member (answered by when_all_down or by drained members).");
  for (size_t t = 0; t < kTransportCount; ++t)
    e.sample("dnsd_all_down_total", label("proto", kProto[t]), double(q.all_down[t]));
  e.family("dnsd_rrl_dropped_total", "counter",
           "UDP responses response rate limiting dropped (also counted in dnsd_queries_total and "
           "dnsd_responses_total).");
  e.sample("dnsd_rrl_dropped_total", "", double(q.rrl_dropped));
  e.family("dnsd_rrl_slipped_total", "counter",
           "UDP responses response rate limiting sent as an empty truncated reply, so that the client "
           "retries over TCP.");
  e.sample("dnsd_rrl_slipped_total", "", double(q.rrl_slipped));
  e.family("dnsd_cookies_total", "counter",
           "Responses by what the query's DNS cookie proved: none sent, a client cookie only, a valid server "
           "cookie, an invalid one (answered BADCOOKIE over UDP).");
  static constexpr const char* kCookieStatus[kCookieStatusCount] = {"none", "client_only", "invalid", "valid"};
  for (size_t i = 0; i < kCookieStatusCount; ++i)
    e.sample("dnsd_cookies_total", label("status", kCookieStatus[i]), double(q.cookies[i]));
  e.family("dnsd_tcp_connections_total", "counter", "TCP connection events.");
  e.sample("dnsd_tcp_connections_total", label("event", "accepted"), double(q.tcp_accepted));
  e.sample("dnsd_tcp_connections_total", label("event", "refused"), double(q.tcp_refused));
  e.sample("dnsd_tcp_connections_total", label("event", "evicted"), double(q.tcp_evicted));
  e.sample("dnsd_tcp_connections_total", label("event", "idle_timeout"), double(q.tcp_idle_timeouts));
}

void member_metrics(Exposition& e, const Snapshot& snapshot) {
  const zones::ZoneSet& zones = *snapshot.zones;
  struct Row {
    std::string labels;
    health::HealthState state;
    bool drained;
  };
  std::vector<Row> rows;
  std::vector<std::pair<std::string, bool>> pools;  // labels, all down
  const HealthIndex no_details;
  for (uint32_t z = 0; z < zones.size(); ++z) {
    const zones::Zone& zone = zones.zone(z);
    const std::string origin = zone.origin_text();
    for (uint32_t p = 0; p < zone.pools().size(); ++p) {
      const zones::Pool& pool = zone.pool(p);
      const PoolReport report = report_pool(pool, snapshot.health->pool(z, p), no_details);
      const std::string pool_labels = label("zone", origin) + "," + label("pool", pool.name);
      bool all_down = false;
      for (const FamilyRule& fr : report.rules)
        all_down |= fr.rule == health::SelectionRule::AllDownServeAll ||
                    fr.rule == health::SelectionRule::AllDownServeNone;
      pools.emplace_back(pool_labels, all_down);
      for (size_t i = 0; i < pool.members.size(); ++i)
        rows.push_back({pool_labels + "," + label("member", pool.members[i].address_text),
                        report.members[i].view.health, report.members[i].view.drained});
    }
  }
  e.family("dnsd_member_up", "gauge", "1 while the pool member is up, 0 while down or not yet probed.");
  for (const Row& r : rows) e.sample("dnsd_member_up", r.labels, r.state == health::HealthState::Up ? 1 : 0);
  e.family("dnsd_member_state", "gauge", "1 for the member's current health state, 0 for the others.");
  for (const Row& r : rows)
    for (health::HealthState s : {health::HealthState::Up, health::HealthState::Down, health::HealthState::Unknown})
      e.sample("dnsd_member_state", r.labels + "," + label("state", health::state_name(s)), r.state == s ? 1 : 0);
  e.family("dnsd_member_drained", "gauge", "1 while the member is drained (at runtime or in the zone file).");
  for (const Row& r : rows) e.sample("dnsd_member_drained", r.labels, r.drained ? 1 : 0);
  e.family("dnsd_pool_all_down", "gauge", "1 while no member of the pool is up (for some address family).");
  for (const auto& [labels, down] : pools) e.sample("dnsd_pool_all_down", labels, down ? 1 : 0);
}

void probe_metrics(Exposition& e, const health::ProbeMetrics& p) {
  using zones::CheckType;
  constexpr CheckType kProbed[] = {CheckType::Tcp, CheckType::Http, CheckType::Https, CheckType::Dns, CheckType::Exec};
  e.family("dnsd_probe_duration_seconds", "histogram", "Health probe latency, from start to verdict.");
  for (CheckType type : kProbed) {
    const auto& c = p.by_check[size_t(type)];
    const std::string check = label("check", health::check_type_name(type));
    uint64_t cumulative = 0;
    for (size_t b = 0; b < health::kProbeLatencyBucketsUs.size(); ++b) {
      cumulative += c.latency_buckets[b];
      char le[32];
      std::snprintf(le, sizeof le, "%g", double(health::kProbeLatencyBucketsUs[b]) / 1e6);
      e.sample("dnsd_probe_duration_seconds_bucket", check + "," + label("le", le), double(cumulative));
    }
    cumulative += c.latency_buckets.back();
    e.sample("dnsd_probe_duration_seconds_bucket", check + "," + label("le", "+Inf"), double(cumulative));
    e.sample("dnsd_probe_duration_seconds_sum", check, double(c.latency_sum_us) / 1e6);
    e.sample("dnsd_probe_duration_seconds_count", check, double(c.probes));
  }
  e.family("dnsd_probe_failures_total", "counter", "Failed health probes, by check type and reason.");
  for (CheckType type : kProbed) {
    const auto& c = p.by_check[size_t(type)];
    for (size_t k = 1; k < c.failures.size(); ++k) {
      const auto kind = health::FailureKind(k);
      if (kind == health::FailureKind::Cancelled) continue;
      e.sample("dnsd_probe_failures_total",
               label("check", health::check_type_name(type)) + "," + label("reason", health::failure_kind_name(kind)),
               double(c.failures[k]));
    }
  }
  e.family("dnsd_health_transitions_total", "counter", "Health state changes of checked targets, by state entered.");
  e.sample("dnsd_health_transitions_total", label("to", "up"), double(p.transitions_to[size_t(health::HealthState::Up)]));
  e.sample("dnsd_health_transitions_total", label("to", "down"),
           double(p.transitions_to[size_t(health::HealthState::Down)]));
}

void zone_metrics(Exposition& e, const Snapshot& snapshot, const ReloadHistory& h) {
  const zones::ZoneSet& zones = *snapshot.zones;
  e.family("dnsd_reloads_total", "counter", "Zone loads and reloads (start-up included), by result.");
  e.sample("dnsd_reloads_total", label("result", "ok"), double(h.ok));
  e.sample("dnsd_reloads_total", label("result", "failed"), double(h.failed));
  e.family("dnsd_last_reload_timestamp_seconds", "gauge", "Unix time when the last load or reload finished.");
  e.sample("dnsd_last_reload_timestamp_seconds", "", double(h.last_at_ms) / 1000.0);
  e.family("dnsd_zone_serial", "gauge", "SOA serial of each zone as served (its current version).");
  for (uint32_t z = 0; z < zones.size(); ++z)
    e.sample("dnsd_zone_serial", label("zone", zones.zone(z).origin_text()), double(snapshot.versions[z]->serial));
  e.family("dnsd_zone_file_serial", "gauge", "SOA serial in each zone's file: the floor of the served serial.");
  for (uint32_t z = 0; z < zones.size(); ++z)
    e.sample("dnsd_zone_file_serial", label("zone", zones.zone(z).origin_text()), double(zones.zone(z).serial()));
  e.family("dnsd_zone_versions_kept", "gauge", "Versions of each zone an IXFR can start from (the current one included).");
  for (uint32_t z = 0; z < zones.size(); ++z)
    e.sample("dnsd_zone_versions_kept", label("zone", zones.zone(z).origin_text()),
             double(snapshot.versions[z]->history->changes.size() + 1));

  std::set<std::string> failed_files;
  for (const zones::LoadError& err : h.last.errors) failed_files.insert(err.file);
  e.family("dnsd_zone_stale", "gauge", "1 while the zone's file fails to load and its last good version serves.");
  for (uint32_t z = 0; z < zones.size(); ++z)
    e.sample("dnsd_zone_stale", label("zone", zones.zone(z).origin_text()),
             failed_files.count(zones.source(z).file) ? 1 : 0);
  e.family("dnsd_zone_load_error", "gauge", "1 while a zone file fails to load, 0 once it loads.");
  std::set<std::string> listed;
  for (uint32_t z = 0; z < zones.size(); ++z) {
    const std::string& file = zones.source(z).file;
    listed.insert(file);
    e.sample("dnsd_zone_load_error", label("zone", zones.zone(z).origin_text()) + "," + label("file", file),
             failed_files.count(file) ? 1 : 0);
  }
  for (const std::string& file : failed_files)
    if (!listed.count(file)) e.sample("dnsd_zone_load_error", label("zone", "") + "," + label("file", file), 1);
}

}  // namespace

std::string escape_label_value(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string render_metrics(const MetricsInputs& in) {
  Exposition e;
  query_metrics(e, *in.queries);
  member_metrics(e, *in.snapshot);
  if (in.probes) probe_metrics(e, *in.probes);
  zone_metrics(e, *in.snapshot, *in.reloads);
  if (in.state_writes) {
    e.family("dnsd_state_write_errors_total", "counter",
             "Failed writes of the state directory's files (serials, drains, health) and of the status file.");
    for (const health::StateWriteStatus& s : *in.state_writes)
      e.sample("dnsd_state_write_errors_total", label("file", s.file), double(s.errors));
  }
  std::string text = e.take();
  if (in.transfer) text += transfer_metrics(*in.transfer);
  if (in.dnstap) text += dnstap::dnstap_metrics(*in.dnstap);
  return text;
}

}  // namespace dnsd
