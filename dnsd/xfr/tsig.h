// TSIG (RFC 8945) for the transfer plane: checking signed requests (AXFR,
// IXFR, SOA, NOTIFY), signing the responses of one exchange (each message of
// a multi-message stream), error replies, and signing the NOTIFYs dnsd sends.
// Functions take the clock as `now_s` (unix seconds) so tests replay fixed
// vectors. The bytes we sign are exactly the bytes we send: the TSIG record
// is appended to the caller's message, which is never re-encoded.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dnsd/xfr/tsig_keyring.h"
#include "dnsd/xfr/tsig_mac.h"
#include "dnsd/xfr/tsig_record.h"

namespace dnsd::xfr {

/// TSIG error codes (RFC 8945 section 3). Any of them goes with RCODE NOTAUTH.
enum class TsigError : uint16_t { NoError = 0, BadSig = 16, BadKey = 17, BadTime = 18, BadTrunc = 22 };

/// The error's mnemonic ("BADSIG"), for logs. Any thread.
std::string_view tsig_error_name(TsigError error);

/// Allowed clock difference, seconds: the fudge dnsd puts in what it signs.
inline constexpr uint16_t kTsigFudge = 300;

/// What a request's TSIG says.
struct TsigCheck {
  enum class Status : uint8_t {
    Unsigned,   ///< no TSIG: answer as usual (and refuse transfers that need a key)
    Valid,      ///< signed with `key`: answer, signing with ResponseSigner
    Invalid,    ///< NOTAUTH with `error`: append_unsigned_tsig for BadKey and BadSig, ResponseSigner otherwise
    Malformed,  ///< a misplaced, repeated or unreadable TSIG, or an illegal MAC size: FORMERR, unsigned
  } status = Status::Unsigned;
  TsigError error = TsigError::NoError;  ///< why Invalid (BadKey, BadSig, BadTime, BadTrunc)
  const TsigKey* key = nullptr;          ///< the keyring's key it names (nullptr on BadKey/Unsigned)
  std::string key_name;                  ///< as in the request, canonical
  std::string algorithm;                 ///< as in the request, canonical
  std::vector<uint8_t> mac;              ///< the request's MAC: the response's MAC covers it
  uint64_t time_signed = 0;
  uint16_t fudge = 0;                    ///< the request's: a BADTIME reply repeats it
  uint16_t original_id = 0;
};

/// The message without its TSIG record (ARCOUNT one less), for answering it
/// with the ordinary query path; a copy of the input when unsigned (or when
/// its TSIG is misplaced: check_request says Malformed). Any thread.
std::vector<uint8_t> strip_tsig(std::span<const uint8_t> wire);

/// Checks a request's TSIG (which must be the last additional record:
/// otherwise Malformed -> FORMERR) at `now_s` unix seconds, in the order of
/// RFC 8945 5.2: key, MAC, time, truncation. Valid, or Invalid with BadKey
/// (unknown key or algorithm mismatch), BadSig, BadTime (|now - time signed| >
/// the request's fudge, 5.2.3, checked after the MAC) or BadTrunc (a MAC
/// truncated to a legal length: dnsd's policy is full-length MACs). A MAC
/// longer than the hash, or shorter than max(10, half the hash), is
/// Malformed (5.2.2.1). A message too broken to walk counts as Unsigned: the
/// query path rejects it. `keys` must outlive the result. Any thread.
TsigCheck check_request(std::span<const uint8_t> wire, const TsigKeyring& keys, uint64_t now_s);

/// Signs the successive response messages of one exchange: the first MACs
/// over the request MAC, each later one over the previous message's MAC with
/// timers only (RFC 8945 5.3.1), so multi-message AXFR/IXFR streams verify in
/// dig, kdig, Knot, NSD and BIND. One per response stream; owned by one thread.
class ResponseSigner {
 public:
  /// Signs with `key` (copied) a response to the request whose MAC and
  /// original ID are given. Such a signer cannot sign BadTime (it does not
  /// know the request's time): use the TsigCheck constructor for that.
  ResponseSigner(const TsigKey& key, std::vector<uint8_t> request_mac, uint16_t original_id);

  /// Signs the response to the request `check` describes (Valid, or Invalid
  /// with BadTime or BadTrunc: `check.key` must be set).
  explicit ResponseSigner(const TsigCheck& check);

  /// Appends the TSIG record to `message` (a complete DNS message) and
  /// increments ARCOUNT. `error` NoError, or on the first message BadTime
  /// (Time Signed and Fudge are the request's, "other data" is `now_s`, RFC
  /// 8945 5.2.3) or BadTrunc; the caller sets RCODE NOTAUTH for those. False
  /// on failure (short message, full ARCOUNT, bad key, error not allowed),
  /// leaving `message` alone.
  bool sign(std::vector<uint8_t>& message, uint64_t now_s, TsigError error = TsigError::NoError);

  /// Bytes the TSIG record of sign() with NoError adds to a message (0 when
  /// the key is unusable), so a UDP reply can leave room for it. Any thread.
  size_t record_size() const;

 private:
  TsigRecord base_;                    ///< key and algorithm names, original ID
  const TsigAlgorithm* algorithm_ = nullptr;
  std::vector<uint8_t> secret_;        ///< decoded; empty when the key is unusable
  std::vector<uint8_t> prior_mac_;     ///< the request's, then each message's
  bool first_ = true;
  std::optional<uint64_t> request_time_;
  uint16_t request_fudge_ = kTsigFudge;
};

/// Appends the unsigned TSIG record of an error reply (BadKey or BadSig: empty
/// MAC, RFC 8945 5.3.2) answering `check`, and increments ARCOUNT. The caller
/// sets RCODE NOTAUTH. Appends nothing when `check` names no key (Unsigned,
/// Malformed before the names were read). Any thread.
void append_unsigned_tsig(std::vector<uint8_t>& message, const TsigCheck& check, TsigError error, uint64_t now_s);

/// Signs a request dnsd sends (NOTIFY); returns its MAC, to check the reply
/// with. nullopt on failure, leaving `message` alone. Any thread.
std::optional<std::vector<uint8_t>> sign_request(std::vector<uint8_t>& message, const TsigKey& key, uint64_t now_s);

/// Checks the reply to a request dnsd signed with `key` whose MAC was
/// `request_mac`: signed last with that key and algorithm, TSIG error 0, a
/// full-length MAC that verifies, and Time Signed within its fudge of `now_s`.
/// Any thread.
bool verify_reply(std::span<const uint8_t> wire, const TsigKey& key, std::span<const uint8_t> request_mac,
                  uint64_t now_s);

}  // namespace dnsd::xfr
