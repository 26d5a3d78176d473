// The keyed hash of TSIG (RFC 8945 4.3, 6): which HMAC algorithms dnsd
// speaks, and the HMAC itself, computed by OpenSSL. ldns 1.8.3 has its own
// TSIG code but cannot serve here: it reads the clock itself (so no BADTIME
// reply and no fixed test vector), always signs error 0 with no other data,
// and knows neither hmac-sha224 nor hmac-sha384 (its table misspells the
// latter "hmac-shac384."). The digest layout lives in tsig_record.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dnsd::xfr {

/// One HMAC algorithm dnsd signs and verifies with.
struct TsigAlgorithm {
  std::string_view name;  ///< canonical wire name in text: "hmac-sha256."
  size_t mac_size;        ///< full HMAC output, octets
};

/// The algorithm `name` denotes ("hmac-sha256" or "HMAC-SHA256."), or nullptr
/// when dnsd does not implement it (hmac-md5, truncated variants, GSS-TSIG).
/// Any thread.
const TsigAlgorithm* find_tsig_algorithm(std::string_view name);

/// The secret a base64 string encodes; nullopt when it is empty or not
/// base64. Keys carry the text; this runs per signature. Any thread.
std::optional<std::vector<uint8_t>> decode_tsig_secret(const std::string& base64);

/// HMAC of `data` keyed with `secret` under `algorithm` (full length). Empty
/// only if OpenSSL fails. Any thread: no shared state.
std::vector<uint8_t> tsig_hmac(const TsigAlgorithm& algorithm, std::span<const uint8_t> secret,
                               std::span<const uint8_t> data);

/// True when the first `mac.size()` octets of `expected` equal `mac`, in time
/// independent of the contents (a truncated MAC compares its prefix, RFC 8945
/// 5.2.2.1). Any thread.
bool tsig_mac_equal(std::span<const uint8_t> mac, std::span<const uint8_t> expected);

}  // namespace dnsd::xfr
