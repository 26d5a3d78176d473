// process_query on arbitrary bytes against a SIGNED zone (Ed25519 key made at
// start-up, signed through the versioner as the server signs), as a UDP and
// a TCP query. Besides what the query harness checks (the response parses,
// echoes ID and question, fits the size allowed, and is the same bytes from
// fresh rotation counters), it checks the DNSSEC properties a validator
// relies on: every RRSIG in the response verifies (ldns) against the zone's
// DNSKEY; in an authoritative response every RRset of the answer and
// authority sections goes with its RRSIG, even when truncated; a referral's
// DS goes with its RRSIG; and an NXDOMAIN that is not truncated carries an
// NSEC that covers the name.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "dnsd/dnssec/signing_source.h"
#include "dnsd/dnssec/zone_signer.h"
#include "dnsd/query/wire_reader.h"
#include "dnsd/xfr/versioner.h"
#include "health/health_view.h"
#include "tests/fuzz/fuzz_fixture.h"
#include "zones/json_loader.h"
#include "zones/ldns.h"

using namespace dnsd;

namespace {

// Every kind of signed answer: pools with max_answers windows (round robin
// and weighted), a pool served empty (its NSEC loses the type), a wildcard,
// an empty non-terminal, CNAME chains, a secure and an insecure delegation
// with glue, MX and SRV targets, and RRsets too big for small UDP sizes.
constexpr const char* kZone = R"({
  "origin": "example.test.", "ttl": 300,
  "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 10, "minimum": 60},
  "dnssec": {"algorithm": "ed25519"},
  "pools": {
    "web": {"ttl": 5, "max_answers": 2,
            "members": ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5", "2001:db8::1", "2001:db8::2"]},
    "weighted": {"policy": "weighted", "max_answers": 1,
                 "members": [{"address": "192.0.2.40", "weight": 10}, {"address": "192.0.2.41", "weight": 1},
                             {"address": "192.0.2.42", "weight": 3}]},
    "dead": {"when_all_down": "serve-none", "check": {"type": "tcp", "port": 80},
             "members": ["192.0.2.20", "192.0.2.21"]}
  },
  "records": {
    "@": {"NS": ["ns1", "ns2.elsewhere.test."], "MX": ["10 mail", "20 mail.other.test."], "TXT": "v=spf1 -all"},
    "ns1": {"A": "192.0.2.53", "AAAA": "2001:db8::53"},
    "mail": {"A": "192.0.2.25", "AAAA": "2001:db8::25"},
    "www": {"A": {"pool": "web"}, "AAAA": {"pool": "web"}, "TXT": "web"},
    "weighted": {"A": {"pool": "weighted"}},
    "dead": {"A": {"pool": "dead"}, "TXT": "dead"},
    "alias": {"CNAME": "alias2"},
    "alias2": {"CNAME": "www"},
    "gone": {"CNAME": "nothing"},
    "out": {"CNAME": "www.other.test."},
    "*.wild": {"A": "192.0.2.99", "TXT": "synthesised"},
    "*.wildc": {"CNAME": "www"},
    "exists.wild": {"TXT": "here"},
    "deep.a.b": {"TXT": "deep"},
    "sub": {"NS": ["ns.sub", "ns.elsewhere.test."],
            "DS": "31589 13 2 DAF37A89A7BD3EF145762B6FEEF1D4F703DFE90D34A7C6642CDC97284E1DC782"},
    "ns.sub": {"A": "192.0.2.54", "AAAA": "2001:db8::54"},
    "insecure": {"NS": "ns.insecure"},
    "ns.insecure": {"A": "192.0.2.55"},
    "_sip._udp": {"SRV": ["10 60 5060 mail", "20 40 5060 ns1"]},
    "big": {"TXT": ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"]},
    "medium": {"TXT": "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm"}
  }
})";

/// The fixture's clock, inside the signatures' window.
constexpr uint32_t kNow = uint32_t(fuzz::kNowMs / 1000);

[[noreturn]] void fixture_failed(const std::string& why) {
  std::fprintf(stderr, "fuzz query_signed fixture: %s\n", why.c_str());
  std::abort();
}

/// One key and one window, as the server's signing service would give them.
class FixedSource : public dnssec::SigningSource {
 public:
  explicit FixedSource(std::shared_ptr<const dnssec::SigningSetup> setup) : setup_(std::move(setup)) {}
  std::shared_ptr<const dnssec::SigningSetup> setup(const std::shared_ptr<const zones::Zone>&, std::string&) override {
    return setup_;
  }
  std::shared_ptr<const dnssec::ZoneSignatures> zone_signatures(const std::shared_ptr<const zones::Zone>& zone,
                                                                const dnssec::SigningSetup& setup,
                                                                std::string& error) override {
    return dnssec::sign_zone(*zone, setup, 1, error);
  }

