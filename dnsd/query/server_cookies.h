// Server cookies (RFC 7873) in the interoperable form of RFC 9018: version 1,
// three reserved bytes, a 32-bit timestamp and a 64-bit SipHash-2-4 of the
// client cookie, those eight bytes and the client's address. SipHash comes
// from OpenSSL (EVP_MAC "SIPHASH"); no hashing is written here.
//
// Secrets. By default dnsd rotates its secret every kRotationPeriod seconds
// (a UTC day): the secret of period N (unix time / kRotationPeriod) is
// SipHash-2-4 with a 128-bit output, keyed with a 16-byte master secret, of
// "dnsdcook" followed by N as 4 big-endian bytes. A cookie's own timestamp
// names the period whose secret checks it, so every worker, and every server
// given the same master, agrees without locks or messages, and a cookie made
// just before a rotation still checks for the hour it is accepted. The master
// is random at start or kept in --state-dir (dnsd/server/cookie_secret_file.h).
// With --cookie-secret, the secrets are RFC 9018 secrets used as they are: the
// first makes cookies, a second one also checks them, so that servers of
// other vendors sharing the secret (BIND's cookie-secret, Knot's mod-cookies
// secret) interoperate and the section 5 roll-over procedure works.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "dnsd/query/query.h"

// OpenSSL's context type, kept out of this header.
typedef struct evp_mac_ctx_st EVP_MAC_CTX;

namespace dnsd {

/// A SipHash-2-4 key: an RFC 9018 server secret, or dnsd's master secret.
using CookieSecret = std::array<uint8_t, 16>;

/// Where a ServerCookies takes its secrets from. A plain value, copied into
/// every worker's ServerCookies.
struct CookieSecrets {
  enum class Mode : uint8_t {
    Rotating,  ///< a secret per rotation period, derived from `master`
    Fixed,     ///< `current` makes and checks cookies, `previous` also checks them
  };
  Mode mode = Mode::Rotating;
  CookieSecret master{};
  CookieSecret current{};
  std::optional<CookieSecret> previous;

  static CookieSecrets rotating(const CookieSecret& master) { return {Mode::Rotating, master, {}, {}}; }
  static CookieSecrets fixed(const CookieSecret& current, std::optional<CookieSecret> previous = {}) {
    return {Mode::Fixed, {}, current, previous};
  }
};

/// Makes and checks server cookies for one worker. Holds an OpenSSL MAC
/// context made once and re-keyed for every hash, so a query costs no
/// allocation and no lock. Created on any thread, then used by one thread only.
class ServerCookies {
 public:
  static constexpr size_t kClientCookieSize = 8;
  static constexpr size_t kServerCookieSize = 16;  ///< version 1: 1 + 3 + 4 + 8 bytes
  static constexpr uint8_t kVersion = 1;
  /// Seconds each derived secret is used for making cookies (Rotating mode).
  static constexpr uint32_t kRotationPeriod = 86400;
  /// Freshness (RFC 9018 section 4.3): cookies up to an hour old and five
  /// minutes ahead are accepted; one older than half an hour is replaced.
  static constexpr uint32_t kMaxAge = 3600;
  static constexpr uint32_t kMaxAhead = 300;
  static constexpr uint32_t kRenewAge = 1800;

  /// A ServerCookies for `secrets`; nullptr with `error` set when OpenSSL
  /// offers no SipHash. Allocates. Any thread.
  static std::unique_ptr<ServerCookies> create(const CookieSecrets& secrets, std::string& error);
  ~ServerCookies();
  ServerCookies(const ServerCookies&) = delete;
  ServerCookies& operator=(const ServerCookies&) = delete;

  /// Checks the data of a query's COOKIE option (8 bytes, or 16 to 40; other
  /// lengths are FORMERR before this) sent from `client_address` (4 or 16
  /// bytes) at unix time `now`, and writes the server cookie for the response
  /// to `reply`: the query's own while fresh and made with the current
  /// secret, else a new one. Returns ClientOnly, Valid or Invalid; None
  /// only if OpenSSL failed (`reply` unset: send no COOKIE). Owning thread;
  /// no allocation, no lock.
  CookieStatus check(std::span<const uint8_t> option, std::span<const uint8_t> client_address, uint32_t now,
                     std::span<uint8_t, kServerCookieSize> reply);

  /// What verify() found.
  enum class Verdict : uint8_t {
    Invalid,  ///< not a version 1 cookie we made for this client, or out of its time window
    Fresh,    ///< ours, and good to hand back as it is
    Renew,    ///< ours, but older than kRenewAge or made with a secret no longer current
  };

  /// Whether `server_cookie` is one we made for `client_cookie` and
  /// `client_address`, checked at `now`. Owning thread; no allocation.
  Verdict verify(std::span<const uint8_t, kClientCookieSize> client_cookie, std::span<const uint8_t> server_cookie,
                 std::span<const uint8_t> client_address, uint32_t now);

  /// Writes the server cookie for `client_cookie` and `client_address` made at
  /// `timestamp`, with the secret current then. False only if OpenSSL fails.
  /// Owning thread; no allocation.
  bool make(std::span<const uint8_t, kClientCookieSize> client_cookie, std::span<const uint8_t> client_address,
            uint32_t timestamp, std::span<uint8_t, kServerCookieSize> out);

 private:
  ServerCookies(const CookieSecrets& secrets, EVP_MAC_CTX* hash, EVP_MAC_CTX* derive)
      : secrets_(secrets), hash_(hash), derive_(derive) {}

  /// The 8-byte hash of RFC 9018 section 4.4 over the client cookie, the
  /// first 8 bytes of `server_cookie` (version, reserved, timestamp) and the address.
  bool hash(const CookieSecret& secret, const uint8_t* client_cookie, const uint8_t* cookie_head,
            std::span<const uint8_t> client_address, uint8_t out[8]);
  /// The secret of rotation period `period` (Rotating mode).
  const CookieSecret* period_secret(uint32_t period);
  bool derive(uint32_t period, CookieSecret& out);

  CookieSecrets secrets_;
  EVP_MAC_CTX* hash_;    ///< SipHash-2-4, 8-byte output
  EVP_MAC_CTX* derive_;  ///< SipHash-2-4, 16-byte output, for period secrets
  /// Secrets of periods cached_period_ - 1, cached_period_ and + 1, once cached_ready_.
  bool cached_ready_ = false;
  uint32_t cached_period_ = 0;
  std::array<CookieSecret, 3> cached_{};
};

}  // namespace dnsd
