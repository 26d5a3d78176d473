// The NOTIFY message (RFC 1996): the one a primary sends to announce a zone's
// new SOA, and the reading of what a secondary sends back. Pure functions over
// bytes, so the notifier's I/O stays thin and tests check the wire directly.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "zones/name.h"

namespace dnsd::xfr {

/// Header opcode of NOTIFY (RFC 1996 3.1).
inline constexpr uint8_t kOpcodeNotify = 4;

/// The NOTIFY announcing `zone`'s SOA: header with `id`, opcode NOTIFY and AA
/// set, question (zone, SOA, IN), and the SOA record (owner compressed to the
/// question's name, `ttl`, `soa_rdata`) in the answer section, as RFC 1996 3.7
/// allows, so the secondary can skip its SOA query when it is already current.
/// Empty, with `error` set, when `soa_rdata` is not an uncompressed SOA rdata
/// carrying `serial`: announcing one serial while the record says another
/// would be a caller's bug that secondaries cannot detect. Any thread.
std::vector<uint8_t> build_notify(uint16_t id, const zones::Name& zone, uint32_t ttl,
                                  std::span<const uint8_t> soa_rdata, uint32_t serial, std::string& error);

/// What the notifier needs from a reply to one of its NOTIFYs.
struct NotifyResponse {
  uint16_t id = 0;
  uint8_t rcode = 0;   ///< header rcode (4 bits; TSIG's own error is the signer's business)
  zones::Name zone;    ///< the question's name, lowercased: which NOTIFY this answers
};

/// Reads `reply` as a response to a NOTIFY: at least a header, QR set, opcode
/// NOTIFY, and exactly one question of type SOA, class IN, whose name is
/// uncompressed (RFC 1996 3.8: the response repeats the query's question).
/// nullopt for anything else, which the notifier counts and ignores. Any thread.
std::optional<NotifyResponse> parse_notify_response(std::span<const uint8_t> reply);

/// A fresh, unpredictable 16-bit message ID from the kernel's CSPRNG: an
/// off-path attacker who could guess IDs could forge the acknowledgement that
/// stops a NOTIFY's retries. Any thread.
uint16_t random_message_id();

}  // namespace dnsd::xfr
