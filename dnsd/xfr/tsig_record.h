// The TSIG record on the wire (RFC 8945 4.2, 4.3): finding it in a message,
// reading and writing it, the bytes its MAC covers, and key and algorithm
// names in their canonical forms. Pure functions over bytes, shared by the
// request checker, the response signer and the NOTIFY signer (tsig.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dnsd::xfr {

/// A TSIG record's fields. Names are canonical wire names (lowercase,
/// uncompressed), the form the MAC covers.
struct TsigRecord {
  std::vector<uint8_t> key_name;   ///< the owner name
  std::vector<uint8_t> algorithm;  ///< the algorithm name
  uint64_t time_signed = 0;        ///< unix seconds, 48 bits on the wire
  uint16_t fudge = 0;              ///< seconds of clock difference allowed
  std::vector<uint8_t> mac;
  uint16_t original_id = 0;
  uint16_t error = 0;              ///< a TsigError
  std::vector<uint8_t> other;      ///< other data: the server's time in a BADTIME reply
};

/// Where a message's TSIG record is.
struct TsigPlace {
  enum class Kind : uint8_t {
    None,       ///< no TSIG record (or a message too broken to tell)
    Last,       ///< one TSIG, the last additional record: it starts at `offset`
    Misplaced,  ///< a TSIG anywhere else, or more than one: FORMERR (RFC 8945 5.2)
  } kind = Kind::None;
  size_t offset = 0;
};

/// Walks the message's records (without decoding them) to find its TSIG.
/// Any thread.
TsigPlace find_tsig(std::span<const uint8_t> wire);

/// Reads the TSIG record at `offset`, which must end the message. nullopt when
/// it cannot be interpreted (RFC 8945 5.2: FORMERR). Any thread.
std::optional<TsigRecord> read_tsig(std::span<const uint8_t> wire, size_t offset);

/// Appends `record` to `message` (uncompressed) and increments ARCOUNT. False,
/// leaving `message` alone, when it is shorter than a header or ARCOUNT is
/// full. Any thread.
bool write_tsig(std::vector<uint8_t>& message, const TsigRecord& record);

/// The bytes before a TSIG at `offset`, ARCOUNT one less: the message as it
/// was signed. Any thread.
std::vector<uint8_t> without_tsig(std::span<const uint8_t> wire, size_t offset);

/// What a MAC covers (RFC 8945 4.3.1 to 4.3.3): `prior_mac` with its length
/// (the request's or previous message's MAC; nothing when empty), then
/// `message` (unsigned, at least a header) with its ID replaced by the
/// original ID, then the TSIG variables of `record`, or only its timers for a
/// later message of a stream (5.3.1). Any thread.
std::vector<uint8_t> tsig_digest_input(std::span<const uint8_t> prior_mac, std::span<const uint8_t> message,
                                       const TsigRecord& record, bool timers_only);

/// `name` ("Xfr-Key" or "xfr-key.") in canonical text: lowercase, one
/// trailing dot. nullopt when it is not a domain name. Any thread.
std::optional<std::string> canonical_tsig_name(std::string_view name);

/// The canonical wire form of a name given as text. Any thread.
std::optional<std::vector<uint8_t>> tsig_name_wire(std::string_view name);

/// The canonical text of a wire name (as read_tsig returns them). Any thread.
std::string tsig_name_text(std::span<const uint8_t> wire_name);

}  // namespace dnsd::xfr
