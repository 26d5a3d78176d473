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

/// The signatures one thread made for a slice of the zone's nodes: offsets
/// relative to its own blob until they are joined.
struct Slice {
  std::vector<uint8_t> blob;
  std::vector<std::pair<uint32_t, SigRef>> rrsets;  ///< global RRset index and its signatures
  std::vector<std::pair<uint32_t, NsecRef>> nsecs;  ///< chain position and its NSEC
  size_t signatures = 0;
  std::string error;
};

void sign_slice(const zones::Zone& zone, const NsecChain& chain, const SigningSetup& setup, size_t first,
                size_t last, Slice& out) {
  RrsigMaker maker(setup.zone_key, zone.origin(), zone.origin_length(), setup.window);
  const size_t each = maker.rrsig_size();
  BlobWriter writer(out.blob);
  std::vector<RdataView> rdatas;
  std::vector<uint8_t> sigs, nsec;
  const auto all_pools = [](uint32_t) { return true; };
  for (size_t position = first; position < last; ++position) {
    const uint32_t n = chain.node_at(position);
    const zones::Node& node = zone.node(n);
    const uint8_t* owner = zone.node_name(node);
    const auto sets = zone.rrsets(node);
    for (uint32_t j = 0; j < sets.size(); ++j) {
      const zones::RRset& set = sets[j];
      if (!signed_statically(zone, node, set)) continue;
      rdatas.clear();
      for (const zones::Record& r : zone.records(set)) rdatas.push_back({zone.rdata(r), r.rdata_length});
      sigs.clear();
      if (!maker.sign(owner, node.name_length, set.type, set.ttl, rdatas, sigs, out.error)) return;
      out.rrsets.emplace_back(node.first_rrset + j, writer.add_sigs(sigs, each));
      ++out.signatures;
    }
    make_nsec_rdata(zone, chain, n, all_pools, nsec);
    const RdataView view{nsec.data(), uint16_t(nsec.size())};
    sigs.clear();
    if (!maker.sign(owner, node.name_length, rr::NSEC, zone.negative_ttl(), std::span(&view, 1), sigs, out.error))
      return;
    out.nsecs.emplace_back(uint32_t(position), writer.add_nsec(nsec, sigs, each));
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
  threads = unsigned(std::clamp<size_t>(total / 2000, 1, std::max(1u, threads)));
  std::vector<Slice> slices(threads);
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    const size_t first = total * t / threads, last = total * (t + 1) / threads;
    if (t + 1 == threads) sign_slice(zone, chain, setup, first, last, slices[t]);
    else workers.emplace_back([&, t, first, last] { sign_slice(zone, chain, setup, first, last, slices[t]); });
  }
  for (std::thread& w : workers) w.join();

  size_t bytes = 0;
  for (const Slice& s : slices) {
    if (!s.error.empty()) {
      error = s.error;
      return nullptr;
    }
    bytes += s.blob.size();
  }
  z->blob_.reserve(bytes);
  z->rrset_sigs_.assign(zone.rrset_count(), SigRef{});
  z->nsec_.assign(total, NsecRef{});
  for (const Slice& s : slices) {
    const uint32_t base = uint32_t(z->blob_.size());
    z->blob_.insert(z->blob_.end(), s.blob.begin(), s.blob.end());
    for (const auto& [global, ref] : s.rrsets) z->rrset_sigs_[global] = {ref.offset + base, ref.count};
    for (auto [position, ref] : s.nsecs) {
      ref.rdata_offset += base;
      ref.sigs.offset += base;
      z->nsec_[position] = ref;
    }
    z->signatures_ += s.signatures;
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
