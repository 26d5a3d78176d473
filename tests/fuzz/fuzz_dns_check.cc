// The DNS health check's pure halves (health/dns_check_wire.h) on arbitrary
// bytes: judging a reply (to the query built for the check, and to the input's
// own question so that the verdict reaches the answer section) under
// expectations the input's last byte chooses, over UDP and TCP; and building
// the probe query from a check's query_name with and without EDNS.
// A reply counts only when it is one (is_reply_to), never when truncated,
// only with an expected rcode, and never without what an expectation asks for
// (checked against ldns's reading of the same bytes when it parses them); every
// probe query that is built parses in ldns with the OPT record as configured.
#include <arpa/inet.h>

#include <algorithm>
#include <string>
#include <vector>

#include "health/dns_check_wire.h"
#include "tests/fuzz/fuzz_fixture.h"
#include "zones/ldns.h"

using namespace dnsd;

namespace {

// Expectations chosen by the bits of `flags`.
zones::CheckSpec spec_for(uint8_t flags) {
  zones::CheckSpec spec;
  spec.type = zones::CheckType::Dns;
  spec.query_name = "health.example.test.";
  spec.query_type = (flags & 4) ? 28 : 1;
  spec.edns = !(flags & 1);
  spec.expect_answer = flags & 2;
  if (flags & 8) spec.expect_address = (flags & 4) ? "2001:db8::1" : "192.0.2.1";
  if (flags & 16) spec.expect_rcode = {0, 3};
  if (flags & 32) spec.expect_rcode = {2, 16};
  return spec;
}

// Whether ldns reads an answer record of `type` (with `address`, when given) in `pkt`.
bool ldns_answer_has(ldns_pkt* pkt, uint16_t type, const std::string& address) {
  ldns_rr_list* answer = ldns_pkt_answer(pkt);
  uint8_t want[16];
  const size_t want_length = address.empty() ? 0 : (type == 28 ? 16 : 4);
  if (want_length) inet_pton(want_length == 16 ? AF_INET6 : AF_INET, address.c_str(), want);
  for (size_t i = 0; i < ldns_rr_list_rr_count(answer); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(answer, i);
    if (ldns_rr_get_type(rr) != type || ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) continue;
    if (!want_length) return true;
    ldns_rdf* rdf = ldns_rr_rd_count(rr) == 1 ? ldns_rr_rdf(rr, 0) : nullptr;
    if (rdf && ldns_rdf_size(rdf) == want_length && std::equal(want, want + want_length, ldns_rdf_data(rdf)))
      return true;
  }
  return false;
}

// Whether the bytes hold, anywhere, a class IN record of `type` (type, class,
// any TTL, rdlength, rdata that fits) whose rdata is `address` when one is
// given. ldns reads the records after an A or AAAA record whose RDLENGTH is
// not 4 or 16 out of step (it takes the address's size, not RDLENGTH), where
// dnsd and dnspython skip by RDLENGTH; when ldns misses a record dnsd found,
// the record's bytes must at least be there.
bool raw_has_rr(const uint8_t* data, size_t size, uint16_t type, const std::string& address) {
  uint8_t want[16];
  size_t want_length = 0;
  if (!address.empty()) {
    want_length = type == 28 ? 16 : 4;
    if (inet_pton(want_length == 16 ? AF_INET6 : AF_INET, address.c_str(), want) != 1) return false;
  }
  for (size_t i = 0; i + 10 <= size; ++i) {
    const uint8_t* r = data + i;
    if (r[0] != type >> 8 || r[1] != (type & 0xFF) || r[2] != 0 || r[3] != 1) continue;
    const size_t rdlength = size_t(r[8]) << 8 | r[9];
    if (i + 10 + rdlength > size) continue;
    if (!want_length || (rdlength == want_length && std::equal(want, want + want_length, r + 10))) return true;
  }
  return false;
}

void judge(const zones::CheckSpec& spec, const std::vector<uint8_t>& query, const uint8_t* data, size_t size) {
  for (auto over : {zones::DnsTransport::Udp, zones::DnsTransport::Tcp}) {
    const health::CheckResult result = health::judge_dns_reply(spec, query, data, size, over);
    FUZZ_CHECK(result.ok == (result.failure == health::FailureKind::None));
    FUZZ_CHECK(result.detail.find('\n') == std::string::npos);
    if (!result.ok) continue;
    FUZZ_CHECK(query.size() >= 2 && health::is_reply_to(data, size, uint16_t(query[0] << 8 | query[1])));
    FUZZ_CHECK(!health::is_truncated(data, size));
    const unsigned low_rcode = data[3] & 0x0F;
    FUZZ_CHECK(std::any_of(spec.expect_rcode.begin(), spec.expect_rcode.end(),
                           [&](uint16_t r) { return (r & 0x0F) == low_rcode; }));
    if (!spec.expect_answer && spec.expect_address.empty()) continue;
    ldns_pkt* pkt = nullptr;
    if (ldns_wire2pkt(&pkt, data, size) != LDNS_STATUS_OK) continue;  // ldns is stricter about rdata
    if (spec.expect_answer && ldns_pkt_qdcount(pkt) == 1) {
      const uint16_t asked = ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(pkt), 0));
      FUZZ_CHECK(asked == 255 || ldns_answer_has(pkt, asked, "") || raw_has_rr(data, size, asked, ""));
    }
    if (!spec.expect_address.empty())
      FUZZ_CHECK(ldns_answer_has(pkt, spec.query_type, spec.expect_address) ||
                 raw_has_rr(data, size, spec.query_type, spec.expect_address));
    ldns_pkt_free(pkt);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint16_t own_id = size >= 2 ? uint16_t(data[0] << 8 | data[1]) : 0;
  const uint8_t flags = size > 0 ? data[size - 1] : 0;
  const zones::CheckSpec spec = spec_for(flags);

  // As the reply to the check's own query (the seeds' question), with the input's ID.
  judge(spec, health::build_dns_query(own_id, spec), data, size);
  judge(spec, health::build_dns_query(uint16_t(own_id ^ 0x5A5A), spec), data, size);
  // As the reply to a query that asked the input's own question: its first
  // bytes with QR cleared and no answers, which the verdict reads as a question.
  if (size >= 12) {
    std::vector<uint8_t> own(data, data + size);
    own[2] &= 0x7F;
    judge(spec, own, data, size);
  }

  // The input as a check's query_name, its length as the type.
  const std::string name(reinterpret_cast<const char*>(data), size);
  for (bool edns : {true, false}) {
    const std::vector<uint8_t> query = health::build_dns_query(own_id, name, uint16_t(size), edns);
    if (query.empty()) return 0;
    ldns_pkt* pkt = nullptr;
    FUZZ_CHECK(ldns_wire2pkt(&pkt, query.data(), query.size()) == LDNS_STATUS_OK);
    FUZZ_CHECK(ldns_pkt_id(pkt) == own_id && ldns_pkt_qdcount(pkt) == 1 && !ldns_pkt_qr(pkt));
    FUZZ_CHECK(ldns_pkt_edns(pkt) == edns);
    if (edns) FUZZ_CHECK(ldns_pkt_edns_udp_size(pkt) == health::kProbeUdpSize && !ldns_pkt_edns_do(pkt));
    ldns_pkt_free(pkt);
  }
  return 0;
}
