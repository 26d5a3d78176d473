#include "dnsd/control/metrics.h"

#include "zones/ldns.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>

#include "health/check.h"
#include "health/member_status.h"
#include "dnsd/server/zone_counters.h"
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
    start(name, labels);
    out_ += format_metric_value(value);
    out_ += '\n';
  }
  /// A counter or an integer gauge: printed exactly.
  void sample(const std::string& name, const std::string& labels, uint64_t value) {
    start(name, labels);
    out_ += std::to_string(value);
    out_ += '\n';
  }
  void sample(const std::string& name, const std::string& labels, int value) {
    sample(name, labels, uint64_t(value < 0 ? 0 : value));
  }
  std::string take() { return std::move(out_); }

 private:
  void start(const std::string& name, const std::string& labels) {
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += ' ';
  }
  std::string out_;
};

/// The last component of a path: a zone file that never loaded has no origin.
std::string file_name(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

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
                 uint64_t(q.by_qtype[t][i]));
  e.family("dnsd_responses_total", "counter", "Responses sent, by transport and rcode.");
  for (size_t t = 0; t < kTransportCount; ++t)
    for (size_t i = 0; i < kRcodeBuckets; ++i)
      if (q.by_rcode[t][i])
        e.sample("dnsd_responses_total",
                 label("proto", kProto[t]) + "," + label("rcode", i == kRcodeBuckets - 1 ? "other" : zones::rcode_name(uint16_t(i))),
                 uint64_t(q.by_rcode[t][i]));
  e.family("dnsd_dropped_total", "counter", "Packets not answered (malformed, or a response).");
  for (size_t t = 0; t < kTransportCount; ++t) e.sample("dnsd_dropped_total", label("proto", kProto[t]), uint64_t(q.dropped[t]));
  e.family("dnsd_truncated_total", "counter", "Responses sent with TC set.");
  for (size_t t = 0; t < kTransportCount; ++t)
    e.sample("dnsd_truncated_total", label("proto", kProto[t]), uint64_t(q.truncated[t]));
  e.family("dnsd_rrl_dropped_total", "counter",
           "UDP responses response rate limiting dropped (also counted in dnsd_queries_total and "
           "dnsd_responses_total).");
  e.sample("dnsd_rrl_dropped_total", "", uint64_t(q.rrl_dropped));
  e.family("dnsd_rrl_slipped_total", "counter",
           "UDP responses response rate limiting sent as an empty truncated reply, so that the client "
           "retries over TCP.");
  e.sample("dnsd_rrl_slipped_total", "", uint64_t(q.rrl_slipped));
  e.family("dnsd_cookies_total", "counter",
           "Responses by what the query's DNS cookie proved: none sent, a client cookie only, a valid server "
           "cookie, an invalid one (answered BADCOOKIE over UDP).");
  static constexpr const char* kCookieStatus[kCookieStatusCount] = {"none", "client_only", "invalid", "valid"};
  for (size_t i = 0; i < kCookieStatusCount; ++i)
    e.sample("dnsd_cookies_total", label("status", kCookieStatus[i]), uint64_t(q.cookies[i]));
  e.family("dnsd_tcp_connections_total", "counter", "TCP connection events.");
  e.sample("dnsd_tcp_connections_total", label("event", "accepted"), uint64_t(q.tcp_accepted));
  e.sample("dnsd_tcp_connections_total", label("event", "refused"), uint64_t(q.tcp_refused));
  e.sample("dnsd_tcp_connections_total", label("event", "evicted"), uint64_t(q.tcp_evicted));
  e.sample("dnsd_tcp_connections_total", label("event", "idle_timeout"), uint64_t(q.tcp_idle_timeouts));
}

