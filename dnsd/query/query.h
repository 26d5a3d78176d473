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

/// What kind of response this is, for response rate limiting: responses of
/// one kind to one client prefix share a budget (as in NSD's and Knot's RRL).
enum class ResponseKind : uint8_t {
  Answer,    ///< records of the name and type asked for (or of a wildcard)
  NoData,    ///< the name exists, the type does not
  NxDomain,  ///< no such name: keyed by the zone, so random names share one budget
  Referral,  ///< a delegation: keyed by the zone cut
  Error,     ///< FORMERR, REFUSED, NOTIMP, SERVFAIL, BADVERS...: one budget
};

/// What a query's DNS cookie option (RFC 7873) proved.
enum class CookieStatus : uint8_t {
  None,        ///< no COOKIE option
  ClientOnly,  ///< a client cookie without a server cookie (or cookies are not checked)
  Invalid,     ///< a server cookie we did not make, one too old, or a malformed COOKIE option
  Valid,       ///< a server cookie we made for this client and client cookie, still fresh
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
  /// Index in snapshot.zones of the zone that answered, or zones::kNone when
  /// none did (REFUSED outside every zone, errors before the zone lookup,
  /// handoffs), so the worker can count per zone without a lookup.
  uint32_t zone = zones::kNone;
  /// Index in that zone's pools of the first pool that had no healthy member
  /// (set with all_down), or zones::kNone.
  uint32_t all_down_pool = zones::kNone;
  /// The response's kind and a hash of what it is about (name and type for
  /// Answer and NoData, the zone for NxDomain, the cut for Referral, 0 for
  /// Error), so a rate limiter can key its budgets without parsing.
  ResponseKind kind = ResponseKind::Error;
  uint64_t kind_hash = 0;
  /// Bytes at the start of the response that hold the header and the question:
  /// an empty truncated reply (an RRL slip) is this prefix with TC set.
  uint16_t question_end = 0;
  CookieStatus cookie = CookieStatus::None;
};

/// Largest UDP payload dnsd advertises and sends (the DNS Flag Day 2020 value).
inline constexpr uint16_t kMaxUdpPayload = 1232;
/// A buffer of this size holds any response.
inline constexpr size_t kMaxMessage = 65535;

class ServerCookies;  // dnsd/query/server_cookies.h

/// What the transport knows about a query besides its bytes. Every field is
/// optional: the default context answers without server cookies or NSID.
struct QueryContext {
  /// The client's address (4 or 16 bytes): server cookies are bound to it.
  std::span<const uint8_t> client_address;
  /// Unix time in seconds, read by the transport: server cookies carry it.
  uint32_t now = 0;
  /// Makes and checks server cookies (RFC 7873, RFC 9018); nullptr: none are
  /// made or checked. The caller's own instance: it holds per-thread state.
  ServerCookies* cookies = nullptr;
  /// This server's identifier, for queries that ask for it (RFC 5001); empty,
  /// or longer than kMaxNsidLength: none.
  std::span<const uint8_t> nsid;
};

/// Longest NSID sent, so that the OPT record's reserved room stays small.
inline constexpr size_t kMaxNsidLength = 128;

/// Answers one DNS message from `snapshot`. `response` must hold kMaxMessage
/// bytes for TCP and kMaxUdpPayload bytes for UDP. `rotation` must use a row
/// of `snapshot.rotation` or be sized for its zones. Any thread, with its own
/// `rotation` and `response`.
QueryResult process_query(std::span<const uint8_t> query, std::span<uint8_t> response, Transport transport,
                          const Snapshot& snapshot, RotationState& rotation, const QueryContext& context = {});

}  // namespace dnsd
