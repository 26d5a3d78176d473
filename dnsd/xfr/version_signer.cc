#include "dnsd/xfr/version_signer.h"

#include <algorithm>

#include "dnsd/dnssec/zone_signer.h"

namespace dnsd::xfr {
namespace {

namespace rr = zones::rrtype;
using dnssec::RdataView;
using dnssec::SigList;

/// Appends a copy of `sigs` (from another blob) to `blob`.
dnssec::SigRef copy_sigs(SigList sigs, std::vector<uint8_t>& blob) {
  dnssec::SigRef r{uint32_t(blob.size()), 0};
  std::span<const uint8_t> rdata;
  while (sigs.next(rdata)) {
    blob.push_back(uint8_t(rdata.size() >> 8));
    blob.push_back(uint8_t(rdata.size()));
    blob.insert(blob.end(), rdata.begin(), rdata.end());
    ++r.count;
  }
  return r;
}

RdataView member_rdata(const zones::Pool& pool, uint16_t member) {
  const zones::PoolMember& m = pool.members[member];
  return {m.address.data(), uint16_t(m.family == 6 ? 16 : 4)};
}

class Signer {
 public:
  Signer(const ZoneVersion& v, const dnssec::SigningSetup& setup, const ZoneVersion* previous,
         dnssec::VersionSignatures& out, std::string& error)
      : v_(v), zone_(*v.zone), setup_(setup), out_(out), error_(error),
        maker_(setup.zone_key, zone_.origin(), zone_.origin_length(), setup.window), writer_(out.blob) {
    // What the version before signed the same way can be copied.
    if (previous && previous->signatures && previous->zone == v.zone &&
        previous->signatures->zone == out.zone)
      previous_ = previous;
  }

  bool run() {
    return sign_soa() && sign_dnskey() && sign_pools() && sign_nsec_overrides();
  }

 private:
  bool sign(const uint8_t* owner, size_t owner_length, uint16_t type, uint32_t ttl, std::span<const RdataView> rdatas,
            dnssec::SigRef& ref) {
    sigs_.clear();
    if (!maker_.sign(owner, owner_length, type, ttl, rdatas, sigs_, error_)) return false;
    ref = writer_.add_sigs(sigs_, maker_.rrsig_size());
    ++out_.signatures_made;
    return true;
  }

  bool sign_soa() {
    const RdataView soa{v_.soa_rdata.data(), uint16_t(v_.soa_rdata.size())};
    return sign(zone_.origin(), zone_.origin_length(), rr::SOA, zone_.soa().ttl, std::span(&soa, 1), out_.soa);
  }

  bool sign_dnskey() {
    std::vector<RdataView> rdatas;
    out_.dnskey_ttl = setup_.dnskey_ttl;
    for (const auto& key : setup_.dnskey) {
      const auto rdata = key->dnskey_rdata();
      out_.dnskey.emplace_back(uint32_t(out_.blob.size()), uint16_t(rdata.size()));
      out_.blob.insert(out_.blob.end(), rdata.begin(), rdata.end());
    }
    for (const auto& key : setup_.dnskey_signers) out_.dnskey_signer_tags.push_back(key->key_tag());
    if (previous_ && same_dnskey(*previous_->signatures)) {
      out_.dnskey_sigs = copy_sigs(previous_->signatures->dnskey_signatures(), out_.blob);
      return true;
    }
    // The views point into the blob, which does not grow until the signatures are added.
    for (const auto& [offset, length] : out_.dnskey) rdatas.push_back({out_.blob.data() + offset, length});
    sigs_.clear();
    size_t each = 0;
    for (const auto& key : setup_.dnskey_signers) {
      dnssec::RrsigMaker maker(key, zone_.origin(), zone_.origin_length(), setup_.window);
      if (!maker.sign(zone_.origin(), zone_.origin_length(), rr::DNSKEY, setup_.dnskey_ttl, rdatas, sigs_, error_))
        return false;
      each = maker.rrsig_size();
      ++out_.signatures_made;
    }
    out_.dnskey_sigs = writer_.add_sigs(sigs_, each);
    return true;
  }