// Per-zone counters, read through the snapshot's ZoneCounters: zones a reload
// removed are not in the snapshot, so they are no longer exported.
void zone_query_metrics(Exposition& e, const Snapshot& snapshot) {
  const zones::ZoneSet& zones = *snapshot.zones;
  const bool counted = snapshot.counters.size() == zones.size();
  e.family("dnsd_zone_queries_total", "counter",
           "Queries answered from each zone, by transport (queries outside every zone are not counted here).");
  std::vector<ZoneTotals> totals(zones.size());
  if (counted)
    for (uint32_t z = 0; z < zones.size(); ++z) totals[z] = snapshot.counters[z]->totals();
  for (uint32_t z = 0; z < zones.size(); ++z)
    for (size_t t = 0; t < kTransportCount; ++t)
      e.sample("dnsd_zone_queries_total", label("zone", zones.zone(z).origin_text()) + "," + label("proto", kProto[t]),
               totals[z].queries[t]);
  e.family("dnsd_zone_responses_total", "counter",
           "Responses from each zone, by rcode (NOERROR, FORMERR, SERVFAIL, NXDOMAIN, REFUSED, other).");
  for (uint32_t z = 0; z < zones.size(); ++z)
    for (size_t b = 0; b < kZoneRcodeBuckets; ++b)
      e.sample("dnsd_zone_responses_total",
               label("zone", zones.zone(z).origin_text()) + "," + label("rcode", zone_rcode_bucket_name(b)),
               totals[z].responses[b]);
  e.family("dnsd_all_down_total", "counter",
           "Responses in which the pool had no healthy member (answered by when_all_down or by drained members), "
           "by zone, pool and transport; a response with several such pools counts the first.");
  for (uint32_t z = 0; z < zones.size(); ++z) {
    const zones::Zone& zone = zones.zone(z);
    for (uint32_t p = 0; p < zone.pools().size(); ++p) {
      const auto down = counted ? snapshot.counters[z]->all_down(p) : std::array<uint64_t, kTransportCount>{};
      for (size_t t = 0; t < kTransportCount; ++t)
        e.sample("dnsd_all_down_total",
                 label("zone", zone.origin_text()) + "," + label("pool", zone.pool(p).name) + "," +
                     label("proto", kProto[t]),
                 down[t]);
    }
  }
}

