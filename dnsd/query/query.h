// Query processing: wire in, wire out. No I/O, no clock, no globals, no
// allocation and no exceptions, so UDP, TCP and the tests all drive the same
// function with plain bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dnsd/query/rotation.h"
#include "dnsd/query/snapshot.h"

namespace dnsd {

/// How the query arrived; decides the size limit and truncation.
enum class Transport : uint8_t { Udp, Tcp };

/// What the transport should do with the result.
enum class QueryAction : uint8_t {
  Respond,  ///< send response[0, length)
  Drop,     ///< send nothing: not a query we may answer (too short, QR set, ...)
  /// Not answered here: a zone transfer (AXFR, IXFR) or a TSIG-signed
  /// message. The transport passes it with the peer's address to the
  /// transfer plane (dnsd/xfr/transfer_endpoint.h); `response` is untouched.
  Handoff,
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

/// Largest UDP payload dnsd advertises and sends (the DNS Flag Day 2020 value).
inline constexpr uint16_t kMaxUdpPayload = 1232;
/// A buffer of this size holds any response.
inline constexpr size_t kMaxMessage = 65535;

/// Answers one DNS message from `snapshot`. `response` must hold kMaxMessage
/// bytes for TCP and kMaxUdpPayload bytes for UDP. `rotation` must use a row
/// of `snapshot.rotation` or be sized for its zones. Any thread, with its own
/// `rotation` and `response`.
QueryResult process_query(std::span<const uint8_t> query, std::span<uint8_t> response, Transport transport,
                          const Snapshot& snapshot, RotationState& rotation);

}  // namespace dnsd
