// process_query on arbitrary bytes, as a UDP and as a TCP query, answered from
// the fixture's snapshot. On every Respond it checks what any client relies
// on: the response parses (ldns), carries the query's ID and QR, echoes a
// parseable question byte for byte, fits the size the query allows, and is
// the same bytes when the input is answered again from fresh rotation counters.
#include <cstring>
#include <vector>

#include "dnsd/query/wire_reader.h"
#include "tests/fuzz/fuzz_fixture.h"
#include "zones/ldns.h"

using namespace dnsd;

namespace {

uint16_t get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

/// The question as a parser independent of dnsd's sees it: with QDCOUNT 1, a
/// name of uncompressed labels (each at most 63 bytes, at most 255 in all)
/// followed by type and class, those bytes; otherwise empty. (Not ldns: its
/// wire2pkt leaks on some queries, e.g. two TSIG records.)
std::span<const uint8_t> plain_question(std::span<const uint8_t> query) {
  if (query.size() < 12 || get16(query.data() + 4) != 1) return {};
  size_t at = 12;
  while (at < query.size()) {
    const uint8_t label = query[at];
    if (label > 63) return {};
    at += 1 + label;
    if (at - 12 > 255) return {};
    if (label == 0) break;
  }
  if (at + 4 > query.size() || query[at - 1] != 0) return {};
  return query.subspan(12, at + 4 - 12);
}

/// Answers `query` from fresh rotation counters into `out`.
QueryResult answer(std::span<const uint8_t> query, Transport transport, std::vector<uint8_t>& out) {
  RotationState rotation;
  fuzz::reset_rotation(rotation);
  const QueryContext context = fuzz::make_query_context();
  return process_query(query, out, transport, fuzz::snapshot(), rotation, context);
}

void check(std::span<const uint8_t> query, Transport transport, std::vector<uint8_t>& first,
           std::vector<uint8_t>& second) {
  const QueryResult r = answer(query, transport, first);
  std::memset(second.data(), 0xA5, second.size());  // unwritten bytes would differ from the first run's
  const QueryResult again = answer(query, transport, second);
  FUZZ_CHECK(again.action == r.action);
  if (r.action != QueryAction::Respond) return;

  FUZZ_CHECK(r.length >= 12 && r.length <= first.size());
  FUZZ_CHECK(again.length == r.length && std::memcmp(first.data(), second.data(), r.length) == 0);
  FUZZ_CHECK(again.rcode == r.rcode && again.truncated == r.truncated && again.kind == r.kind &&
             again.kind_hash == r.kind_hash && again.question_end == r.question_end);
  const uint8_t* resp = first.data();

  ldns_pkt* pkt = nullptr;
  FUZZ_CHECK(ldns_wire2pkt(&pkt, resp, r.length) == LDNS_STATUS_OK);
  ldns_pkt_free(pkt);
  FUZZ_CHECK(query.size() >= 12 && resp[0] == query[0] && resp[1] == query[1]);
  FUZZ_CHECK(resp[2] & 0x80);                               // QR
  FUZZ_CHECK(bool(resp[2] & 0x02) == r.truncated);          // TC as reported
  FUZZ_CHECK((resp[3] & 0x0F) == (r.rcode & 0x0F));
  FUZZ_CHECK(r.question_end >= 12 && r.question_end <= r.length);

  ParsedQuery q;
  parse_query(query, q);
  if (q.has_question) {
    FUZZ_CHECK(q.question == query.data() + 12);
    FUZZ_CHECK(get16(resp + 4) == 1 && r.question_end == 12 + q.question_length);
    FUZZ_CHECK(std::memcmp(resp + 12, q.question, q.question_length) == 0);
  }
  const std::span<const uint8_t> asked = plain_question(query);
  if (!asked.empty()) {
    FUZZ_CHECK(get16(resp + 4) == 1 && r.question_end == 12 + asked.size());
    FUZZ_CHECK(std::memcmp(resp + 12, asked.data(), asked.size()) == 0);
  }

  if (transport == Transport::Udp) {
    size_t allowed = 512;
    if (q.has_edns) allowed = std::min<size_t>(std::max<size_t>(q.udp_size, 512), kMaxUdpPayload);
    FUZZ_CHECK(r.length <= allowed);
  }
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