void member_metrics(Exposition& e, const Snapshot& snapshot, const HealthIndex* details) {
  const zones::ZoneSet& zones = *snapshot.zones;
  struct Row {
    std::string labels;
    health::HealthState state;
    bool drained;
    bool unchecked;
    const health::TargetStatus* target;
  };
  std::vector<Row> rows;
  std::vector<std::pair<std::string, bool>> pools;  // labels, all down
  const HealthIndex no_details;
  for (uint32_t z = 0; z < zones.size(); ++z) {
    const zones::Zone& zone = zones.zone(z);
    const std::string origin = zone.origin_text();
    for (uint32_t p = 0; p < zone.pools().size(); ++p) {
      const zones::Pool& pool = zone.pool(p);
      const PoolReport report = report_pool(pool, snapshot.health->pool(z, p), details ? *details : no_details);
      const bool unchecked = pool.check.type == zones::CheckType::None;
      const std::string pool_labels = label("zone", origin) + "," + label("pool", pool.name);
      bool all_down = false;
      for (const FamilyRule& fr : report.rules)
        all_down |= fr.rule == health::SelectionRule::AllDownServeAll ||
                    fr.rule == health::SelectionRule::AllDownServeNone;
      pools.emplace_back(pool_labels, all_down);
      for (size_t i = 0; i < pool.members.size(); ++i)
        rows.push_back({pool_labels + "," + label("member", pool.members[i].address_text),
                        report.members[i].view.health, report.members[i].view.drained, unchecked,
                        unchecked ? nullptr : report.members[i].target});  // no health to report
    }
  }
  e.family("dnsd_member_up", "gauge",
           "1 while the pool member is up, 0 while down or not yet probed. Members of a pool whose check is "
           "\"none\" have no health to report and no sample here (see dnsd_member_state{state=\"unchecked\"}).");
  for (const Row& r : rows)
    if (!r.unchecked) e.sample("dnsd_member_up", r.labels, r.state == health::HealthState::Up ? 1 : 0);
  e.family("dnsd_member_state", "gauge",
           "1 for the member's current health state (up, down, unknown; unchecked for members of a pool whose "
           "check is \"none\", which are always served), 0 for the others.");
  for (const Row& r : rows) {
    for (health::HealthState s : {health::HealthState::Up, health::HealthState::Down, health::HealthState::Unknown})
      e.sample("dnsd_member_state", r.labels + "," + label("state", health::state_name(s)),
               !r.unchecked && r.state == s ? 1 : 0);
    e.sample("dnsd_member_state", r.labels + "," + label("state", "unchecked"), r.unchecked ? 1 : 0);
  }
  e.family("dnsd_member_drained", "gauge", "1 while the member is drained (at runtime or in the zone file).");
  for (const Row& r : rows) e.sample("dnsd_member_drained", r.labels, r.drained ? 1 : 0);
  e.family("dnsd_pool_all_down", "gauge", "1 while no member of the pool is up (for some address family).");
  for (const auto& [labels, down] : pools) e.sample("dnsd_pool_all_down", labels, down ? 1 : 0);
  e.family("dnsd_member_transitions_total", "counter",
           "Health state changes of each checked member's target, by state entered (a first verdict counts). A "
           "target shared by several members counts for each; dnsd_health_transitions_total counts each target once.");
  for (const Row& r : rows)
    if (r.target) {
      e.sample("dnsd_member_transitions_total", r.labels + "," + label("to", "up"), r.target->status.transitions_up);
      e.sample("dnsd_member_transitions_total", r.labels + "," + label("to", "down"), r.target->status.transitions_down);
    }
  e.family("dnsd_member_last_change_timestamp_seconds", "gauge",
           "Unix time of the last health state change of each checked member's target (none before its first verdict).");
  for (const Row& r : rows)
    if (r.target && r.target->status.state != health::HealthState::Unknown)
      e.sample("dnsd_member_last_change_timestamp_seconds", r.labels, double(r.target->status.since_ms) / 1000.0);
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
      e.sample("dnsd_probe_duration_seconds_bucket", check + "," + label("le", le), uint64_t(cumulative));
    }
    cumulative += c.latency_buckets.back();
    e.sample("dnsd_probe_duration_seconds_bucket", check + "," + label("le", "+Inf"), uint64_t(cumulative));
    e.sample("dnsd_probe_duration_seconds_sum", check, double(c.latency_sum_us) / 1e6);
    e.sample("dnsd_probe_duration_seconds_count", check, uint64_t(c.probes));
  }
  e.family("dnsd_probe_failures_total", "counter", "Failed health probes, by check type and reason.");
  for (CheckType type : kProbed) {
    const auto& c = p.by_check[size_t(type)];
    for (size_t k = 1; k < c.failures.size(); ++k) {
      const auto kind = health::FailureKind(k);
      if (kind == health::FailureKind::Cancelled) continue;
      e.sample("dnsd_probe_failures_total",
               label("check", health::check_type_name(type)) + "," + label("reason", health::failure_kind_name(kind)),
               uint64_t(c.failures[k]));
    }
  }
  e.family("dnsd_health_transitions_total", "counter", "Health state changes of checked targets, by state entered.");
  e.sample("dnsd_health_transitions_total", label("to", "up"), uint64_t(p.transitions_to[size_t(health::HealthState::Up)]));
  e.sample("dnsd_health_transitions_total", label("to", "down"),
           uint64_t(p.transitions_to[size_t(health::HealthState::Down)]));
}

