// GET /metrics: every counter and gauge of CONTROL_API.md in the Prometheus
// text exposition format (version 0.0.4). A pure function of copied-out
// counters and the current snapshot, so tests render it without a server.
// Control threads only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dnsd/control/pool_report.h"
#include "dnsd/control/process_metrics.h"
#include "dnsd/server/query_stats.h"
#include "dnsd/control/transfer_report.h"
#include "dnsd/dnstap/dnstap_metrics.h"
#include "dnsd/query/snapshot.h"
#include "dnsd/server/reload_report.h"
#include "dnsd/server/signing_service.h"
#include "health/probe_metrics.h"
#include "health/state_write_errors.h"
#include "zones/zone_set.h"

namespace dnsd {

/// Everything /metrics reports, gathered by the caller.
struct MetricsInputs {
  const QueryTotals* queries = nullptr;          ///< required
  const Snapshot* snapshot = nullptr;            ///< required
  const ReloadHistory* reloads = nullptr;        ///< required
  const health::ProbeMetrics* probes = nullptr;  ///< null without a health table
  const TransferInputs* transfer = nullptr;      ///< null: no transfer families
  /// Failed writes per state file; null: the family is left out.
  const std::vector<health::StateWriteStatus>* state_writes = nullptr;
  /// The health table's details (times on the wall clock), for per-member
  /// transitions and last change times; null: those families have no samples.
  const HealthIndex* health = nullptr;
  /// This process's resources; null: the process_* families are left out.
  const ProcessSample* process = nullptr;
  const dnstap::DnstapTotals* dnstap = nullptr;  ///< null without --dnstap
  /// The signing service's counters and its zones' keys; null: the
  /// dnsd_dnssec_* families are left out.
  const SigningCounters* signing = nullptr;
  const std::vector<ZoneSigningReport>* signing_zones = nullptr;
  /// Unix seconds, for how close the served signatures are to expiring.
  int64_t now_s = 0;
};

/// How many signatures `version` serves: its zone's static ones plus those
/// the version made (SOA, DNSKEY, pools and their windows, NSEC overrides);
/// 0 for an unsigned version. Pure; any thread.
uint64_t served_signatures(const ZoneVersion& version);

/// The exposition text, families in a fixed order, each with HELP and TYPE.
std::string render_metrics(const MetricsInputs& in);

/// A sample value as the exposition format writes it: integral values with
/// every digit and no exponent, others as the shortest text that reads back
/// as the same double, NaN and +Inf/-Inf by name. Pure.
std::string format_metric_value(double value);

/// Escapes a label value: backslash, double quote and newline. Pure.
std::string escape_label_value(const std::string& value);

}  // namespace dnsd
