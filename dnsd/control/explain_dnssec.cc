#include "dnsd/control/explain_dnssec.h"

#include "zones/ldns.h"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dnsd/control/iso_time.h"
#include "dnsd/dnssec/algorithm.h"
#include "dnsd/dnssec/signing_setup.h"
#include "dnsd/query/query.h"
#include "zones/zone_set.h"

namespace dnsd {

using nlohmann::json;

namespace {

json time_json(uint32_t unix_seconds) { return iso_time(uint64_t(unix_seconds) * 1000); }

std::string type_text(uint16_t type) {
  char* s = ldns_rr_type2str(ldns_rr_type(type));
  std::string out = s ? s : "TYPE" + std::to_string(type);
  free(s);
  return out;
}

std::string algorithm_text(uint8_t number) {
  if (number == uint8_t(dnssec::Algorithm::EcdsaP256Sha256) || number == uint8_t(dnssec::Algorithm::Ed25519))
    return dnssec::algorithm_name(dnssec::Algorithm(number));
  return std::to_string(number);
}

json key_json(uint16_t tag, uint8_t algorithm) {
  return json{{"tag", tag}, {"algorithm", algorithm_text(algorithm)}, {"algorithm_number", algorithm}};
}

/// The query with an OPT record asking for DNSSEC records (DO=1), no RD.
std::vector<uint8_t> make_dnssec_query(const zones::Name& name, uint16_t qtype) {
  static constexpr uint8_t kHeader[12] = {0x0E, 0x72, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};
  // Root owner, type OPT, payload 4096, extended rcode 0, version 0, DO, no options.
  static constexpr uint8_t kOpt[11] = {0, 0, 41, 0x10, 0x00, 0, 0, 0x80, 0, 0, 0};
  std::vector<uint8_t> q(sizeof kHeader + name.size() + 4 + sizeof kOpt);
  uint8_t* p = q.data();
  std::memcpy(p, kHeader, sizeof kHeader);
  p += sizeof kHeader;
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  *p++ = uint8_t(qtype >> 8);
  *p++ = uint8_t(qtype);
  *p++ = 0;
  *p++ = 1;  // class IN
  std::memcpy(p, kOpt, sizeof kOpt);
  return q;
}

/// The RRSIGs of one section of the DO=1 answer.
void add_signatures(const ldns_rr_list* list, const char* section, json& out) {
  for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(list, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_RRSIG || ldns_rr_rd_count(rr) < 9) continue;
    char* owner = ldns_rdf2str(ldns_rr_owner(rr));
    json sig = key_json(ldns_rdf2native_int16(ldns_rr_rrsig_keytag(rr)),
                        ldns_rdf2native_int8(ldns_rr_rrsig_algorithm(rr)));
    sig["section"] = section;
    sig["name"] = owner ? zones::lower_text(owner) : "";
    sig["covers"] = type_text(ldns_rdf2native_int16(ldns_rr_rrsig_typecovered(rr)));
    sig["inception"] = time_json(ldns_rdf2native_int32(ldns_rr_rrsig_inception(rr)));
    sig["expiration"] = time_json(ldns_rdf2native_int32(ldns_rr_rrsig_expiration(rr)));
    free(owner);
    out.push_back(std::move(sig));
  }
}

/// The RRSIGs the query path puts in its DO=1 answer (answer and authority sections).
json answer_signatures(const Snapshot& snapshot, const zones::Name& qname, uint16_t qtype) {
  RotationState rotation;
  rotation.resize(snapshot.zones->rotation_slots());
  const std::vector<uint8_t> query = make_dnssec_query(qname, qtype);
  std::vector<uint8_t> response(kMaxMessage);
  const QueryResult result = process_query(query, response, Transport::Tcp, snapshot, rotation);
  json out = json::array();
  ldns_pkt* raw = nullptr;
  if (result.action != QueryAction::Respond || ldns_wire2pkt(&raw, response.data(), result.length) != LDNS_STATUS_OK)
    return out;
  std::unique_ptr<ldns_pkt, void (*)(ldns_pkt*)> pkt(raw, ldns_pkt_free);
  add_signatures(ldns_pkt_answer(pkt.get()), "answer", out);
  add_signatures(ldns_pkt_authority(pkt.get()), "authority", out);
  return out;
}

}  // namespace

json explain_dnssec(const Snapshot& snapshot, uint32_t zone_index, const zones::Name& qname, uint16_t qtype,
                    uint32_t pool_rrset) {
  const ZoneVersion& version = *snapshot.versions[zone_index];
  const auto& sigs = version.signatures;
  if (!sigs || !sigs->zone || !sigs->setup || !sigs->setup->zone_key) return nullptr;
  const dnssec::SigningSetup& setup = *sigs->setup;
  const dnssec::SignatureWindow window = sigs->zone->window();
  json signers = json::array();
  for (const auto& key : setup.dnskey_signers) signers.push_back(key_json(key->key_tag(), uint8_t(key->algorithm())));
  json out{{"signed", true},
           {"zone_key", key_json(sigs->zone->key_tag(), uint8_t(setup.zone_key->algorithm()))},
           {"dnskey_signers", signers},
           {"inception", time_json(window.inception)},
           {"expiration", time_json(window.expiration)},
           {"expiration_ms", uint64_t(window.expiration) * 1000},
           {"signatures", answer_signatures(snapshot, qname, qtype)},
           {"pool_windows", nullptr}};
  const size_t k = pool_rrset == zones::kNone ? PoolContent::npos : version.pools.find(pool_rrset);
  if (k != PoolContent::npos && k + 1 < sigs->pool_first_window.size()) {
    const uint32_t windows = sigs->pool_first_window[k + 1] - sigs->pool_first_window[k];
    if (windows > 0) out["pool_windows"] = windows;
  }
  const bool dnskey = qtype == zones::rrtype::DNSKEY;
  std::string text = "signed: answers to DO=1 queries carry RRSIGs ";
  if (dnskey) {
    text += "by";
    for (size_t i = 0; i < setup.dnskey_signers.size(); ++i)
      text += std::string(i == 0 ? " key " : " and key ") + std::to_string(setup.dnskey_signers[i]->key_tag());
  } else {
    text += "by key " + std::to_string(sigs->zone->key_tag());
  }
  text += " (" + algorithm_text(uint8_t(setup.zone_key->algorithm())) + "), valid until " +
          iso_time(uint64_t(window.expiration) * 1000);
  if (out["pool_windows"].is_number())
    text += "; each of the pool's " + std::to_string(out["pool_windows"].get<uint32_t>()) +
            " rotation windows has a signature of its own";
  out["text"] = text + "; DO=0 answers carry none";
  return out;
}

}  // namespace dnsd
