#include "dnsd/query/server_cookies.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstring>

namespace dnsd {
namespace {

uint32_t read_u32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

void put_u32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}

/// A SipHash context whose output is `size` bytes; nullptr on failure.
EVP_MAC_CTX* new_siphash(EVP_MAC* mac, size_t size) {
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  if (ctx == nullptr) return nullptr;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size), OSSL_PARAM_construct_end()};
  if (EVP_MAC_CTX_set_params(ctx, params) != 1) {
    EVP_MAC_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

/// Label of the period-secret derivation (Rotating mode): 8 bytes.
constexpr uint8_t kDeriveLabel[8] = {'d', 'n', 's', 'd', 'c', 'o', 'o', 'k'};

}  // namespace

std::unique_ptr<ServerCookies> ServerCookies::create(const CookieSecrets& secrets, std::string& error) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
  if (mac == nullptr) {
    error = "OpenSSL offers no SipHash (EVP_MAC \"SIPHASH\"), which DNS cookies need";
    return nullptr;
  }
  EVP_MAC_CTX* hash = new_siphash(mac, 8);
  EVP_MAC_CTX* derive = new_siphash(mac, 16);
  EVP_MAC_free(mac);  // each context holds its own reference
  if (hash == nullptr || derive == nullptr) {
    EVP_MAC_CTX_free(hash);
    EVP_MAC_CTX_free(derive);
    error = "OpenSSL could not make a SipHash context for DNS cookies";
    return nullptr;
  }
  return std::unique_ptr<ServerCookies>(new ServerCookies(secrets, hash, derive));
}

ServerCookies::~ServerCookies() {
  EVP_MAC_CTX_free(hash_);
  EVP_MAC_CTX_free(derive_);
  OPENSSL_cleanse(cached_.data(), sizeof cached_);
}

// EVP_MAC_init with a key re-keys the context in place (SipHash_Init on the
// provider's struct): no allocation.
bool ServerCookies::hash(const CookieSecret& secret, const uint8_t* client_cookie, const uint8_t* cookie_head,
                         std::span<const uint8_t> client_address, uint8_t out[8]) {
  uint8_t input[kClientCookieSize + 8 + 16];
  std::memcpy(input, client_cookie, kClientCookieSize);
  std::memcpy(input + kClientCookieSize, cookie_head, 8);
  std::memcpy(input + kClientCookieSize + 8, client_address.data(), client_address.size());
  size_t length = 0;
  return EVP_MAC_init(hash_, secret.data(), secret.size(), nullptr) == 1 &&
         EVP_MAC_update(hash_, input, kClientCookieSize + 8 + client_address.size()) == 1 &&
         EVP_MAC_final(hash_, out, &length, 8) == 1 && length == 8;
}

bool ServerCookies::derive(uint32_t period, CookieSecret& out) {
  uint8_t input[sizeof kDeriveLabel + 4];
  std::memcpy(input, kDeriveLabel, sizeof kDeriveLabel);
  put_u32(input + sizeof kDeriveLabel, period);
  size_t length = 0;
  return EVP_MAC_init(derive_, secrets_.master.data(), secrets_.master.size(), nullptr) == 1 &&
         EVP_MAC_update(derive_, input, sizeof input) == 1 &&
         EVP_MAC_final(derive_, out.data(), &length, out.size()) == 1 && length == out.size();
}

const CookieSecret* ServerCookies::period_secret(uint32_t period) {
  // Periods are looked up around the current time: keep the three a query
  // can name (previous, current, next) and derive them again once a period.
  if (!cached_ready_ || period > cached_period_ + 1 || period + 1 < cached_period_) {
    cached_ready_ = false;
    for (uint32_t i = 0; i < 3; ++i)
      if (!derive(period - 1 + i, cached_[i])) return nullptr;
    cached_period_ = period;
    cached_ready_ = true;
  }
  return &cached_[period + 1 - cached_period_];
}

