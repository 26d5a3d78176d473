// The dnstap counters /metrics shows, in the Prometheus text format.
#pragma once

#include <cstdint>
#include <string>

namespace dnsd::dnstap {

/// What the dnstap writer has done since start. Plain data; any thread.
struct DnstapTotals {
  uint64_t written = 0;     ///< messages handed to the Frame Streams writer
  uint64_t dropped = 0;     ///< messages lost: a full ring, no collector, a failed write
  uint64_t reconnects = 0;  ///< times the writer was opened again after losing its sink
  bool connected = false;   ///< the sink is open now
};

/// dnsd_dnstap_messages_total{result="written"|"dropped"},
/// dnsd_dnstap_reconnects_total and dnsd_dnstap_connected, with HELP and
/// TYPE. Any thread.
std::string dnstap_metrics(const DnstapTotals& totals);

}  // namespace dnsd::dnstap