void zone_metrics(Exposition& e, const Snapshot& snapshot, const ReloadHistory& h) {
  const zones::ZoneSet& zones = *snapshot.zones;
  e.family("dnsd_reloads_total", "counter", "Zone loads and reloads (start-up included), by result.");
  e.sample("dnsd_reloads_total", label("result", "ok"), uint64_t(h.ok));
  e.sample("dnsd_reloads_total", label("result", "failed"), uint64_t(h.failed));
  e.family("dnsd_last_reload_timestamp_seconds", "gauge", "Unix time when the last load or reload finished.");
  e.sample("dnsd_last_reload_timestamp_seconds", "", double(h.last_at_ms) / 1000.0);
  e.family("dnsd_zone_serial", "gauge", "SOA serial of each zone as served (its current version).");
  for (uint32_t z = 0; z < zones.size(); ++z)
    e.sample("dnsd_zone_serial", label("zone", zones.zone(z).origin_text()), uint64_t(snapshot.versions[z]->serial));
  e.family("dnsd_zone_file_serial", "gauge", "SOA serial in each zone's file: the floor of the served serial.");
  for (uint32_t z = 0; z < zones.size(); ++z)
    e.sample("dnsd_zone_file_serial", label("zone", zones.zone(z).origin_text()), uint64_t(zones.zone(z).serial()));
  e.family("dnsd_zone_versions_kept", "gauge", "Versions of each zone an IXFR can start from (the current one included).");
  for (uint32_t z = 0; z < zones.size(); ++z)
    e.sample("dnsd_zone_versions_kept", label("zone", zones.zone(z).origin_text()),
             uint64_t(snapshot.versions[z]->history->changes.size() + 1));

  std::set<std::string> failed_files;
  for (const zones::LoadError& err : h.last.errors) failed_files.insert(err.file);
  e.family("dnsd_zone_stale", "gauge", "1 while the zone's file fails to load and its last good version serves.");
  for (uint32_t z = 0; z < zones.size(); ++z)
    e.sample("dnsd_zone_stale", label("zone", zones.zone(z).origin_text()),
             failed_files.count(zones.source(z).file) ? 1 : 0);
  e.family("dnsd_zone_load_error", "gauge",
           "1 while a zone file fails to load, 0 once it loads. zone is the origin, or the file's name for a file "
           "that never loaded; file is its path.");
  std::set<std::string> listed;
  for (uint32_t z = 0; z < zones.size(); ++z) {
    const std::string& file = zones.source(z).file;
    listed.insert(file);
    e.sample("dnsd_zone_load_error", label("zone", zones.zone(z).origin_text()) + "," + label("file", file),
             failed_files.count(file) ? 1 : 0);
  }
  for (const std::string& file : failed_files)
    if (!listed.count(file))
      e.sample("dnsd_zone_load_error", label("zone", file_name(file)) + "," + label("file", file), 1);
}

void dnssec_metrics(Exposition& e, const Snapshot& snapshot, const SigningCounters& c,
                    const std::vector<ZoneSigningReport>& reports, int64_t now_s) {
  e.family("dnsd_dnssec_signatures_total", "counter", "RRSIGs made, of zones' static data and of versions.");
  e.sample("dnsd_dnssec_signatures_total", "", c.signatures);
  e.family("dnsd_dnssec_signing_seconds_total", "counter", "Seconds spent signing zones' static data whole.");
  e.sample("dnsd_dnssec_signing_seconds_total", "", c.seconds);
  e.family("dnsd_dnssec_zone_signings_total", "counter",
           "Times a zone's static data was signed whole (load, reload, new key or signature window).");
  e.sample("dnsd_dnssec_zone_signings_total", "", c.zone_signings);
  const zones::ZoneSet& zones = *snapshot.zones;
  e.family("dnsd_dnssec_signature_expiration_timestamp_seconds", "gauge",
           "Unix time when the signatures each signed zone serves now expire.");
  for (uint32_t z = 0; z < zones.size(); ++z)
    if (const auto& sigs = snapshot.versions[z]->signatures; sigs && sigs->zone)
      e.sample("dnsd_dnssec_signature_expiration_timestamp_seconds", label("zone", zones.zone(z).origin_text()),
               uint64_t(sigs->zone->window().expiration));
  e.family("dnsd_dnssec_signatures_near_expiry", "gauge",
           "Signatures served that expire in less than a quarter of the zone's signature_validity (all of the "
           "zone's when its window is that close, else 0): anything but 0 means signing has stalled.");
  for (uint32_t z = 0; z < zones.size(); ++z) {
    const auto& sigs = snapshot.versions[z]->signatures;
    if (!sigs || !sigs->zone) continue;
    const int64_t left = int64_t(sigs->zone->window().expiration) - now_s;
    const bool near = left < int64_t(zones.zone(z).dnssec().signature_validity / 4);
    e.sample("dnsd_dnssec_signatures_near_expiry", label("zone", zones.zone(z).origin_text()),
             near ? served_signatures(*snapshot.versions[z]) : uint64_t{0});
  }
  e.family("dnsd_dnssec_key_state", "gauge", "1 for each key of each signed zone, in its state (published, active, "
                                             "retired, removed).");
  for (const ZoneSigningReport& r : reports)
    for (size_t i = 0; i < r.keys.size() && i < r.states.size(); ++i)
      e.sample("dnsd_dnssec_key_state",
               label("zone", r.zone) + "," + label("tag", std::to_string(r.keys[i].tag)) + "," +
                   label("state", dnssec::key_state_name(r.states[i])),
               1);
}

