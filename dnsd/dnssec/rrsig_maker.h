// RRSIG records (RFC 4034 3) over canonical RRsets, made when a zone version
// is published, never on the query path. One maker holds one key, one signer
// name and one validity window, and keeps its scratch buffers between RRsets,
// so signing a whole zone allocates only while the buffers grow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dnsd/dnssec/signing_key.h"

namespace dnsd::dnssec {

/// When signatures are valid, in unix seconds (written mod 2^32; comparing
/// them with RFC 4034 3.1.5 serial arithmetic is the validator's job).
struct SignatureWindow {
  uint32_t inception = 0;
  uint32_t expiration = 0;
  bool operator==(const SignatureWindow&) const = default;
};

/// One record's rdata in uncompressed wire form.
struct RdataView {
  const uint8_t* data = nullptr;
  uint16_t length = 0;
};

/// Makes RRSIG rdata (RFC 4034 3.1) with one key over one window, for one zone
/// (the signer name). Owned by one thread; many makers may share one key.
class RrsigMaker {
 public:
  /// `signer` is the zone's apex as an uncompressed wire name; it is written
  /// lowercased (RFC 4034 3.1.7). Any thread, then the owning thread only.
  RrsigMaker(std::shared_ptr<const SigningKey> key, const uint8_t* signer, size_t signer_length,
             SignatureWindow window);

  /// Appends to `out` one complete RRSIG rdata over the RRset of `type` at
  /// `owner` (an uncompressed wire name, lowercased here; a leading "*" label
  /// makes it a wildcard, not counted in the labels field), original TTL
  /// `ttl`, records `rdatas` in any order (duplicates count once after
  /// canonicalisation). The signed data is RFC 4034 3.1.8.1's: the RRSIG rdata
  /// without its signature, then each record in canonical form, sorted by
  /// canonical rdata (RFC 4034 6.3). False with `error`, and `out` as it was,
  /// on an OpenSSL failure, an empty RRset, a bad owner or an rdata that does
  /// not parse for its type. The owning thread.
  bool sign(const uint8_t* owner, size_t owner_length, uint16_t type, uint32_t ttl,
            std::span<const RdataView> rdatas, std::vector<uint8_t>& out, std::string& error);

  /// Bytes of every RRSIG rdata this maker makes: 18 + signer name + 64. Any thread.
  size_t rrsig_size() const { return 18 + signer_.size() + signature_size(key_->algorithm()); }
  /// The key it signs with. Any thread.
  const SigningKey& key() const { return *key_; }
  /// The validity window every RRSIG it makes carries. Any thread.
  SignatureWindow window() const { return window_; }

 private:
  /// Where one record's canonical rdata sits in canonical_.
  struct Span {
    uint32_t offset;
    uint16_t length;
  };

  std::shared_ptr<const SigningKey> key_;
  std::vector<uint8_t> signer_;
  SignatureWindow window_;
  std::vector<uint8_t> canonical_;  ///< the RRset's canonical rdatas, back to back
  std::vector<Span> records_;       ///< one per record, sorted and deduplicated
  std::vector<uint8_t> signed_;     ///< the data the signature covers
};

}  // namespace dnsd::dnssec
