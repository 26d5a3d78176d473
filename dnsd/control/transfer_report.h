// What the control API shows about zone transfer: each zone's served serial
// and history, each secondary's NOTIFY and transfer state and how far behind
// it is, and the /metrics families for transfers, refusals and NOTIFY. Pure
// functions of their inputs, gathered by the control server on its threads.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dnsd/query/snapshot.h"
#include "dnsd/xfr/notifier.h"
#include "dnsd/xfr/transfer_log.h"

namespace dnsd {

/// The transfer plane's state, as the control server reads it.
struct TransferInputs {
  const xfr::TransferLog* log = nullptr;       ///< required
  std::vector<xfr::NotifyPeerStatus> notifies;  ///< every (zone, target) NOTIFY state
  xfr::NotifyCounters notify_counters;
  uint64_t coalesce_ms = 150;                   ///< the health-change coalescing window
};

/// The transfer fields of zone `z` of `snapshot`: served serial, the zone
/// file's serial, versions kept for IXFR, the transfer policy. Any thread.
nlohmann::json zone_transfer_json(const Snapshot& snapshot, uint32_t z);

/// Every secondary: each NOTIFY target and each address that transferred
/// or was refused, per zone, with its last NOTIFY, acknowledgement and
/// transfer, and how many serials it is behind. Any thread.
nlohmann::json secondaries_json(const Snapshot& snapshot, const TransferInputs& in, uint64_t now_ms);

/// The exposition lines of the transfer families (HELP and TYPE included). Any thread.
std::string transfer_metrics(const TransferInputs& in);

}  // namespace dnsd