  bool same_dnskey(const dnssec::VersionSignatures& before) const {
    if (before.dnskey.size() != out_.dnskey.size() || before.dnskey_ttl != out_.dnskey_ttl ||
        before.dnskey_signer_tags != out_.dnskey_signer_tags)
      return false;
    for (size_t i = 0; i < out_.dnskey.size(); ++i) {
      const auto a = before.dnskey_rdata(i), b = out_.dnskey_rdata(i);
      if (!std::equal(a.begin(), a.end(), b.begin(), b.end())) return false;
    }
    return true;
  }

  bool sign_pools() {
    const PoolContent& pools = v_.pools;
    out_.pool_first_window.push_back(0);
    const bool same_layout = previous_ && previous_->pools.rrsets == pools.rrsets;
    size_t k = 0;
    for (uint32_t n = 0; n < zone_.node_count() && k < pools.rrsets.size(); ++n) {
      const zones::Node& node = zone_.node(n);
      const auto sets = zone_.rrsets(node);
      for (uint32_t j = 0; j < sets.size() && k < pools.rrsets.size(); ++j) {
        if (node.first_rrset + j != pools.rrsets[k]) continue;
        const auto served = pools.served(k);
        const auto before = same_layout ? previous_->pools.served(k) : std::span<const uint16_t>{};
        if (same_layout && std::equal(served.begin(), served.end(), before.begin(), before.end()))
          copy_pool(k);
        else if (!sign_pool(node, sets[j], served, same_layout ? k : PoolContent::npos))
          return false;
        out_.pool_first_window.push_back(uint32_t(out_.windows.size()));
        ++k;
      }
    }
    return true;
  }

  void copy_pool(size_t k) {
    const dnssec::VersionSignatures& before = *previous_->signatures;
    out_.pool_sigs.push_back(copy_sigs(before.pool_whole(k), out_.blob));
    for (uint32_t w = before.pool_first_window[k]; w < before.pool_first_window[k + 1]; ++w)
      out_.windows.push_back(copy_sigs(before.pool(k, w - before.pool_first_window[k]), out_.blob));
  }

  // The window of the version before (pool RRset `k`) that holds exactly the
  // members of the answer starting at `start` of `served`, in order, or npos.
  // A member leaving or joining changes only the windows that hold it or
  // that it shifts past the cut; every other answer is one signed before.
  size_t previous_window(size_t k, std::span<const uint16_t> served, size_t start, size_t limit) const {
    if (k == PoolContent::npos) return PoolContent::npos;
    const dnssec::VersionSignatures& before = *previous_->signatures;
    const auto old = previous_->pools.served(k);
    if (old.size() <= limit || before.pool_first_window[k + 1] - before.pool_first_window[k] != old.size())
      return PoolContent::npos;
    const auto at = std::lower_bound(old.begin(), old.end(), served[start]);
    if (at == old.end() || *at != served[start]) return PoolContent::npos;
    const size_t p = size_t(at - old.begin());
    for (size_t i = 1; i < limit; ++i)
      if (old[(p + i) % old.size()] != served[(start + i) % served.size()]) return PoolContent::npos;
    return p;
  }

