// Reading a secondary's reply to our NOTIFY (dnsd/xfr/notify_message.h) from
// arbitrary bytes. What it accepts must be what the header says (ID, rcode,
// QR, opcode NOTIFY, one question) and its zone a valid name: a NOTIFY built
// for that zone parses in ldns with the same question name.
#include <cstring>
#include <string>
#include <vector>

#include "dnsd/xfr/notify_message.h"
#include "tests/fuzz/fuzz_fixture.h"
#include "zones/ldns.h"

using namespace dnsd;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto reply = xfr::parse_notify_response(std::span<const uint8_t>(data, size));
  if (!reply) return 0;
  FUZZ_CHECK(size >= 12);
  FUZZ_CHECK(reply->id == uint16_t(data[0] << 8 | data[1]));
  FUZZ_CHECK(reply->rcode == (data[3] & 0x0F));
  FUZZ_CHECK((data[2] & 0x80) && ((data[2] >> 3) & 0x0F) == xfr::kOpcodeNotify);
  FUZZ_CHECK(data[4] == 0 && data[5] == 1);
  FUZZ_CHECK(!reply->zone.wire.empty() && reply->zone.wire.size() <= 255 && reply->zone.wire.back() == '\0');

  // SOA rdata: mname ".", rname ".", serial 7, then refresh, retry, expire, minimum.
  static const uint8_t soa[] = {0, 0, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
  std::string error;
  const std::vector<uint8_t> notify = xfr::build_notify(reply->id, reply->zone, 60, soa, 7, error);
  FUZZ_CHECK(!notify.empty());
  ldns_pkt* pkt = nullptr;
  FUZZ_CHECK(ldns_wire2pkt(&pkt, notify.data(), notify.size()) == LDNS_STATUS_OK);
  const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
  FUZZ_CHECK(question != nullptr);
  const ldns_rdf* owner = ldns_rr_owner(question);
  FUZZ_CHECK(ldns_rdf_size(owner) == reply->zone.wire.size() &&
             std::memcmp(ldns_rdf_data(owner), reply->zone.wire.data(), reply->zone.wire.size()) == 0);
  ldns_pkt_free(pkt);
  return 0;
}
