// A zone's private DNSSEC key: made, saved and loaded with OpenSSL 3 (EVP),
// kept as a PKCS#8 PEM file only its owner may read, and used to sign the
// data RRSIGs cover. Its DNSKEY rdata and key tag are derived once, when the
// key is made or loaded, so signing never looks at the public half again.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dnsd/dnssec/algorithm.h"

// OpenSSL's key type, kept out of this header.
typedef struct evp_pkey_st EVP_PKEY;

namespace dnsd::dnssec {

/// DNSKEY flags of a combined signing key (Zone Key + Secure Entry Point), the
/// one key dnsd signs a zone with.
inline constexpr uint16_t kCskFlags = 257;

/// Key tag of a DNSKEY rdata (RFC 4034 Appendix B), the number RRSIG and DS
/// records name a key by. A checksum, not a hash. Any thread.
uint16_t key_tag(std::span<const uint8_t> dnskey_rdata);

/// A private DNSSEC key and its DNSKEY rdata. Immutable after creation; shared
/// by every thread that signs with it, and sign() may run on many at once.
class SigningKey {
 public:
  /// A fresh key pair of `algorithm`; `flags` is the DNSKEY flags field (257
  /// for a CSK). nullptr with `error` on failure. Any thread.
  static std::shared_ptr<const SigningKey> generate(Algorithm algorithm, uint16_t flags, std::string& error);

  /// Reads a key written by save(), refusing a file others may read or change
  /// and a key that is not of `algorithm` (P-256 for ECDSA). nullptr with
  /// `error` ("PATH: reason") on failure. Blocking file I/O; any thread.
  static std::shared_ptr<const SigningKey> load(const std::string& path, Algorithm algorithm, uint16_t flags,
                                                std::string& error);

  /// Writes the private key to `path` as PKCS#8 PEM with mode 0600,
  /// atomically (a temp file in the same directory, fsync, then a rename that
  /// never replaces): an existing file is refused, never overwritten, so a
  /// zone's key cannot be lost by a second save. False with `error` ("PATH:
  /// reason") on failure. Blocking file I/O; any thread.
  bool save(const std::string& path, std::string& error) const;

  /// The DNSKEY/RRSIG algorithm. Any thread.
  Algorithm algorithm() const { return algorithm_; }
  /// The DNSKEY flags field. Any thread.
  uint16_t flags() const { return flags_; }
  /// Key tag of dnskey_rdata(). Any thread.
  uint16_t key_tag() const { return key_tag_; }

  /// DNSKEY rdata: flags (2 bytes), protocol 3, algorithm, public key (64
  /// bytes X||Y for P-256 per RFC 6605, 32 raw bytes for Ed25519 per RFC
  /// 8080). Any thread.
  std::span<const uint8_t> dnskey_rdata() const { return dnskey_rdata_; }

  /// Signs `data` and writes signature_size(algorithm()) bytes in DNSSEC wire
  /// form to the front of `signature` (r||s for ECDSA, RFC 6605). False on an
  /// OpenSSL failure or a `signature` too small. Any thread, concurrently.
  bool sign(std::span<const uint8_t> data, std::span<uint8_t> signature) const;

  ~SigningKey();
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

 private:
  SigningKey(Algorithm algorithm, uint16_t flags, EVP_PKEY* key, std::vector<uint8_t> dnskey_rdata);
  /// Takes ownership of `key`; derives the DNSKEY rdata from its public half.
  static std::shared_ptr<const SigningKey> adopt(Algorithm algorithm, uint16_t flags, EVP_PKEY* key,
                                                 std::string& error);

  Algorithm algorithm_;
  uint16_t flags_;
  uint16_t key_tag_;
  EVP_PKEY* key_;
  std::vector<uint8_t> dnskey_rdata_;
};

}  // namespace dnsd::dnssec
