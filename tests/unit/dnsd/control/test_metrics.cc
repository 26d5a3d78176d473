// /metrics text: families with HELP and TYPE, labels escaped, histogram
// buckets cumulative and ending at +Inf.
#include "dnsd/control/metrics.h"

#include <doctest.h>

#include <limits>
#include <string>

#include "control_fixture.h"
#include "signed_fixture.h"
#include "dnsd/server/zone_counter_registry.h"
#include "health/check.h"

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
  CHECK(has_line(text, "dnsd_all_down_total{zone=\"ctl.test.\",pool=\"dead\",proto=\"udp\"} 0"));
  CHECK(has_line(text, "dnsd_zone_queries_total{zone=\"ctl.test.\",proto=\"tcp\"} 0"));
  CHECK(has_line(text, "# TYPE dnsd_build_info gauge"));
  CHECK(text.find("dnsd_build_info{version=\"" DNSD_VERSION "\",compiler=\"") != std::string::npos);
  CHECK(has_line(text, "# TYPE dnsd_rrl_dropped_total counter"));
  CHECK(has_line(text, "dnsd_rrl_dropped_total 40"));
  CHECK(has_line(text, "dnsd_rrl_slipped_total 39"));
  CHECK(has_line(text, "dnsd_responses_total{proto=\"udp\",rcode=\"BADCOOKIE\"} 6"));
  CHECK(has_line(text, "dnsd_cookies_total{status=\"valid\"} 7"));
  CHECK(has_line(text, "dnsd_cookies_total{status=\"client_only\"} 0"));
  // web's check is none: unchecked, and no dnsd_member_up sample.
  CHECK(text.find("dnsd_member_up{zone=\"ctl.test.\",pool=\"web\"") == std::string::npos);
  CHECK(has_line(text, "dnsd_member_state{zone=\"ctl.test.\",pool=\"web\",member=\"192.0.2.1\",state=\"unchecked\"} 1"));
  CHECK(has_line(text, "dnsd_member_state{zone=\"ctl.test.\",pool=\"web\",member=\"192.0.2.1\",state=\"up\"} 0"));
  CHECK(has_line(text, "dnsd_member_state{zone=\"ctl.test.\",pool=\"dead\",member=\"127.0.1.1\",state=\"unchecked\"} 0"));
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
  CHECK(has_line(text, "dnsd_zone_load_error{zone=\"broken.json\",file=\"broken.json\"} 1"));
  CHECK(text.find("process_") == std::string::npos);

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

