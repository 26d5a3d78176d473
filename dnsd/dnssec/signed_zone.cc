#include "dnsd/dnssec/signed_zone.h"

#include <algorithm>

namespace dnsd::dnssec {
namespace {

void put16(std::vector<uint8_t>& b, size_t v) {
  b.push_back(uint8_t(v >> 8));
  b.push_back(uint8_t(v));
}

SigRef append_sigs(std::vector<uint8_t>& blob, std::span<const uint8_t> rrsigs, size_t each) {
  SigRef r{uint32_t(blob.size()), 0};
  for (size_t at = 0; each > 0 && at + each <= rrsigs.size(); at += each, ++r.count) {
    put16(blob, each);
    blob.insert(blob.end(), rrsigs.begin() + long(at), rrsigs.begin() + long(at + each));
  }
  return r;
}

}  // namespace

SigRef BlobWriter::add_sigs(std::span<const uint8_t> rrsigs, size_t each) { return append_sigs(blob_, rrsigs, each); }

NsecRef BlobWriter::add_nsec(std::span<const uint8_t> rdata, std::span<const uint8_t> rrsigs, size_t each) {
  NsecRef r;
  r.rdata_offset = uint32_t(blob_.size());
  r.rdata_length = uint16_t(rdata.size());
  blob_.insert(blob_.end(), rdata.begin(), rdata.end());
  r.sigs = append_sigs(blob_, rrsigs, each);
  return r;
}

NsecView ZoneSignatures::nsec(uint32_t node) const {
  const uint32_t position = chain_.position_of(node);
  if (position == zones::kNone) return {};
  const NsecRef& r = nsec_[position];
  return {{blob_.data() + r.rdata_offset, r.rdata_length}, {blob_.data() + r.sigs.offset, r.sigs.count}};
}

size_t ZoneSignatures::bytes() const {
  return sizeof(*this) + chain_.bytes() + rrset_sigs_.capacity() * sizeof(SigRef) +
         nsec_.capacity() * sizeof(NsecRef) + blob_.capacity();
}

NsecView VersionSignatures::nsec(uint32_t node) const {
  const auto it = std::lower_bound(nsec_overrides.begin(), nsec_overrides.end(), node,
                                   [](const std::pair<uint32_t, NsecRef>& e, uint32_t n) { return e.first < n; });
  if (it == nsec_overrides.end() || it->first != node) return zone->nsec(node);
  const NsecRef& r = it->second;
  return {{blob.data() + r.rdata_offset, r.rdata_length}, {blob.data() + r.sigs.offset, r.sigs.count}};
}

size_t VersionSignatures::bytes() const {
  return sizeof(*this) + blob.capacity() + dnskey.capacity() * sizeof(dnskey[0]) +
         pool_sigs.capacity() * sizeof(SigRef) + pool_first_window.capacity() * 4 + windows.capacity() * sizeof(SigRef) +
         nsec_overrides.capacity() * sizeof(nsec_overrides[0]) + dnskey_signer_tags.capacity() * 2;
}

}  // namespace dnsd::dnssec
