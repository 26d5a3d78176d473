#include "dnsd/dnssec/zone_signer.h"

#include <algorithm>
#include <thread>

#include "dnsd/dnssec/type_bitmap.h"

namespace dnsd::dnssec {

// ZoneSignatures is built here; its fields are private to everyone else.
class ZoneSignaturesBuilder {
 public:
  static std::shared_ptr<const ZoneSignatures> build(const zones::Zone& zone, const SigningSetup& setup,
                                                     unsigned threads, std::string& error);
};

namespace rr = zones::rrtype;

bool signed_statically(const zones::Zone& zone, const zones::Node& node, const zones::RRset& set) {
  if (set.pool != zones::kNone || &set == &zone.soa()) return false;
  if (node.flags & zones::node_flag::kOccluded) return false;
  if ((node.flags & zones::node_flag::kDelegation) && !(node.flags & zones::node_flag::kApex)) return set.type == rr::DS;
  return true;
}

void make_nsec_rdata(const zones::Zone& zone, const NsecChain& chain, uint32_t node,
                     const std::function<bool(uint32_t)>& pool_served, std::vector<uint8_t>& out) {
  const zones::Node& next = zone.node(chain.next_of(node));
  out.assign(zone.node_name(next), zone.node_name(next) + next.name_length);
  std::vector<uint16_t> types;
  nsec_types(zone, node, pool_served, types);
  append_type_bitmap(types, out);
}

namespace {

/// What one signing thread did.
struct Part {
  size_t signatures = 0;
  std::string error;
};

/// Where the signed data of each chain position goes in the zone's one blob
/// (one entry more than positions: the end), worked out before signing so
/// that every thread writes its share in place and nothing is copied or
/// held twice. Each signed RRset takes one signature of `each` bytes behind
/// a 2-byte length; each NSEC its rdata and one signature.
std::vector<size_t> lay_out(const zones::Zone& zone, const NsecChain& chain, size_t each) {
  std::vector<size_t> offsets(chain.size() + 1);
  std::vector<uint8_t> nsec;
  const auto all_pools = [](uint32_t) { return true; };
  size_t at = 0;
  for (size_t position = 0; position < chain.size(); ++position) {
    offsets[position] = at;
    const uint32_t n = chain.node_at(position);
    const zones::Node& node = zone.node(n);
    for (const zones::RRset& set : zone.rrsets(node))
      if (signed_statically(zone, node, set)) at += 2 + each;
    make_nsec_rdata(zone, chain, n, all_pools, nsec);
    at += nsec.size() + 2 + each;
  }
  offsets[chain.size()] = at;
  return offsets;
}

void put_signature(uint8_t* blob, size_t at, const std::vector<uint8_t>& rrsig) {
  blob[at] = uint8_t(rrsig.size() >> 8);
  blob[at + 1] = uint8_t(rrsig.size());
  std::copy(rrsig.begin(), rrsig.end(), blob + at + 2);
}

/// Signs chain positions [first, last) into their places of `blob`, filling
/// their entries of `rrset_sigs` and `nsecs` (no other thread touches them).
void sign_part(const zones::Zone& zone, const NsecChain& chain, const SigningSetup& setup, size_t first, size_t last,
               const std::vector<size_t>& offsets, uint8_t* blob, SigRef* rrset_sigs, NsecRef* nsecs, Part& out) {
  RrsigMaker maker(setup.zone_key, zone.origin(), zone.origin_length(), setup.window);
  const size_t each = maker.rrsig_size();
  std::vector<RdataView> rdatas;
  std::vector<uint8_t> sig, nsec;
  const auto all_pools = [](uint32_t) { return true; };
  const auto sign = [&](const uint8_t* owner, size_t owner_length, uint16_t type, uint32_t ttl) {
    sig.clear();
    if (!maker.sign(owner, owner_length, type, ttl, rdatas, sig, out.error)) return false;
    if (sig.size() == each) return true;
    out.error = "an RRSIG of unexpected size";
    return false;
  };
  for (size_t position = first; position < last; ++position) {
    size_t at = offsets[position];
    const uint32_t n = chain.node_at(position);
    const zones::Node& node = zone.node(n);
    const uint8_t* owner = zone.node_name(node);
    const auto sets = zone.rrsets(node);
    for (uint32_t j = 0; j < sets.size(); ++j) {
      const zones::RRset& set = sets[j];
      if (!signed_statically(zone, node, set)) continue;
      rdatas.clear();
      for (const zones::Record& r : zone.records(set)) rdatas.push_back({zone.rdata(r), r.rdata_length});
      if (!sign(owner, node.name_length, set.type, set.ttl)) return;
      put_signature(blob, at, sig);
      rrset_sigs[node.first_rrset + j] = {uint32_t(at), 1};
      at += 2 + each;
      ++out.signatures;
    }
    make_nsec_rdata(zone, chain, n, all_pools, nsec);
    rdatas.assign(1, RdataView{nsec.data(), uint16_t(nsec.size())});
    if (!sign(owner, node.name_length, rr::NSEC, zone.negative_ttl())) return;
    NsecRef& ref = nsecs[position];
    ref.rdata_offset = uint32_t(at);
    ref.rdata_length = uint16_t(nsec.size());
    std::copy(nsec.begin(), nsec.end(), blob + at);
    at += nsec.size();
    put_signature(blob, at, sig);
    ref.sigs = {uint32_t(at), 1};
    at += 2 + each;
    ++out.signatures;
  }
}

}  // namespace

std::shared_ptr<const ZoneSignatures> ZoneSignaturesBuilder::build(const zones::Zone& zone, const SigningSetup& setup,
                                                                   unsigned threads, std::string& error) {
  if (!setup.zone_key) {
    error = "no key to sign the zone with";
    return nullptr;
  }
  std::shared_ptr<ZoneSignatures> z(new ZoneSignatures(zone));
  const NsecChain& chain = z->chain_;
  // Every signed RRset belongs to a chain node: occluded names and empty
  // non-terminals have nothing to sign.
  const size_t total = chain.size();
  const size_t each = RrsigMaker(setup.zone_key, zone.origin(), zone.origin_length(), setup.window).rrsig_size();
  const std::vector<size_t> offsets = lay_out(zone, chain, each);
  if (offsets[total] > UINT32_MAX) {
    error = "the zone's signatures would take more than 4 GiB";
    return nullptr;
  }
  z->blob_.resize(offsets[total]);
  z->rrset_sigs_.assign(zone.rrset_count(), SigRef{});
  z->nsec_.assign(total, NsecRef{});

  threads = unsigned(std::clamp<size_t>(total / 2000, 1, std::max(1u, threads)));
  std::vector<Part> parts(threads);
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    const size_t first = total * t / threads, last = total * (t + 1) / threads;
    const auto run = [&, t, first, last] {
      sign_part(zone, chain, setup, first, last, offsets, z->blob_.data(), z->rrset_sigs_.data(), z->nsec_.data(),
                parts[t]);
    };
    if (t + 1 == threads) run();
    else workers.emplace_back(run);
  }
  for (std::thread& w : workers) w.join();
  for (const Part& p : parts) {
    if (!p.error.empty()) {
      error = p.error;
      return nullptr;
    }
    z->signatures_ += p.signatures;
  }
  z->key_tag_ = setup.zone_key->key_tag();
  z->window_ = setup.window;
  return z;
}

std::shared_ptr<const ZoneSignatures> sign_zone(const zones::Zone& zone, const SigningSetup& setup, unsigned threads,
                                                std::string& error) {
  return ZoneSignaturesBuilder::build(zone, setup, threads, error);
}

}  // namespace dnsd::dnssec
