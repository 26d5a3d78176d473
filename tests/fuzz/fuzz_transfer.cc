// The transfer plane on arbitrary bytes from 127.0.0.1, over UDP and TCP:
// TransferEndpoint::respond with a keyring holding the fixture's TSIG key
// and zones whose policies allow 127.0.0.1 (with or without that key). Every
// message of the returned stream (at most kMaxMessages) must parse and carry
// the query's ID and QR; over UDP there is one message, within the size the
// query allows. An empty message means "send nothing".
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "dnsd/query/wire_reader.h"
#include "dnsd/xfr/transfer_endpoint.h"
#include "tests/fuzz/fuzz_fixture.h"
#include "zones/ldns.h"

using namespace dnsd;

namespace {

/// Messages read from one stream; a transfer of the fixture's zones needs a handful.
constexpr int kMaxMessages = 64;

xfr::TransferEndpoint& endpoint() {
  static auto* e = new xfr::TransferEndpoint(fuzz::keyring(), [] { return fuzz::kNowMs; });
  return *e;
}

const sockaddr* localhost() {
  static const sockaddr_in peer = [] {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(53000);
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return in;
  }();
  return reinterpret_cast<const sockaddr*>(&peer);
}

void check(std::span<const uint8_t> query, Transport transport) {
  RotationState rotation;
  fuzz::reset_rotation(rotation);
  const auto stream = endpoint().respond(query, localhost(), transport, fuzz::snapshot(), rotation);
  FUZZ_CHECK(stream != nullptr);

  ParsedQuery q;
  parse_query(query, q);
  const size_t udp_limit = q.has_edns ? std::min<size_t>(std::max<size_t>(q.udp_size, 512), kMaxUdpPayload) : 512;

  std::vector<uint8_t> m;
  int messages = 0;
  for (; messages < kMaxMessages && stream->next(m); ++messages) {
    if (m.empty()) continue;
    FUZZ_CHECK(transport == Transport::Tcp || messages == 0);
    FUZZ_CHECK(m.size() <= (transport == Transport::Udp ? udp_limit : kMaxMessage));
    ldns_pkt* pkt = nullptr;
    FUZZ_CHECK(ldns_wire2pkt(&pkt, m.data(), m.size()) == LDNS_STATUS_OK);
    ldns_pkt_free(pkt);
    FUZZ_CHECK(query.size() >= 12 && m[0] == query[0] && m[1] == query[1]);
    FUZZ_CHECK(m[2] & 0x80);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> query(data, size);
  check(query, Transport::Udp);
  check(query, Transport::Tcp);
  return 0;
}
