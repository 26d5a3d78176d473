// The signed data a zone version serves, laid out for the query path to copy:
// RRSIG and NSEC rdata in byte blobs, found by RRset, node or pool RRset with
// no allocation and no search beyond a binary one. Two layers:
// - ZoneSignatures: what does not change with health, made once per Zone
//   object and signing setup (zone-signing key and signature window) by
//   sign_zone (zone_signer.h) and shared by every version that serves them;
// - VersionSignatures: what one version adds, made when the version is
//   published: the SOA's signatures (its serial is the version's), the DNSKEY
//   RRset, each pool RRset as health serves it (the whole set, and every
//   max_answers window of it that an answer can carry), and the NSEC records
//   whose type bitmaps health changed.
// Both are immutable once built; any thread reads them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dnsd/dnssec/nsec_chain.h"
#include "dnsd/dnssec/rrsig_maker.h"
#include "zones/zone.h"

namespace dnsd::dnssec {

struct SigningSetup;  // signing_setup.h

/// Where one RRset's RRSIGs are kept: `count` records at `offset` of a blob,
/// each a 2-byte length and an RRSIG rdata. count 0: unsigned.
struct SigRef {
  uint32_t offset = 0;
  uint16_t count = 0;
};

/// The RRSIG rdatas of one RRset, read from a blob. Query path: no allocation.
class SigList {
 public:
  SigList() = default;
  SigList(const uint8_t* data, uint16_t count) : data_(data), count_(count) {}
  uint16_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  /// Fills `rdata` with the next signature; false after the last.
  bool next(std::span<const uint8_t>& rdata) {
    if (count_ == 0) return false;
    const uint16_t length = uint16_t(data_[0] << 8 | data_[1]);
    rdata = {data_ + 2, length};
    data_ += 2 + length;
    --count_;
    return true;
  }

 private:
  const uint8_t* data_ = nullptr;
  uint16_t count_ = 0;
};

/// One NSEC record as served: its rdata (next name and type bitmap) and signatures.
struct NsecView {
  std::span<const uint8_t> rdata;
  SigList sigs;
  bool found() const { return !rdata.empty(); }
};

/// An NSEC record inside a blob.
struct NsecRef {
  uint32_t rdata_offset = 0;
  uint16_t rdata_length = 0;  ///< 0: none
  SigRef sigs;
};

/// Appends signatures and rdata to a blob; the builder's side of SigRef and NsecRef.
class BlobWriter {
 public:
  explicit BlobWriter(std::vector<uint8_t>& blob) : blob_(blob) {}
  /// Appends the signatures `rrsigs` (RRSIG rdatas back to back, each `each` bytes).
  SigRef add_sigs(std::span<const uint8_t> rrsigs, size_t each);
  /// Appends one NSEC rdata and its signatures.
  NsecRef add_nsec(std::span<const uint8_t> rdata, std::span<const uint8_t> rrsigs, size_t each);

 private:
  std::vector<uint8_t>& blob_;
};

/// The signatures of one Zone object under one zone-signing key and window:
/// every authoritative static RRset but the SOA (its serial is the
/// version's), and the NSEC chain with each pool RRset counted as present.
class ZoneSignatures {
 public:
  /// Signatures of RRset `global` (Node::first_rrset + position); empty for
  /// pool RRsets, the SOA, delegation NS and glue. Any thread.
  SigList rrset(uint32_t global) const {
    const SigRef r = rrset_sigs_[global];
    return {blob_.data() + r.offset, r.count};
  }
  /// The NSEC at `node`, or one that is not found() for names outside the chain.
  NsecView nsec(uint32_t node) const;
  const NsecChain& chain() const { return chain_; }
  uint16_t key_tag() const { return key_tag_; }
  SignatureWindow window() const { return window_; }
  /// Signatures made, for metrics.
  size_t signatures() const { return signatures_; }
  /// Bytes held, for memory reports.
  size_t bytes() const;

 private:
  friend class ZoneSignaturesBuilder;
  explicit ZoneSignatures(const zones::Zone& zone) : chain_(zone) {}
  NsecChain chain_;
  std::vector<SigRef> rrset_sigs_;  ///< per global RRset
  std::vector<NsecRef> nsec_;       ///< per chain position
  std::vector<uint8_t> blob_;
  uint16_t key_tag_ = 0;
  SignatureWindow window_;
  size_t signatures_ = 0;
};

/// What one version adds to its ZoneSignatures (see the top of this file).
struct VersionSignatures {
  std::shared_ptr<const ZoneSignatures> zone;
  /// What it was signed with (signing_setup.h), so the next version can tell what it may reuse.
  std::shared_ptr<const SigningSetup> setup;
  std::vector<uint8_t> blob;
  SigRef soa;
  /// The DNSKEY RRset: rdatas (offset, length into blob), its TTL and signatures.
  std::vector<std::pair<uint32_t, uint16_t>> dnskey;
  uint32_t dnskey_ttl = 0;
  SigRef dnskey_sigs;
  /// Per pool RRset, parallel to the version's PoolContent::rrsets: the
  /// signatures of the whole served set, and where that RRset's window
  /// signatures start in `windows` (one extra end marker). An RRset whose
  /// whole set fits max_answers has no windows: every answer is the whole set.
  std::vector<SigRef> pool_sigs;
  std::vector<uint32_t> pool_first_window;
  std::vector<SigRef> windows;
  /// NSEC records whose type bitmap differs from the ZoneSignatures' one
  /// (a pool RRset served empty), sorted by node.
  std::vector<std::pair<uint32_t, NsecRef>> nsec_overrides;
  /// Key tags of the DNSKEY RRset's signers; the zone-signing key's tag and
  /// the window are the ZoneSignatures'.
  std::vector<uint16_t> dnskey_signer_tags;
  /// Signatures this version made itself (not reused from the one before).
  size_t signatures_made = 0;

  SigList soa_sigs() const { return {blob.data() + soa.offset, soa.count}; }
  SigList dnskey_signatures() const { return {blob.data() + dnskey_sigs.offset, dnskey_sigs.count}; }
  std::span<const uint8_t> dnskey_rdata(size_t i) const { return {blob.data() + dnskey[i].first, dnskey[i].second}; }
  /// Signatures of pool RRset `k` (an index into PoolContent::rrsets) as an
  /// answer carries it: window `start` when the RRset has windows, else the
  /// whole set. Any thread; no allocation.
  SigList pool(size_t k, uint32_t start) const {
    const uint32_t first = pool_first_window[k], end = pool_first_window[k + 1];
    const SigRef r = first + start < end ? windows[first + start] : pool_sigs[k];
    return {blob.data() + r.offset, r.count};
  }
  /// Signatures of the whole served set of pool RRset `k`, as transfers carry it.
  SigList pool_whole(size_t k) const { return {blob.data() + pool_sigs[k].offset, pool_sigs[k].count}; }
  /// The NSEC at `node` as this version serves it. Any thread; no allocation.
  NsecView nsec(uint32_t node) const;
  /// Bytes held by this layer (not the ZoneSignatures).
  size_t bytes() const;
};

}  // namespace dnsd::dnssec
