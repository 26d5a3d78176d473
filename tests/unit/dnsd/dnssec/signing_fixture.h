// What the signing tests share: a fixed Ed25519 signing setup (Ed25519 signs
// deterministically, so equal input gives equal bytes), a SigningSource that
// hands it to the versioner, and checks of RRSIG rdata against ldns's
// verifier, so a wrong signature fails the test. Test thread only.
#pragma once

#include <doctest.h>

#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dnsd/dnssec/signing_source.h"
#include "dnsd/dnssec/zone_signer.h"
#include "tests/unit/dnsd/dnssec/ldns_records.h"
#include "zones/json_loader.h"

namespace dnsd::test {

/// The window every test signature carries, and a moment inside it.
inline constexpr dnssec::SignatureWindow kSigningWindow = {1764547200, 1767225600};
inline constexpr time_t kInsideSigningWindow = 1765000000;

/// A fresh key of `algorithm` (CSK flags).
inline std::shared_ptr<const dnssec::SigningKey> make_signing_key(
    dnssec::Algorithm algorithm = dnssec::Algorithm::Ed25519) {
  std::string error;
  auto key = dnssec::SigningKey::generate(algorithm, dnssec::kCskFlags, error);
  REQUIRE_MESSAGE(key, error);
  return key;
}

/// A setup where `key` signs everything and is the whole DNSKEY RRset.
inline std::shared_ptr<const dnssec::SigningSetup> setup_with(std::shared_ptr<const dnssec::SigningKey> key,
                                                              dnssec::SignatureWindow window = kSigningWindow) {
  auto setup = std::make_shared<dnssec::SigningSetup>();
  setup->zone_key = key;
  setup->dnskey = {key};
  setup->dnskey_signers = {key};
  setup->window = window;
  setup->dnskey_ttl = 3600;
  return setup;
}

/// Signs with one fixed setup, as the server's signing service would with
/// one key and one window; counts the static signings it is asked for.
class FixedSigningSource : public dnssec::SigningSource {
 public:
  explicit FixedSigningSource(std::shared_ptr<const dnssec::SigningSetup> setup) : setup_(std::move(setup)) {}
  std::shared_ptr<const dnssec::SigningSetup> setup(const std::shared_ptr<const zones::Zone>&, std::string&) override {
    return setup_;
  }
  std::shared_ptr<const dnssec::ZoneSignatures> zone_signatures(const std::shared_ptr<const zones::Zone>& zone,
                                                                const dnssec::SigningSetup& setup,
                                                                std::string& error) override {
    ++zone_signings;
    return dnssec::sign_zone(*zone, setup, 1, error);
  }
  void replace(std::shared_ptr<const dnssec::SigningSetup> setup) { setup_ = std::move(setup); }
  size_t zone_signings = 0;

 private:
  std::shared_ptr<const dnssec::SigningSetup> setup_;
};

/// Frees an ldns record list and its records.
struct LdnsListDeleter {
  void operator()(ldns_rr_list* list) const { ldns_rr_list_deep_free(list); }
};
using LdnsList = std::unique_ptr<ldns_rr_list, LdnsListDeleter>;

/// Whether ldns accepts `rrsig` (an RRSIG rdata) at `owner` over the records
/// `rdatas` of `type` with TTL `ttl` at `owner`, under `key`'s DNSKEY at `now`.
inline ldns_status ldns_check_rrsig(std::span<const uint8_t> owner, uint16_t type, uint32_t ttl,
                                    const std::vector<std::span<const uint8_t>>& rdatas,
                                    std::span<const uint8_t> rrsig, const dnssec::SigningKey& key,
                                    std::span<const uint8_t> apex, time_t now = kInsideSigningWindow) {
  LdnsList rrset(ldns_rr_list_new());
  for (const auto& rdata : rdatas) ldns_rr_list_push_rr(rrset.get(), ldns_rr_from_wire(owner, type, ttl, rdata).release());
  const auto sig = ldns_rr_from_wire(owner, LDNS_RR_TYPE_RRSIG, ttl, rrsig);
  const auto dnskey = ldns_rr_from_wire(apex, LDNS_RR_TYPE_DNSKEY, 3600, key.dnskey_rdata());
  return ldns_verify_rrsig_time(rrset.get(), sig.get(), dnskey.get(), now);
}

/// Every signature of `sigs` verifies over the RRset; returns how many there were.
inline size_t check_sigs(dnssec::SigList sigs, std::span<const uint8_t> owner, uint16_t type, uint32_t ttl,
                         const std::vector<std::span<const uint8_t>>& rdatas, const dnssec::SigningKey& key,
                         std::span<const uint8_t> apex) {
  size_t n = 0;
  std::span<const uint8_t> rdata;
  while (sigs.next(rdata)) {
    ++n;
    CHECK(ldns_check_rrsig(owner, type, ttl, rdatas, rdata, key, apex) == LDNS_STATUS_OK);
  }
  return n;
}

/// A zone from zone-file JSON; fails the test when it does not load.
inline std::shared_ptr<const zones::Zone> load_json_zone(const std::string& text) {
  const zones::LoadResult r = zones::load_zone_json(text, "test.json");
  std::string errors;
  for (const auto& e : r.errors) errors += e.to_string() + "\n";
  REQUIRE_MESSAGE(r.zone, errors);
  return r.zone;
}

/// Index of the node named `text` (absolute, lowercase) in `zone`; fails the test when absent.
inline uint32_t node_named(const zones::Zone& zone, const std::string& text) {
  for (uint32_t n = 0; n < zone.node_count(); ++n)
    if (zones::name_to_text(zone.node_name(zone.node(n)), zone.node(n).name_length) == text) return n;
  FAIL("no node " << text);
  return zones::kNone;
}

/// The node's name in wire form.
inline std::span<const uint8_t> node_wire(const zones::Zone& zone, uint32_t node) {
  return {zone.node_name(zone.node(node)), zone.node(node).name_length};
}

/// The static rdatas of an RRset.
inline std::vector<std::span<const uint8_t>> rrset_rdatas(const zones::Zone& zone, const zones::RRset& set) {
  std::vector<std::span<const uint8_t>> out;
  for (const zones::Record& r : zone.records(set)) out.emplace_back(zone.rdata(r), r.rdata_length);
  return out;
}

/// An NSEC rdata in presentation form: "next.name. TYPE TYPE ...".
inline std::string nsec_text(std::span<const uint8_t> owner, std::span<const uint8_t> rdata) {
  const auto rr = ldns_rr_from_wire(owner, LDNS_RR_TYPE_NSEC, 60, rdata);
  std::string text;
  for (size_t i = 0; i < ldns_rr_rd_count(rr.get()); ++i) {
    char* s = ldns_rdf2str(ldns_rr_rdf(rr.get(), i));
    if (!text.empty()) text += ' ';
    text += s;
    free(s);
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

/// An RRSIG rdata's type covered and key tag.
inline uint16_t rrsig_type_covered(std::span<const uint8_t> rrsig) { return uint16_t(rrsig[0] << 8 | rrsig[1]); }
inline uint8_t rrsig_labels(std::span<const uint8_t> rrsig) { return rrsig[3]; }

}  // namespace dnsd::test
