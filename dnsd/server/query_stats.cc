#include "dnsd/server/query_stats.h"

namespace dnsd {

QueryTotals& QueryTotals::operator+=(const QueryTotals& other) {
  for (size_t t = 0; t < kTransportCount; ++t) {
    queries[t] += other.queries[t];
    truncated[t] += other.truncated[t];
    dropped[t] += other.dropped[t];
    for (size_t i = 0; i < kQtypeBuckets; ++i) by_qtype[t][i] += other.by_qtype[t][i];
    for (size_t i = 0; i < kRcodeBuckets; ++i) by_rcode[t][i] += other.by_rcode[t][i];
  }
  for (size_t i = 0; i < kCookieStatusCount; ++i) cookies[i] += other.cookies[i];
  udp_receive_errors += other.udp_receive_errors;
  udp_send_errors += other.udp_send_errors;
  tcp_accepted += other.tcp_accepted;
  tcp_refused += other.tcp_refused;
  tcp_evicted += other.tcp_evicted;
  tcp_idle_timeouts += other.tcp_idle_timeouts;
  rrl_dropped += other.rrl_dropped;
  rrl_slipped += other.rrl_slipped;
  return *this;
}

QueryTotals QueryStats::snapshot() const {
  QueryTotals out;
  for (size_t t = 0; t < kTransportCount; ++t) {
    out.queries[t] = queries_[t].get();
    out.truncated[t] = truncated_[t].get();
    out.dropped[t] = dropped_[t].get();
    for (size_t i = 0; i < kQtypeBuckets; ++i) out.by_qtype[t][i] = by_qtype_[t][i].get();
    for (size_t i = 0; i < kRcodeBuckets; ++i) out.by_rcode[t][i] = by_rcode_[t][i].get();
  }
  for (size_t i = 0; i < kCookieStatusCount; ++i) out.cookies[i] = cookies_[i].get();
  out.udp_receive_errors = udp_receive_errors_.get();
  out.udp_send_errors = udp_send_errors_.get();
  out.tcp_accepted = tcp_accepted_.get();
  out.tcp_refused = tcp_refused_.get();
  out.tcp_evicted = tcp_evicted_.get();
  out.tcp_idle_timeouts = tcp_idle_timeouts_.get();
  out.rrl_dropped = rrl_dropped_.get();
  out.rrl_slipped = rrl_slipped_.get();
  return out;
}

QueryTotals QueryStats::sum(std::span<const QueryStats* const> workers) {
  QueryTotals total;
  for (const QueryStats* w : workers) total += w->snapshot();
  return total;
}

}  // namespace dnsd
