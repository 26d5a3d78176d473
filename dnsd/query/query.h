// Query processing: wire in, wire out. No I/O, no clock, no globals, no
// allocation and no exceptions, so UDP, TCP and the tests all drive the same
// function with plain bytes.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "zones/zone_set.h"

namespace dnsd {

/// How the query arrived; decides the size limit and truncation.
enum class Transport : uint8_t { Udp, Tcp };

/// What the transport should do with the result.
enum class QueryAction : uint8_t {
  Respond,  ///< send response[0, length)
  Drop,     ///< send nothing: not a query we may answer (too short, QR set, ...)
};

/// Outcome of one query, for the transport and for metrics.
struct QueryResult {
  QueryAction action = QueryAction::Drop;
  uint16_t length = 0;     ///< bytes of response to send
  uint16_t rcode = 0;      ///< full (extended) rcode sent, e.g. 16 for BADVERS
  uint16_t qtype = 0;      ///< question type, 0 if none could be parsed
  bool truncated = false;  ///< TC was set
  /// A pool in this response had no healthy member to give (answered by its
  /// when_all_down policy, or by drained members as a last resort).
  bool all_down = false;
};

/// Where a worker's answers take their rotation from: normally the snapshot's
/// shared counters (ZoneSet::rotation_counters), so successive responses for
/// an RRset start at successive records whichever worker sends them; or
/// private counters, for tests and for `explain` (which must not move the
/// order real clients see). Owned by one thread; the shared counters are
/// relaxed atomics, so the query path takes no lock and allocates nothing.
class RotationState {
 public:
  /// Uses `zones`' shared counters. No allocation; call on snapshot change.
  void share(const zones::ZoneSet& zones) {
    own_.reset();
    counters_ = zones.rotation_counters();
    size_ = zones.rotation_slots();
  }
  /// Uses `slots` private counters starting at 0. Allocates.
  void resize(uint32_t slots) {
    own_ = std::make_unique<std::atomic<uint32_t>[]>(slots);
    counters_ = own_.get();
    size_ = slots;
  }
  /// Returns the current counter of `slot` and advances it.
  uint32_t next(uint32_t slot) {
    return slot < size_ ? counters_[slot].fetch_add(1, std::memory_order_relaxed) : 0;
  }
  size_t size() const { return size_; }

 private:
  std::unique_ptr<std::atomic<uint32_t>[]> own_;
  std::atomic<uint32_t>* counters_ = nullptr;
  uint32_t size_ = 0;
};

/// Largest UDP payload dnsd advertises and sends (the DNS Flag Day 2020 value).
inline constexpr uint16_t kMaxUdpPayload = 1232;
/// A buffer of this size holds any response.
inline constexpr size_t kMaxMessage = 65535;

/// Answers one DNS message. `response` must hold kMaxMessage bytes for TCP and
/// kMaxUdpPayload bytes for UDP. `rotation` must share or be sized for `zones`.
/// Any thread, with its own `rotation` and `response`.
QueryResult process_query(std::span<const uint8_t> query, std::span<uint8_t> response, Transport transport,
                          const zones::ZoneSet& zones, RotationState& rotation);

}  // namespace dnsd
