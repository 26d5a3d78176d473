// /metrics text: families with HELP and TYPE, labels escaped, histogram
// buckets cumulative and ending at +Inf.
#include "dnsd/control/metrics.h"

#include <doctest.h>

#include "control_fixture.h"

namespace zones = dnsd::zones;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("label values are escaped") {
  CHECK(dnsd::escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
}

TEST_CASE("metrics render every family") {
  auto set = dnsd::test::control_zone_set();
  dnsd::QueryTotals q;
  q.by_qtype[0][1] = 5;
  q.by_qtype[1][dnsd::kQtypeBuckets - 1] = 2;
  q.by_rcode[0][3] = 4;
  q.truncated[0] = 1;
  q.all_down[0] = 3;
  q.rrl_dropped = 40;
  q.rrl_slipped = 39;
  q.by_rcode[0][23] = 6;
  q.cookies[size_t(dnsd::CookieStatus::Valid)] = 7;
  dnsd::ReloadHistory h;
  h.ok = 2;
  h.failed = 1;
  h.last_at_ms = 1'500'000;
  h.last.errors.push_back({"broken.json", "/origin", "bad"});
  dnsd::health::ProbeMetrics p;
  p.record(zones::CheckType::Tcp, dnsd::health::CheckResult::success("ok", 700), dnsd::health::Transition::Changed,
           dnsd::health::HealthState::Up);
  p.record(zones::CheckType::Tcp, dnsd::health::CheckResult::failed(dnsd::health::FailureKind::Refused, "x", 9'000'000),
           dnsd::health::Transition::Unchanged, dnsd::health::HealthState::Up);
  dnsd::MetricsInputs in;
  in.queries = &q;
  const auto snapshot = dnsd::Snapshot::standalone(set);
  in.snapshot = snapshot.get();
  in.reloads = &h;
  in.probes = &p;
  const std::string text = dnsd::render_metrics(in);

  CHECK(has_line(text, "# TYPE dnsd_queries_total counter"));
  CHECK(has_line(text, "dnsd_queries_total{proto=\"udp\",qtype=\"A\"} 5"));
  CHECK(has_line(text, "dnsd_queries_total{proto=\"tcp\",qtype=\"other\"} 2"));
  CHECK(has_line(text, "dnsd_responses_total{proto=\"udp\",rcode=\"NXDOMAIN\"} 4"));
  CHECK(has_line(text, "dnsd_truncated_total{proto=\"udp\"} 1"));
  CHECK(has_line(text, "dnsd_all_down_total{proto=\"udp\"} 3"));
  CHECK(has_line(text, "# TYPE dnsd_rrl_dropped_total counter"));
  CHECK(has_line(text, "dnsd_rrl_dropped_total 40"));
  CHECK(has_line(text, "dnsd_rrl_slipped_total 39"));
  CHECK(has_line(text, "dnsd_responses_total{proto=\"udp\",rcode=\"BADCOOKIE\"} 6"));
  CHECK(has_line(text, "dnsd_cookies_total{status=\"valid\"} 7"));
  CHECK(has_line(text, "dnsd_cookies_total{status=\"client_only\"} 0"));
  CHECK(has_line(text, "dnsd_member_up{zone=\"ctl.test.\",pool=\"web\",member=\"192.0.2.1\"} 1"));
  CHECK(has_line(text, "dnsd_member_up{zone=\"ctl.test.\",pool=\"dead\",member=\"127.0.1.1\"} 0"));
  CHECK(has_line(text, "dnsd_member_state{zone=\"ctl.test.\",pool=\"dead\",member=\"127.0.1.1\",state=\"unknown\"} 1"));
  CHECK(has_line(text, "dnsd_member_drained{zone=\"ctl.test.\",pool=\"web\",member=\"192.0.2.4\"} 1"));
  CHECK(has_line(text, "dnsd_pool_all_down{zone=\"ctl.test.\",pool=\"dead\"} 1"));
  CHECK(has_line(text, "# TYPE dnsd_probe_duration_seconds histogram"));
  CHECK(has_line(text, "dnsd_probe_duration_seconds_bucket{check=\"tcp\",le=\"0.0005\"} 0"));
  CHECK(has_line(text, "dnsd_probe_duration_seconds_bucket{check=\"tcp\",le=\"0.001\"} 1"));
  CHECK(has_line(text, "dnsd_probe_duration_seconds_bucket{check=\"tcp\",le=\"5\"} 1"));
  CHECK(has_line(text, "dnsd_probe_duration_seconds_bucket{check=\"tcp\",le=\"+Inf\"} 2"));
  CHECK(has_line(text, "dnsd_probe_duration_seconds_count{check=\"tcp\"} 2"));
  CHECK(has_line(text, "dnsd_probe_duration_seconds_sum{check=\"tcp\"} 9.0007"));
  CHECK(has_line(text, "dnsd_probe_failures_total{check=\"tcp\",reason=\"refused\"} 1"));
  CHECK(has_line(text, "dnsd_health_transitions_total{to=\"up\"} 1"));
  CHECK(has_line(text, "dnsd_reloads_total{result=\"failed\"} 1"));
  CHECK(has_line(text, "dnsd_last_reload_timestamp_seconds 1500"));
  CHECK(has_line(text, "dnsd_zone_serial{zone=\"ctl.test.\"} 7"));
  CHECK(has_line(text, "dnsd_zone_load_error{zone=\"ctl.test.\",file=\"ctl.test.json\"} 0"));
  CHECK(has_line(text, "dnsd_zone_load_error{zone=\"\",file=\"broken.json\"} 1"));

  in.probes = nullptr;  // no health table: no probe families at all
  CHECK(dnsd::render_metrics(in).find("dnsd_probe_duration_seconds") == std::string::npos);
}

TEST_CASE("metrics count failed state file writes per file, zeros included") {
  auto set = dnsd::test::control_zone_set();
  const dnsd::QueryTotals q;
  const dnsd::ReloadHistory h;
  const auto snapshot = dnsd::Snapshot::standalone(set);
  dnsd::health::StateWriteErrors errors;
  errors.failed("serials", "/state/serials.json.tmp.1: No space left on device");
  errors.failed("serials", "/state/serials.json.tmp.1: No space left on device");
  errors.failed("health", "/state/health.json: rename: Is a directory");
  const auto writes = errors.status();
  dnsd::MetricsInputs in;
  in.queries = &q;
  in.snapshot = snapshot.get();
  in.reloads = &h;
  CHECK(dnsd::render_metrics(in).find("dnsd_state_write_errors_total") == std::string::npos);
  in.state_writes = &writes;
  const std::string text = dnsd::render_metrics(in);
  CHECK(has_line(text, "# TYPE dnsd_state_write_errors_total counter"));
  CHECK(has_line(text, "dnsd_state_write_errors_total{file=\"serials\"} 2"));
  CHECK(has_line(text, "dnsd_state_write_errors_total{file=\"drains\"} 0"));
  CHECK(has_line(text, "dnsd_state_write_errors_total{file=\"health\"} 1"));
  CHECK(has_line(text, "dnsd_state_write_errors_total{file=\"status\"} 0"));
}
