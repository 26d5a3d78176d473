// Query counters for metrics. Each worker owns one QueryStats and is its only
// writer, so counting costs a plain load, add and store (relaxed atomics, no
// lock prefix). Readers on other threads (the control API's /metrics) sum the
// workers' counters with QueryStats::sum(); a sum may be a few queries behind.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>

#include "dnsd/query/query.h"

namespace dnsd {

/// A counter with one writer thread and any number of reader threads.
class StatCounter {
 public:
  /// Owning thread only: no read-modify-write instruction, just load+store.
  void add(uint64_t n = 1) { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  /// Any thread.
  uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

/// Number of transports counted separately (Transport::Udp, Transport::Tcp).
inline constexpr size_t kTransportCount = 2;
/// qtypes 0..kQtypeBuckets-2 are counted one by one (this covers every common
/// type up to CAA = 257); every higher qtype lands in the last bucket.
inline constexpr size_t kQtypeBuckets = 260;
/// rcodes 0..kRcodeBuckets-2 are counted one by one (the extended BADVERS = 16
/// and BADCOOKIE = 23 included); higher ones land in the last bucket.
inline constexpr size_t kRcodeBuckets = 25;
/// Responses counted by what the query's DNS cookie proved (CookieStatus).
inline constexpr size_t kCookieStatusCount = 4;

/// Plain-value copy of counters, for summing and for rendering metrics.
struct QueryTotals {
  /// Indexed by Transport. All packets that reached process_query.
  std::array<uint64_t, kTransportCount> queries{};
  /// Responses sent, by transport and qtype bucket (see qtype_bucket()).
  std::array<std::array<uint64_t, kQtypeBuckets>, kTransportCount> by_qtype{};
  /// Responses sent, by transport and rcode bucket (see rcode_bucket()).
  std::array<std::array<uint64_t, kRcodeBuckets>, kTransportCount> by_rcode{};
  /// Responses with TC set (UDP only in practice).
  std::array<uint64_t, kTransportCount> truncated{};
  /// Packets process_query declined to answer (malformed, QR set, ...).
  std::array<uint64_t, kTransportCount> dropped{};
  // Per-zone counts, and responses in which a pool had no healthy member, are
  // kept per zone and pool: dnsd/server/zone_counters.h.
  /// Responses by the query's cookie status, indexed by CookieStatus.
  std::array<uint64_t, kCookieStatusCount> cookies{};
  /// UDP packets lost locally: too large to receive, or the send failed.
  uint64_t udp_receive_errors = 0;
  uint64_t udp_send_errors = 0;
  /// TCP connections: accepted, refused (at the connection cap), closed to
  /// make room for a new one, closed by the idle timeout.
  uint64_t tcp_accepted = 0;
  uint64_t tcp_refused = 0;
  uint64_t tcp_evicted = 0;
  uint64_t tcp_idle_timeouts = 0;
  /// UDP responses response rate limiting dropped, and those it sent as an
  /// empty truncated reply instead (a slip). Both are counted in by_qtype and
  /// by_rcode too, as made before the limiter saw them.
  uint64_t rrl_dropped = 0;
  uint64_t rrl_slipped = 0;

  QueryTotals& operator+=(const QueryTotals& other);
};

/// Bucket of a qtype in QueryTotals::by_qtype.
inline size_t qtype_bucket(uint16_t qtype) { return qtype < kQtypeBuckets - 1 ? qtype : kQtypeBuckets - 1; }
/// Bucket of an rcode in QueryTotals::by_rcode.
inline size_t rcode_bucket(uint16_t rcode) { return rcode < kRcodeBuckets - 1 ? rcode : kRcodeBuckets - 1; }

/// One worker's counters. Written only by the owning worker thread; read by any
/// thread. Cache-line aligned so that workers never share a line.
class alignas(64) QueryStats {
 public:
  /// Records the outcome of one query. Owning worker thread; no lock, no allocation.
  void record(Transport transport, const QueryResult& result) {
    size_t t = static_cast<size_t>(transport);
    queries_[t].add();
    if (result.action == QueryAction::Handoff) {
      // Transfers and signed messages: their outcome is counted by the transfer plane.
      by_qtype_[t][qtype_bucket(result.qtype)].add();
      return;
    }
    if (result.action != QueryAction::Respond) {
      dropped_[t].add();
      return;
    }
    by_qtype_[t][qtype_bucket(result.qtype)].add();
    by_rcode_[t][rcode_bucket(result.rcode)].add();
    if (result.truncated) truncated_[t].add();
    cookies_[size_t(result.cookie)].add();
  }

  // Transport-level events. Owning worker thread.
  void udp_receive_error() { udp_receive_errors_.add(); }
  void udp_send_error(uint64_t n = 1) { udp_send_errors_.add(n); }
  void tcp_accepted() { tcp_accepted_.add(); }
  void tcp_refused() { tcp_refused_.add(); }
  void tcp_evicted() { tcp_evicted_.add(); }
  void tcp_idle_timeout() { tcp_idle_timeouts_.add(); }
  void rrl_dropped() { rrl_dropped_.add(); }
  void rrl_slipped() { rrl_slipped_.add(); }

  /// A consistent-enough copy of this worker's counters. Any thread.
  QueryTotals snapshot() const;

  /// The sum over several workers. Any thread.
  static QueryTotals sum(std::span<const QueryStats* const> workers);

 private:
  std::array<StatCounter, kTransportCount> queries_;
  std::array<std::array<StatCounter, kQtypeBuckets>, kTransportCount> by_qtype_;
  std::array<std::array<StatCounter, kRcodeBuckets>, kTransportCount> by_rcode_;
  std::array<StatCounter, kTransportCount> truncated_;
  std::array<StatCounter, kTransportCount> dropped_;
  std::array<StatCounter, kCookieStatusCount> cookies_;
  StatCounter udp_receive_errors_, udp_send_errors_;
  StatCounter tcp_accepted_, tcp_refused_, tcp_evicted_, tcp_idle_timeouts_;
  StatCounter rrl_dropped_, rrl_slipped_;
};

}  // namespace dnsd
