#include "dnsd/dnstap/dnstap_metrics.h"

namespace dnsd::dnstap {

std::string dnstap_metrics(const DnstapTotals& t) {
  std::string out;
  out += "# HELP dnsd_dnstap_messages_total dnstap messages, by result (dropped: a worker's ring was full, "
         "or the collector was absent or failed).\n";
  out += "# TYPE dnsd_dnstap_messages_total counter\n";
  out += "dnsd_dnstap_messages_total{result=\"written\"} " + std::to_string(t.written) + "\n";
  out += "dnsd_dnstap_messages_total{result=\"dropped\"} " + std::to_string(t.dropped) + "\n";
  out += "# HELP dnsd_dnstap_reconnects_total Times the dnstap sink was opened again after it was lost.\n";
  out += "# TYPE dnsd_dnstap_reconnects_total counter\n";
  out += "dnsd_dnstap_reconnects_total " + std::to_string(t.reconnects) + "\n";
  out += "# HELP dnsd_dnstap_connected Whether the dnstap sink (file or collector) is open.\n";
  out += "# TYPE dnsd_dnstap_connected gauge\n";
  out += "dnsd_dnstap_connected " + std::string(t.connected ? "1" : "0") + "\n";
  return out;
}

}  // namespace dnsd::dnstap