 private:
  std::shared_ptr<const dnssec::SigningSetup> setup_;
};

struct Signed {
  std::shared_ptr<const Snapshot> snapshot;
  ldns_rr* dnskey = nullptr;  ///< the zone's one DNSKEY, as ldns reads it
  ldns_rdf* origin = nullptr;

  Signed() {
    const zones::LoadResult loaded = zones::load_zone_json(kZone, "signed.json");
    if (!loaded.zone) fixture_failed(loaded.errors.empty() ? "no zone" : loaded.errors[0].to_string());
    auto set = std::make_shared<const zones::ZoneSet>(std::vector{loaded.zone});
    std::shared_ptr<const health::HealthView> view = health::HealthView::unbound(*set);

    std::string error;
    auto key = dnssec::SigningKey::generate(dnssec::Algorithm::Ed25519, dnssec::kCskFlags, error);
    if (!key) fixture_failed(error);
    auto setup = std::make_shared<dnssec::SigningSetup>();
    setup->zone_key = key;
    setup->dnskey = {key};
    setup->dnskey_signers = {key};
    setup->window = {kNow - 86400, kNow + 14 * 86400};
    FixedSource source(setup);
    xfr::Versioner versioner("", {}, [] { return fuzz::kNowMs; });
    versioner.set_signing(&source);
    // Two versions: the second (a web member down) reuses the first's signatures where it can.
    for (int round = 0; round < 2; ++round) {
      if (round == 1) view->health_of(0, 0, 2)->state.store(uint8_t(health::HealthState::Down));
      const xfr::Advance next = versioner.advance(*set, *view, snapshot.get());
      if (!next.signing_errors.empty()) fixture_failed(next.signing_errors[0]);
      snapshot = std::make_shared<const Snapshot>(set, view, 1, snapshot.get(), next.versions);
    }
    if (!snapshot->versions[0]->signatures) fixture_failed("the zone was not signed");

    origin = ldns_dname_new_frm_str("example.test.");
    const auto rdata = key->dnskey_rdata();
    std::vector<uint8_t> wire(ldns_rdf_data(origin), ldns_rdf_data(origin) + ldns_rdf_size(origin));
    const uint8_t fixed[] = {0, 48, 0, 1, 0, 0, 14, 16, uint8_t(rdata.size() >> 8), uint8_t(rdata.size())};
    wire.insert(wire.end(), fixed, fixed + sizeof fixed);
    wire.insert(wire.end(), rdata.begin(), rdata.end());
    size_t pos = 0;
    if (ldns_wire2rr(&dnskey, wire.data(), wire.size(), &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
      fixture_failed("ldns does not read the DNSKEY");
  }
};

const Signed& fixture() {
  static const Signed* f = new Signed;  // never freed: lives as long as the process
  return *f;
}

uint16_t get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

QueryResult answer(std::span<const uint8_t> query, Transport transport, std::vector<uint8_t>& out) {
  RotationState rotation;
  rotation.resize(fixture().snapshot->zones->rotation_slots());
  QueryContext context;
  context.now = kNow;
  return process_query(query, out, transport, *fixture().snapshot, rotation, context);
}

/// The records of `list` with `owner` and `type` (RRSIG: covering `covered`).
ldns_rr_list* rrset_of(const ldns_rr_list* list, const ldns_rdf* owner, ldns_rr_type type) {
  ldns_rr_list* out = ldns_rr_list_new();
  for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(list, i);
    if (ldns_rr_get_type(rr) == type && ldns_dname_compare(ldns_rr_owner(rr), owner) == 0)
      ldns_rr_list_push_rr(out, rr);
  }
  return out;
}

/// Checks one section: every RRSIG verifies over the RRset it covers there,
/// and, when `must_sign` says so for an RRset, it has an RRSIG.
template <typename MustSign>
void check_section(const ldns_rr_list* section, MustSign must_sign) {
  const Signed& f = fixture();
  for (size_t i = 0; i < ldns_rr_list_rr_count(section); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(section, i);
    const ldns_rr_type type = ldns_rr_get_type(rr);
    if (type == LDNS_RR_TYPE_RRSIG) {
      const ldns_rr_type covered = ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr));
      ldns_rr_list* rrset = rrset_of(section, ldns_rr_owner(rr), covered);
      FUZZ_CHECK(ldns_rr_list_rr_count(rrset) > 0);  // no signature without its RRset
      FUZZ_CHECK(ldns_verify_rrsig_time(rrset, rr, f.dnskey, kNow) == LDNS_STATUS_OK);
      ldns_rr_list_free(rrset);
      continue;
    }
    if (!must_sign(rr)) continue;
    bool signed_here = false;
    for (size_t j = 0; j < ldns_rr_list_rr_count(section) && !signed_here; ++j) {
      ldns_rr* sig = ldns_rr_list_rr(section, j);
      signed_here = ldns_rr_get_type(sig) == LDNS_RR_TYPE_RRSIG &&
                    ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig)) == type &&
                    ldns_dname_compare(ldns_rr_owner(sig), ldns_rr_owner(rr)) == 0;
    }
    FUZZ_CHECK(signed_here);
  }
}