  bool sign_pool(const zones::Node& node, const zones::RRset& set, std::span<const uint16_t> served,
                 size_t previous_k) {
    // A pool at or below a zone cut is glue: the parent signs none (RFC 4035 2.2).
    if ((node.flags & zones::node_flag::kOccluded) ||
        ((node.flags & zones::node_flag::kDelegation) && !(node.flags & zones::node_flag::kApex))) {
      out_.pool_sigs.push_back({});
      return true;
    }
    const zones::Pool& pool = zone_.pool(set.pool);
    const uint8_t* owner = zone_.node_name(node);
    std::vector<RdataView> rdatas;
    for (const uint16_t m : served) rdatas.push_back(member_rdata(pool, m));
    dnssec::SigRef whole;
    if (!rdatas.empty() && !sign(owner, node.name_length, set.type, set.ttl, rdatas, whole)) return false;
    out_.pool_sigs.push_back(whole);
    const size_t n = served.size(), limit = health::answer_limit(pool);
    if (n <= limit) return true;
    // Every answer is `limit` members from some start on, wrapping (order_candidates).
    for (size_t start = 0; start < n; ++start) {
      if (const size_t p = previous_window(previous_k, served, start, limit); p != PoolContent::npos) {
        out_.windows.push_back(copy_sigs(previous_->signatures->pool(previous_k, uint32_t(p)), out_.blob));
        continue;
      }
      rdatas.clear();
      for (size_t i = 0; i < limit; ++i) rdatas.push_back(member_rdata(pool, served[(start + i) % n]));
      dnssec::SigRef window;
      if (!sign(owner, node.name_length, set.type, set.ttl, rdatas, window)) return false;
      out_.windows.push_back(window);
    }
    return true;
  }

  // A node whose pool RRset is served empty lists one type less in its NSEC.
  bool sign_nsec_overrides() {
    const PoolContent& pools = v_.pools;
    const dnssec::NsecChain& chain = out_.zone->chain();
    const auto served = [&](uint32_t global) {
      const size_t k = pools.find(global);
      return k == PoolContent::npos || !pools.served(k).empty();
    };
    std::vector<uint32_t> nodes;
    for (uint32_t n = 0; n < zone_.node_count(); ++n) {
      const zones::Node& node = zone_.node(n);
      const auto sets = zone_.rrsets(node);
      for (uint32_t j = 0; j < sets.size(); ++j)
        if (sets[j].pool != zones::kNone && !served(node.first_rrset + j) && chain.position_of(n) != zones::kNone) {
          nodes.push_back(n);
          break;
        }
    }
    std::vector<uint8_t> rdata;
    for (const uint32_t n : nodes) {
      const zones::Node& node = zone_.node(n);
      dnssec::make_nsec_rdata(zone_, chain, n, served, rdata);
      if (previous_) {
        const dnssec::NsecView before = previous_->signatures->nsec(n);
        if (std::equal(rdata.begin(), rdata.end(), before.rdata.begin(), before.rdata.end())) {
          dnssec::NsecRef ref;
          ref.rdata_offset = uint32_t(out_.blob.size());
          ref.rdata_length = uint16_t(rdata.size());
          out_.blob.insert(out_.blob.end(), rdata.begin(), rdata.end());
          ref.sigs = copy_sigs(before.sigs, out_.blob);
          out_.nsec_overrides.emplace_back(n, ref);
          continue;
        }
      }
      const RdataView view{rdata.data(), uint16_t(rdata.size())};
      sigs_.clear();
      if (!maker_.sign(zone_.node_name(node), node.name_length, rr::NSEC, zone_.negative_ttl(), std::span(&view, 1),
                       sigs_, error_))
        return false;
      ++out_.signatures_made;
      out_.nsec_overrides.emplace_back(n, writer_.add_nsec(rdata, sigs_, maker_.rrsig_size()));
    }
    return true;
  }

  const ZoneVersion& v_;
  const zones::Zone& zone_;
  const dnssec::SigningSetup& setup_;
  const ZoneVersion* previous_ = nullptr;
  dnssec::VersionSignatures& out_;
  std::string& error_;
  dnssec::RrsigMaker maker_;
  dnssec::BlobWriter writer_;
  std::vector<uint8_t> sigs_;
};

}  // namespace

std::shared_ptr<const dnssec::VersionSignatures> sign_version(
    const ZoneVersion& version, std::shared_ptr<const dnssec::ZoneSignatures> zone_signatures,
    const dnssec::SigningSetup& setup, const ZoneVersion* previous, std::string& error) {
  auto out = std::make_shared<dnssec::VersionSignatures>();
  out->zone = std::move(zone_signatures);
  if (!Signer(version, setup, previous, *out, error).run()) return nullptr;
  return out;
}

}  // namespace dnsd::xfr
