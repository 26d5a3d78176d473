// Query processing: wire in, wire out. No I/O, no clock, no globals, no
// allocation and no exceptions, so UDP, TCP and the tests all drive the same
// function with plain bytes.
#pragma once

#include <cstddef>
#include <cstdint>
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

/// Per-worker rotation counters, one per rotating RRset of the current
/// snapshot, so successive answers for the same RRset start at successive
/// records without any shared writable state. Owned by one worker thread.
class RotationState {
 public:
  /// Makes room for `slots` counters (a new snapshot). Allocates; call on snapshot change only.
  void resize(uint32_t slots) { counters_.assign(slots, 0); }
  /// Returns the current counter of `slot` and advances it.
  uint32_t next(uint32_t slot) {
    return slot < counters_.size() ? counters_[slot]++ : 0;
  }
  size_t size() const { return counters_.size(); }

 private:
  std::vector<uint32_t> counters_;
};

/// Largest UDP payload dnsd advertises and sends (the DNS Flag Day 2020 value).
inline constexpr uint16_t kMaxUdpPayload = 1232;
/// A buffer of this size holds any response.
inline constexpr size_t kMaxMessage = 65535;

/// Answers one DNS message. `response` must hold kMaxMessage bytes for TCP and
/// kMaxUdpPayload bytes for UDP. `rotation` must have been sized for `zones`.
/// Any thread, with its own `rotation` and `response`.
QueryResult process_query(std::span<const uint8_t> query, std::span<uint8_t> response, Transport transport,
                          const zones::ZoneSet& zones, RotationState& rotation);

}  // namespace dnsd
