// The DNS health check's pure halves (health/dns_check.h) on arbitrary bytes:
// judging a reply (as the reply to a query with the input's own ID and with
// another ID) and building the probe query from a check's query_name.
// A reply counts only when it is one (is_reply_to), succeeds only with
// NOERROR, and every probe query that is built parses in ldns.
#include <string>

#include "health/dns_check.h"
#include "tests/fuzz/fuzz_fixture.h"
#include "zones/ldns.h"

using namespace dnsd;

namespace {

void judge(const uint8_t* data, size_t size, uint16_t id) {
  const bool reply = health::is_reply_to(data, size, id);
  const health::CheckResult result = health::judge_dns_reply(data, size, id);
  FUZZ_CHECK(result.ok == (result.failure == health::FailureKind::None));
  FUZZ_CHECK(result.detail.find('\n') == std::string::npos);
  if (!reply) {
    FUZZ_CHECK(!result.ok);
    return;
  }
  FUZZ_CHECK(result.ok == ((data[3] & 0x0F) == 0));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint16_t own_id = size >= 2 ? uint16_t(data[0] << 8 | data[1]) : 0;
  judge(data, size, own_id);
  judge(data, size, uint16_t(own_id ^ 0x5A5A));

  // The input as a check's query_name, its length as the type.
  const std::string name(reinterpret_cast<const char*>(data), size);
  const std::vector<uint8_t> query = health::build_dns_query(own_id, name, uint16_t(size));
  if (query.empty()) return 0;
  ldns_pkt* pkt = nullptr;
  FUZZ_CHECK(ldns_wire2pkt(&pkt, query.data(), query.size()) == LDNS_STATUS_OK);
  FUZZ_CHECK(ldns_pkt_id(pkt) == own_id && ldns_pkt_qdcount(pkt) == 1 && !ldns_pkt_qr(pkt));
  ldns_pkt_free(pkt);
  return 0;
}