void check_dnssec(const uint8_t* resp, size_t length, const ParsedQuery& q) {
  ldns_pkt* pkt = nullptr;
  FUZZ_CHECK(ldns_wire2pkt(&pkt, resp, length) == LDNS_STATUS_OK);
  const bool aa = ldns_pkt_aa(pkt);
  // Every RRSIG verifies, wherever it is.
  const auto any = [](ldns_rr*) { return false; };
  check_section(ldns_pkt_additional(pkt), any);
  // A query for RRSIG is answered with signatures alone (as BIND and Knot
  // do), with or without DO; a query for NSEC with the NSEC record.
  const bool asks_rrsig = q.has_question && q.qtype == LDNS_RR_TYPE_RRSIG;
  const bool asks_nsec = q.has_question && q.qtype == LDNS_RR_TYPE_NSEC;
  if (!q.dnssec_ok || !q.has_question) {
    // Without DO nothing is signed and nothing proved.
    for (const ldns_rr_list* s : {ldns_pkt_answer(pkt), ldns_pkt_authority(pkt), ldns_pkt_additional(pkt)})
      for (size_t i = 0; i < ldns_rr_list_rr_count(s); ++i) {
        const ldns_rr_type t = ldns_rr_get_type(ldns_rr_list_rr(s, i));
        const bool asked = s == ldns_pkt_answer(pkt) && ((asks_rrsig && t == LDNS_RR_TYPE_RRSIG) ||
                                                         (asks_nsec && t == LDNS_RR_TYPE_NSEC));
        FUZZ_CHECK(asked || (t != LDNS_RR_TYPE_RRSIG && t != LDNS_RR_TYPE_NSEC));
      }
    ldns_pkt_free(pkt);
    return;
  }
  // The zone's own data goes with its signatures: everything in answer, and
  // in authority everything but a referral's NS.
  const auto answer_rrset = [](ldns_rr*) { return true; };
  const auto authority_rrset = [aa](ldns_rr* rr) { return aa || ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS; };
  const bool in_zone = ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NOERROR || ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NXDOMAIN;
  if (in_zone) {
    if (!asks_rrsig) check_section(ldns_pkt_answer(pkt), answer_rrset);
    check_section(ldns_pkt_authority(pkt), authority_rrset);
  }
  // RFC 4035 3.1.3.2: an NXDOMAIN for the name asked proves it absent.
  if (ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NXDOMAIN && !ldns_pkt_tc(pkt) && ldns_pkt_ancount(pkt) == 0) {
    ldns_rdf* qname = ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(pkt), 0));
    bool covered = false;
    const ldns_rr_list* authority = ldns_pkt_authority(pkt);
    for (size_t i = 0; i < ldns_rr_list_rr_count(authority) && !covered; ++i) {
      ldns_rr* rr = ldns_rr_list_rr(authority, i);
      covered = ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC && ldns_nsec_covers_name(rr, qname);
    }
    FUZZ_CHECK(covered);
  }
  ldns_pkt_free(pkt);
}

void check(std::span<const uint8_t> query, Transport transport, std::vector<uint8_t>& first,
           std::vector<uint8_t>& second) {
  const QueryResult r = answer(query, transport, first);
  std::memset(second.data(), 0xA5, second.size());
  const QueryResult again = answer(query, transport, second);
  FUZZ_CHECK(again.action == r.action);
  if (r.action != QueryAction::Respond) return;
  FUZZ_CHECK(r.length >= 12 && r.length <= first.size());
  FUZZ_CHECK(again.length == r.length && std::memcmp(first.data(), second.data(), r.length) == 0);
  const uint8_t* resp = first.data();
  FUZZ_CHECK(query.size() >= 12 && resp[0] == query[0] && resp[1] == query[1]);
  FUZZ_CHECK(resp[2] & 0x80);
  FUZZ_CHECK(bool(resp[2] & 0x02) == r.truncated);

  ParsedQuery q;
  parse_query(query, q);
  if (q.has_question) {
    FUZZ_CHECK(get16(resp + 4) == 1 && r.question_end == 12 + q.question_length);
    FUZZ_CHECK(std::memcmp(resp + 12, q.question, q.question_length) == 0);
  }
  if (transport == Transport::Udp) {
    size_t allowed = 512;
    if (q.has_edns) allowed = std::min<size_t>(std::max<size_t>(q.udp_size, 512), kMaxUdpPayload);
    FUZZ_CHECK(r.length <= allowed);
  }
  check_dnssec(resp, r.length, q);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::vector<uint8_t> udp(kMaxUdpPayload), udp_again(kMaxUdpPayload);
  static std::vector<uint8_t> tcp(kMaxMessage), tcp_again(kMaxMessage);
  const std::span<const uint8_t> query(data, size);
  check(query, Transport::Udp, udp, udp_again);
  check(query, Transport::Tcp, tcp, tcp_again);
  return 0;
}