bool ServerCookies::make(std::span<const uint8_t, kClientCookieSize> client_cookie,
                         std::span<const uint8_t> client_address, uint32_t timestamp,
                         std::span<uint8_t, kServerCookieSize> out) {
  if (client_address.size() != 4 && client_address.size() != 16) return false;
  const CookieSecret* secret =
      secrets_.mode == CookieSecrets::Mode::Fixed ? &secrets_.current : period_secret(timestamp / kRotationPeriod);
  if (secret == nullptr) return false;
  out[0] = kVersion;
  out[1] = out[2] = out[3] = 0;  // reserved: zero on construction (RFC 9018 section 4.2)
  put_u32(out.data() + 4, timestamp);
  return hash(*secret, client_cookie.data(), out.data(), client_address, out.data() + 8);
}

ServerCookies::Verdict ServerCookies::verify(std::span<const uint8_t, kClientCookieSize> client_cookie,
                                             std::span<const uint8_t> server_cookie,
                                             std::span<const uint8_t> client_address, uint32_t now) {
  // Only a 16-byte version 1 cookie can be ours (RFC 9018 section 4.4: the
  // length fixes the hash input, so an IPv4 cookie cannot pass for IPv6).
  if (server_cookie.size() != kServerCookieSize || server_cookie[0] != kVersion) return Verdict::Invalid;
  if (client_address.size() != 4 && client_address.size() != 16) return Verdict::Invalid;
  const uint32_t made = read_u32(server_cookie.data() + 4);
  const int32_t age = int32_t(now - made);  // serial number arithmetic (RFC 1982)
  if (age > int32_t(kMaxAge) || age < -int32_t(kMaxAhead)) return Verdict::Invalid;

  // The reserved bytes are hashed as received (RFC 9018 section 4.2).
  uint8_t expected[8];
  bool current = true;
  bool matched = false;
  if (secrets_.mode == CookieSecrets::Mode::Fixed) {
    matched = hash(secrets_.current, client_cookie.data(), server_cookie.data(), client_address, expected) &&
              CRYPTO_memcmp(expected, server_cookie.data() + 8, 8) == 0;
    if (!matched && secrets_.previous) {
      current = false;
      matched = hash(*secrets_.previous, client_cookie.data(), server_cookie.data(), client_address, expected) &&
                CRYPTO_memcmp(expected, server_cookie.data() + 8, 8) == 0;
    }
  } else {
    const uint32_t period = made / kRotationPeriod;
    const CookieSecret* secret = period_secret(period);
    current = period == now / kRotationPeriod;
    matched = secret != nullptr && hash(*secret, client_cookie.data(), server_cookie.data(), client_address, expected) &&
              CRYPTO_memcmp(expected, server_cookie.data() + 8, 8) == 0;
  }
  if (!matched) return Verdict::Invalid;
  return current && age < int32_t(kRenewAge) ? Verdict::Fresh : Verdict::Renew;
}

CookieStatus ServerCookies::check(std::span<const uint8_t> option, std::span<const uint8_t> client_address,
                                  uint32_t now, std::span<uint8_t, kServerCookieSize> reply) {
  const std::span<const uint8_t, kClientCookieSize> client_cookie = option.first<kClientCookieSize>();
  const std::span<const uint8_t> server_cookie = option.subspan(kClientCookieSize);
  CookieStatus status = CookieStatus::ClientOnly;
  if (!server_cookie.empty()) {
    const Verdict verdict = verify(client_cookie, server_cookie, client_address, now);
    if (verdict == Verdict::Fresh) {
      std::memcpy(reply.data(), server_cookie.data(), kServerCookieSize);
      return CookieStatus::Valid;
    }
    status = verdict == Verdict::Renew ? CookieStatus::Valid : CookieStatus::Invalid;
  }
  if (!make(client_cookie, client_address, now, reply)) return CookieStatus::None;
  return status;
}

}  // namespace dnsd