TEST_CASE("metric values are exact: integers in full, fractions round-trip, never e-notation for integers") {
  CHECK(dnsd::format_metric_value(0) == "0");
  CHECK(dnsd::format_metric_value(1764586864.0) == "1764586864");
  CHECK(dnsd::format_metric_value(1764586864.123) == "1764586864.123");
  CHECK(dnsd::format_metric_value(1e15) == "1000000000000000");
  CHECK(dnsd::format_metric_value(1e20) == "100000000000000000000");
  CHECK(dnsd::format_metric_value(9.0007) == "9.0007");
  CHECK(dnsd::format_metric_value(0.1) == "0.1");
  CHECK(dnsd::format_metric_value(-2.5) == "-2.5");
  CHECK(dnsd::format_metric_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(dnsd::format_metric_value(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  for (double v : {1.0 / 3.0, 123456.789012345678, 2.5e-7, 1764586864.1234567})
    CHECK(std::stod(dnsd::format_metric_value(v)) == v);
}

TEST_CASE("the last reload time keeps its milliseconds and big counters every digit") {
  auto set = dnsd::test::control_zone_set();
  dnsd::QueryTotals q;
  q.rrl_dropped = 12345678901234567890ull;
  dnsd::ReloadHistory h;
  h.last_at_ms = 1'764'586'864'123;
  const auto snapshot = dnsd::Snapshot::standalone(set);
  dnsd::MetricsInputs in;
  in.queries = &q;
  in.snapshot = snapshot.get();
  in.reloads = &h;
  const std::string text = dnsd::render_metrics(in);
  CHECK(has_line(text, "dnsd_last_reload_timestamp_seconds 1764586864.123"));
  CHECK(has_line(text, "dnsd_rrl_dropped_total 12345678901234567890"));
}

TEST_CASE("per-zone counters: queries, rcodes and all-down pools, read through the snapshot") {
  auto set = dnsd::test::control_zone_set();
  dnsd::ZoneCounterRegistry registry(2);
  auto counters = registry.for_zones(*set);
  REQUIRE(counters.size() == 1);
  const uint32_t dead = dnsd::test::pool_index(set->zone(0), "dead");
  dnsd::QueryResult answer;
  answer.action = dnsd::QueryAction::Respond;
  answer.zone = 0;
  counters[0]->record(0, dnsd::Transport::Udp, answer);
  counters[0]->record(1, dnsd::Transport::Udp, answer);
  dnsd::QueryResult down = answer;
  down.all_down = true;
  down.all_down_pool = dead;
  counters[0]->record(1, dnsd::Transport::Tcp, down);
  dnsd::QueryResult nx = answer;
  nx.rcode = 3;
  counters[0]->record(0, dnsd::Transport::Udp, nx);
  const auto snapshot = std::make_shared<const dnsd::Snapshot>(
      set, dnsd::health::HealthView::unbound(*set), 2, nullptr, dnsd::Snapshot::Versions{}, counters);
  const dnsd::QueryTotals q;
  const dnsd::ReloadHistory h;
  dnsd::MetricsInputs in;
  in.queries = &q;
  in.snapshot = snapshot.get();
  in.reloads = &h;
  const std::string text = dnsd::render_metrics(in);
  CHECK(has_line(text, "# TYPE dnsd_zone_queries_total counter"));
  CHECK(has_line(text, "dnsd_zone_queries_total{zone=\"ctl.test.\",proto=\"udp\"} 3"));
  CHECK(has_line(text, "dnsd_zone_queries_total{zone=\"ctl.test.\",proto=\"tcp\"} 1"));
  CHECK(has_line(text, "dnsd_zone_responses_total{zone=\"ctl.test.\",rcode=\"NOERROR\"} 3"));
  CHECK(has_line(text, "dnsd_zone_responses_total{zone=\"ctl.test.\",rcode=\"NXDOMAIN\"} 1"));
  CHECK(has_line(text, "dnsd_all_down_total{zone=\"ctl.test.\",pool=\"dead\",proto=\"tcp\"} 1"));
  CHECK(has_line(text, "dnsd_all_down_total{zone=\"ctl.test.\",pool=\"dead\",proto=\"udp\"} 0"));
  CHECK(has_line(text, "dnsd_all_down_total{zone=\"ctl.test.\",pool=\"web\",proto=\"tcp\"} 0"));
}

TEST_CASE("per-member transitions and last change come from the health table's details") {
  auto set = dnsd::test::control_zone_set();
  const auto snapshot = dnsd::Snapshot::standalone(set);
  const zones::Pool& dead = set->zone(0).pool(dnsd::test::pool_index(set->zone(0), "dead"));
  dnsd::health::HealthSnapshot health;
  health.now_ms = 1'764'586'900'000;
  dnsd::health::TargetStatus target;
  target.id = 1;
  target.check = dnsd::health::normalized_spec(dead.check);
  target.address = dead.members[0].check_address;
  target.status.state = dnsd::health::HealthState::Down;
  target.status.since_ms = 1'764'586'864'123;
  target.status.transitions_up = 2;
  target.status.transitions_down = 3;
  health.targets.push_back(target);
  const dnsd::HealthIndex index(std::move(health));
  const dnsd::QueryTotals q;
  const dnsd::ReloadHistory h;
  const dnsd::ProcessSample process = dnsd::read_process_sample();
  dnsd::MetricsInputs in;
  in.queries = &q;
  in.snapshot = snapshot.get();
  in.reloads = &h;
  in.health = &index;
  in.process = &process;
  const std::string text = dnsd::render_metrics(in);
  const std::string member = "zone=\"ctl.test.\",pool=\"dead\",member=\"127.0.1.1\"";
  CHECK(has_line(text, "dnsd_member_transitions_total{" + member + ",to=\"up\"} 2"));
  CHECK(has_line(text, "dnsd_member_transitions_total{" + member + ",to=\"down\"} 3"));
  CHECK(has_line(text, "dnsd_member_last_change_timestamp_seconds{" + member + "} 1764586864.123"));
  CHECK(text.find("dnsd_member_transitions_total{zone=\"ctl.test.\",pool=\"web\"") == std::string::npos);
  CHECK(has_line(text, "# TYPE process_cpu_seconds_total counter"));
  CHECK(text.find("\nprocess_open_fds ") != std::string::npos);
  CHECK(text.find("\nprocess_start_time_seconds ") != std::string::npos);
}

TEST_CASE("DNSSEC metrics: signing counters, the served window's expiration, signatures near expiry, key states") {
  dnsd::test::SignedServing serving;
  const dnsd::ZoneVersion& version = *serving.snapshot->versions[0];
  const auto window = version.signatures->zone->window();
  // SOA, DNSKEY, the pool's whole set and its five windows, and the static RRsets with the NSEC chain.
  const uint64_t served = dnsd::served_signatures(version);
  CHECK(served == version.signatures->zone->signatures() + 1 + 1 + 1 + 5);
  dnsd::QueryTotals q;
  dnsd::ReloadHistory h;
  const dnsd::SigningCounters counters = serving.signing.counters();
  const std::vector<dnsd::ZoneSigningReport> reports = serving.signing.report();
  dnsd::MetricsInputs in;
  in.queries = &q;
  in.snapshot = serving.snapshot.get();
  in.reloads = &h;
  in.signing = &counters;
  in.signing_zones = &reports;
  in.now_s = serving.now;
  std::string text = dnsd::render_metrics(in);
  CHECK(has_line(text, "# TYPE dnsd_dnssec_signatures_total counter"));
  CHECK(has_line(text, "dnsd_dnssec_signatures_total " + std::to_string(counters.signatures)));
  CHECK(counters.signatures >= version.signatures->zone->signatures());
  CHECK(has_line(text, "dnsd_dnssec_zone_signings_total 1"));
  CHECK(text.find("\ndnsd_dnssec_signing_seconds_total ") != std::string::npos);
  CHECK(has_line(text, "dnsd_dnssec_signature_expiration_timestamp_seconds{zone=\"signed.test.\"} " +
                           std::to_string(window.expiration)));
  CHECK(has_line(text, "dnsd_dnssec_signatures_near_expiry{zone=\"signed.test.\"} 0"));
  CHECK(has_line(text, "dnsd_dnssec_key_state{zone=\"signed.test.\",tag=\"" +
                           std::to_string(serving.zone_key_tag()) + "\",state=\"active\"} 1"));

  // With less than a quarter of the validity (14 days: 3.5 days) left, every served signature counts.
  in.now_s = int64_t(window.expiration) - 302400;
  CHECK(has_line(dnsd::render_metrics(in), "dnsd_dnssec_signatures_near_expiry{zone=\"signed.test.\"} 0"));
  in.now_s = int64_t(window.expiration) - 302399;
  CHECK(has_line(dnsd::render_metrics(in),
                 "dnsd_dnssec_signatures_near_expiry{zone=\"signed.test.\"} " + std::to_string(served)));

  // No signing inputs: no dnsd_dnssec_* families; an unsigned zone has no per-zone series.
  in.signing = nullptr;
  CHECK(dnsd::render_metrics(in).find("dnsd_dnssec_") == std::string::npos);
  in.signing = &counters;
  const auto unsigned_snapshot = dnsd::test::control_snapshot();
  in.snapshot = unsigned_snapshot.get();
  text = dnsd::render_metrics(in);
  CHECK(text.find("dnsd_dnssec_signature_expiration_timestamp_seconds{") == std::string::npos);
  CHECK(text.find("dnsd_dnssec_signatures_near_expiry{") == std::string::npos);
}
