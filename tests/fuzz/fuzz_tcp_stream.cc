// libFuzzer harness: arbitrary bytes as one client's TCP stream into a
// TcpSession answering from a small fixed zone (transfers allowed, so AXFR and
// IXFR stream), read in chunks and drained by a consumer whose sizes the input
// also chooses (including a consumer that takes nothing).
//
// Input layout:
//   byte 0      low 4 bits: R read sizes; high 4 bits: W write sizes
//   byte 1      bit 0: a query limit of 3; bit 1: no FIN at the end of the input
//   R bytes     read sizes, each 1 + b*b bytes (0 sizes: one read takes all it can)
//   W bytes     write sizes, each b*b bytes (0 sizes: every write takes all)
//   the rest    the stream, as the client sends it
//
// Checks: the output is a sequence of length-prefixed messages, each a DNS
// response (QR set) that ldns parses, with no bytes left over once drained;
// the output queue never holds more than TcpSession::kQueueBound; a
// session that wants to read has room to read into; the query limit holds;
// a session that reached its end with FIN and nothing left is finished.
#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dnsd/server/responder.h"
#include "dnsd/server/snapshot_store.h"
#include "dnsd/server/tcp_session.h"
#include "dnsd/xfr/transfer_endpoint.h"
#include "zones/json_loader.h"
#include "zones/ldns.h"

using namespace dnsd;

namespace {

#define FUZZ_CHECK(condition)                                                            \
  do {                                                                                   \
    if (!(condition)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

/// "example.test.": a few small answers, a 20 KB TXT set (the queue fills
/// after a dozen of them), 40 names for a transfer of a few messages.
std::shared_ptr<const zones::ZoneSet> fuzz_zones() {
  std::string text = R"({"origin": "example.test.", "ttl": 300,
      "transfer": {"allow": ["127.0.0.0/8"]},
      "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 7},
      "records": {"@": {"NS": "ns1", "MX": "10 mail"}, "ns1": {"A": "192.0.2.53"},
                  "mail": {"A": "192.0.2.25"}, "www": {"A": ["192.0.2.10", "192.0.2.11"]},
                  "alias": {"CNAME": "www"}, "*.wild": {"TXT": "wild"},
                  "sub": {"NS": "ns.sub"}, "ns.sub": {"A": "192.0.2.54"},
                  "huge": {"TXT": [)";
  for (int i = 0; i < 80; ++i) text += (i ? ",\"" : "\"") + std::to_string(1000 + i) + std::string(246, 'h') + "\"";
  text += "]}";
  for (int i = 0; i < 40; ++i) text += ", \"h" + std::to_string(i) + "\": {\"A\": \"198.51.100." + std::to_string(i) + "\"}";
  text += "}}";
  zones::LoadResult r = zones::load_zone_json(text, "fuzz.json");
  if (!r.zone) {
    for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    std::abort();
  }
  return std::make_shared<const zones::ZoneSet>(std::vector{r.zone});
}

/// Checks the bytes a consumer takes, message by message, as they come.
struct OutputChecker {
  std::vector<uint8_t> partial;  ///< bytes of a message not yet complete
  size_t messages = 0;

  void take(std::span<const uint8_t> bytes) {
    partial.insert(partial.end(), bytes.begin(), bytes.end());
    size_t pos = 0;
    while (partial.size() - pos >= 2) {
      const size_t length = size_t(partial[pos]) << 8 | partial[pos + 1];
      FUZZ_CHECK(length >= 12);
      if (partial.size() - pos - 2 < length) break;
      const uint8_t* m = partial.data() + pos + 2;
      FUZZ_CHECK((m[2] & 0x80) != 0);  // QR
      ldns_pkt* pkt = nullptr;
      FUZZ_CHECK(ldns_wire2pkt(&pkt, m, length) == LDNS_STATUS_OK);
      ldns_pkt_free(pkt);
      ++messages;
      pos += 2 + length;
    }
    partial.erase(partial.begin(), partial.begin() + pos);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::shared_ptr<const zones::ZoneSet> zones = fuzz_zones();
  if (size < 2) return 0;
  const size_t reads = data[0] & 15, writes = data[0] >> 4;
  const bool limited = data[1] & 1, fin = !(data[1] & 2);
  if (size < 2 + reads + writes) return 0;
  std::vector<size_t> read_sizes, write_sizes;
  for (size_t i = 0; i < reads; ++i) read_sizes.push_back(1 + size_t(data[2 + i]) * data[2 + i]);
  for (size_t i = 0; i < writes; ++i) write_sizes.push_back(size_t(data[2 + reads + i]) * data[2 + reads + i]);
  const uint8_t* stream = data + 2 + reads + writes;
  const size_t stream_size = size - 2 - reads - writes;

  // Fresh per input, so rotation and stats never carry over between inputs.
  SnapshotStore store(1);
  store.publish(Snapshot::standalone(zones));
  xfr::TransferEndpoint transfers(nullptr, [] { return uint64_t(1'700'000'000'000); });
  Responder responder(store, 0, &transfers);
  TcpScratch scratch;
  constexpr uint64_t kLimit = 3;
  TcpSession session(responder, scratch, limited ? kLimit : 0);
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  session.set_peer(reinterpret_cast<const sockaddr*>(&peer), sizeof peer);

  OutputChecker checker;
  size_t pos = 0, read_turn = 0, write_turn = 0;
  auto write = [&](size_t wanted) {
    const std::span<const uint8_t> out = session.output();
    const size_t n = std::min(wanted, out.size());
    checker.take(out.first(n));
    session.consumed(n);
    FUZZ_CHECK(session.queued_bytes() <= TcpSession::kQueueBound);
    return n;
  };
  // Stops once a whole cycle of write sizes moves nothing (a consumer that takes nothing).
  for (size_t stuck = 0; stuck < 2 + writes && !session.broken();) {
    bool moved = false;
    if (session.wants_read() && pos < stream_size) {
      const std::span<uint8_t> space = session.read_space();
      FUZZ_CHECK(!space.empty());
      size_t n = read_sizes.empty() ? SIZE_MAX : read_sizes[read_turn++ % read_sizes.size()];
      n = std::min({n, space.size(), stream_size - pos});
      std::memcpy(space.data(), stream + pos, n);
      pos += n;
      session.received(n);
      FUZZ_CHECK(session.queued_bytes() <= TcpSession::kQueueBound);
      moved = true;
    }
    moved |= write(write_sizes.empty() ? SIZE_MAX : write_sizes[write_turn++ % write_sizes.size()]) > 0;
    stuck = moved ? 0 : stuck + 1;
  }
  FUZZ_CHECK(session.read_buffer_size() <= TcpSession::kMaxReadBuffer);
  if (limited) FUZZ_CHECK(session.queries() <= kLimit);
  if (session.broken()) return 0;  // the connection closes at once: the rest is discarded

  // A consumer that takes nothing stops here; one that takes anything drains it all.
  if (write_sizes.empty() || *std::max_element(write_sizes.begin(), write_sizes.end()) > 0) {
    if (fin && pos == stream_size) session.peer_closed();
    while (write(SIZE_MAX) > 0) {
    }
    FUZZ_CHECK(checker.partial.empty());
    FUZZ_CHECK(session.queued_bytes() == 0);
    if (fin && pos == stream_size) FUZZ_CHECK(session.finished());
    // Once the queue is empty the session reads again, unless it is done.
    if (!session.finished()) FUZZ_CHECK(session.wants_read() || pos == stream_size);
  }
  return 0;
}
