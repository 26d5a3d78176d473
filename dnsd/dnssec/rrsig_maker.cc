#include "dnsd/dnssec/rrsig_maker.h"

#include <algorithm>
#include <cstring>

#include "dnsd/dnssec/canonical_rdata.h"
#include "zones/name.h"
#include "zones/rdata_parser.h"

namespace dnsd::dnssec {
namespace {

constexpr uint16_t kClassIn = 1;

void put16(std::vector<uint8_t>& out, uint16_t value) {
  out.push_back(uint8_t(value >> 8));
  out.push_back(uint8_t(value));
}

void put32(std::vector<uint8_t>& out, uint32_t value) {
  put16(out, uint16_t(value >> 16));
  put16(out, uint16_t(value));
}

/// Appends the uncompressed wire name `name` lowercased.
void put_lower_name(std::vector<uint8_t>& out, const uint8_t* name, size_t length) {
  for (size_t i = 0; i < length; ++i) out.push_back(zones::lower_byte(name[i]));
}

/// The RRSIG labels field of an owner name (RFC 4034 3.1.3): its labels, not
/// counting the root nor a leading "*"; -1 when `name` is not exactly one
/// valid uncompressed name.
int owner_labels(const uint8_t* name, size_t length) {
  if (length == 0 || length > zones::kMaxNameLength) return -1;
  int labels = 0;
  size_t pos = 0;
  while (pos < length && name[pos] != 0) {
    if (name[pos] > 63) return -1;
    pos += 1 + name[pos];
    ++labels;
  }
  if (pos + 1 != length) return -1;
  const bool wildcard = length >= 2 && name[0] == 1 && name[1] == '*';
  return wildcard ? labels - 1 : labels;
}

}  // namespace

RrsigMaker::RrsigMaker(std::shared_ptr<const SigningKey> key, const uint8_t* signer, size_t signer_length,
                       SignatureWindow window)
    : key_(std::move(key)), window_(window) {
  put_lower_name(signer_, signer, signer_length);
}

bool RrsigMaker::sign(const uint8_t* owner, size_t owner_length, uint16_t type, uint32_t ttl,
                      std::span<const RdataView> rdatas, std::vector<uint8_t>& out, std::string& error) {
  const int labels = owner_labels(owner, owner_length);
  if (labels < 0) {
    error = "an RRset's owner is not a valid uncompressed name";
    return false;
  }
  if (rdatas.empty()) {
    error = zones::name_to_text(owner, owner_length) + " " + zones::rr_type_to_text(type) +
            ": an empty RRset has no signature";
    return false;
  }

  // Each record's canonical rdata, then the RRset in canonical order, once each.
  canonical_.clear();
  records_.clear();
  for (const RdataView& rdata : rdatas) {
    const size_t offset = canonical_.size();
    if (!canonical_rdata(type, rdata.data, rdata.length, canonical_)) {
      error = zones::name_to_text(owner, owner_length) + " " + zones::rr_type_to_text(type) +
              ": a record's rdata does not parse";
      return false;
    }
    records_.push_back({uint32_t(offset), rdata.length});
  }
  const uint8_t* base = canonical_.data();
  std::sort(records_.begin(), records_.end(), [base](const Span& a, const Span& b) {
    return std::lexicographical_compare(base + a.offset, base + a.offset + a.length, base + b.offset,
                                        base + b.offset + b.length);
  });
  const auto last = std::unique(records_.begin(), records_.end(), [base](const Span& a, const Span& b) {
    return a.length == b.length && std::memcmp(base + a.offset, base + b.offset, a.length) == 0;
  });
  records_.erase(last, records_.end());

  // RFC 4034 3.1.8.1: the RRSIG rdata up to the signature, then every record.
  signed_.clear();
  put16(signed_, type);
  signed_.push_back(uint8_t(key_->algorithm()));
  signed_.push_back(uint8_t(labels));
  put32(signed_, ttl);
  put32(signed_, window_.expiration);
  put32(signed_, window_.inception);
  put16(signed_, key_->key_tag());
  signed_.insert(signed_.end(), signer_.begin(), signer_.end());
  const size_t header_size = signed_.size();
  for (const Span& record : records_) {
    put_lower_name(signed_, owner, owner_length);
    put16(signed_, type);
    put16(signed_, kClassIn);
    put32(signed_, ttl);
    put16(signed_, record.length);
    signed_.insert(signed_.end(), base + record.offset, base + record.offset + record.length);
  }

  const size_t start = out.size();
  out.insert(out.end(), signed_.begin(), signed_.begin() + ptrdiff_t(header_size));
  out.resize(start + rrsig_size());
  if (!key_->sign(signed_, std::span<uint8_t>(out).subspan(start + header_size))) {
    out.resize(start);
    error = zones::name_to_text(owner, owner_length) + " " + zones::rr_type_to_text(type) +
            ": OpenSSL could not sign the RRset";
    return false;
  }
  return true;
}

}  // namespace dnsd::dnssec