void build_metrics(Exposition& e) {
  e.family("dnsd_build_info", "gauge", "Always 1; the labels say which dnsd this is and what it was built with.");
#if defined(__clang__)
  const std::string compiler = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  const std::string compiler = std::string("gcc ") + __VERSION__;
#else
  const std::string compiler = "unknown";
#endif
  e.sample("dnsd_build_info",
           label("version", DNSD_VERSION) + "," + label("compiler", compiler) + "," + label("ldns", LDNS_VERSION), 1);
}

void process_metrics(Exposition& e, const ProcessSample& p) {
  if (p.start_time_seconds) {
    e.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
    e.sample("process_start_time_seconds", "", *p.start_time_seconds);
  }
  if (p.cpu_seconds) {
    e.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
    e.sample("process_cpu_seconds_total", "", *p.cpu_seconds);
  }
  if (p.resident_bytes) {
    e.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    e.sample("process_resident_memory_bytes", "", *p.resident_bytes);
  }
  if (p.virtual_bytes) {
    e.family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
    e.sample("process_virtual_memory_bytes", "", *p.virtual_bytes);
  }
  if (p.open_fds) {
    e.family("process_open_fds", "gauge", "Number of open file descriptors.");
    e.sample("process_open_fds", "", *p.open_fds);
  }
  if (p.max_fds) {
    e.family("process_max_fds", "gauge", "Maximum number of open file descriptors.");
    e.sample("process_max_fds", "", *p.max_fds);
  }
}

}  // namespace

uint64_t served_signatures(const ZoneVersion& version) {
  const auto& v = version.signatures;
  if (!v) return 0;
  uint64_t n = (v->zone ? v->zone->signatures() : 0) + v->soa.count + v->dnskey_sigs.count;
  for (const dnssec::SigRef& r : v->pool_sigs) n += r.count;
  for (const dnssec::SigRef& r : v->windows) n += r.count;
  for (const auto& [node, nsec] : v->nsec_overrides) n += nsec.sigs.count;
  return n;
}

std::string format_metric_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char number[64];
  if (value == std::trunc(value) && std::fabs(value) < 1e300) {
    // Integral: every digit, never an exponent (%.0f of a double is exact).
    std::snprintf(number, sizeof number, "%.0f", value);
    return number;
  }
  // The shortest text that reads back as the same double.
  const auto [end, error] = std::to_chars(number, number + sizeof number, value);
  return error == std::errc() ? std::string(number, end) : std::string("NaN");
}

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
  build_metrics(e);
  query_metrics(e, *in.queries);
  zone_query_metrics(e, *in.snapshot);
  member_metrics(e, *in.snapshot, in.health);
  if (in.probes) probe_metrics(e, *in.probes);
  zone_metrics(e, *in.snapshot, *in.reloads);
  if (in.state_writes) {
    e.family("dnsd_state_write_errors_total", "counter",
             "Failed writes of the state directory's files (serials, drains, health) and of the status file.");
    for (const health::StateWriteStatus& s : *in.state_writes)
      e.sample("dnsd_state_write_errors_total", label("file", s.file), uint64_t(s.errors));
  }
  if (in.signing && in.signing_zones) dnssec_metrics(e, *in.snapshot, *in.signing, *in.signing_zones, in.now_s);
  if (in.process) process_metrics(e, *in.process);
  std::string text = e.take();
  if (in.transfer) text += transfer_metrics(*in.transfer);
  if (in.dnstap) text += dnstap::dnstap_metrics(*in.dnstap);
  return text;
}

}  // namespace dnsd
