// TcpSession without a socket: the test is the transport. It feeds the bytes
// of many pipelined queries cut at random points, takes the output in random
// amounts (or not at all), and checks the answers, their order, the bound on
// the output queue, the read buffer shrinking after a long message, the query
// limit, a zero-length message, FIN, and a zone transfer between queries.
#include <arpa/inet.h>
#include <doctest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dnsd/server/responder.h"
#include "dnsd/server/tcp_session.h"
#include "dnsd/xfr/transfer_endpoint.h"
#include "tests/unit/zone_fixture.h"
#include "zones/json_loader.h"

using namespace dnsd;

namespace {

constexpr size_t kZoneNames = 6000;  ///< names of the zone: its AXFR is a few hundred KB

/// "example.test.": small answers, a 500-byte TXT set, a 50 KB TXT set, thousands of names for a long AXFR, and
/// transfers allowed from 127.0.0.0/8.
std::shared_ptr<const zones::ZoneSet> session_zones() {
  std::string text = R"({"origin": "example.test.", "ttl": 300,
      "transfer": {"allow": ["127.0.0.0/8"]},
      "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 7},
      "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"}, "www": {"A": "192.0.2.10"},
                  "big": {"TXT": [")" + std::string(250, 'a') + R"(", ")" + std::string(250, 'b') + R"("]},
                  "huge": {"TXT": [)";
  for (int i = 0; i < 200; ++i) text += (i ? ",\"" : "\"") + std::to_string(1000 + i) + std::string(246, 'h') + "\"";
  text += "]}";
  for (size_t i = 0; i < kZoneNames; ++i) text += ", \"h" + std::to_string(i) + "\": {\"TXT\": \"host number " + std::to_string(i) + "\"}";
  text += "}}";
  const zones::LoadResult r = zones::load_zone_json(text, "session.json");
  std::string errors;
  for (const auto& e : r.errors) errors += e.to_string() + "\n";
  REQUIRE_MESSAGE(r.zone, errors);
  return std::make_shared<const zones::ZoneSet>(std::vector{r.zone});
}

const std::shared_ptr<const zones::ZoneSet>& shared_zones() {
  static const auto set = session_zones();
  return set;
}

/// `query` with its 2-byte length prefix, appended to `out`.
void append_framed(std::vector<uint8_t>& out, const std::vector<uint8_t>& query) {
  out.push_back(uint8_t(query.size() >> 8));
  out.push_back(uint8_t(query.size()));
  out.insert(out.end(), query.begin(), query.end());
}

/// One worker's answering state and one session, fresh per test (rotation
/// and stats start from zero, so two runs answer byte for byte alike).
struct Session {
  SnapshotStore store{1};
  xfr::TransferEndpoint transfers{nullptr, [] { return uint64_t(1'700'000'000'000); }};
  Responder responder{store, 0, &transfers};
  TcpScratch scratch;
  TcpSession session;
  std::vector<uint8_t> written;  ///< everything taken from output()
  size_t max_queued = 0;         ///< the most queued_bytes() seen

  explicit Session(uint64_t max_queries = 0) : session(responder, scratch, max_queries) {
    store.publish(Snapshot::standalone(shared_zones()));
    sockaddr_in peer{};
    peer.sin_family = AF_INET;
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    session.set_peer(reinterpret_cast<const sockaddr*>(&peer), sizeof peer);
  }

  void note() {
    max_queued = std::max(max_queued, session.queued_bytes());
    CHECK(session.queued_bytes() <= TcpSession::kQueueBound);
  }

  /// Reads up to `n` bytes of `in` from `pos` (as one read would); returns how many.
  size_t read(const std::vector<uint8_t>& in, size_t& pos, size_t n) {
    const std::span<uint8_t> space = session.read_space();
    REQUIRE_FALSE(space.empty());
    n = std::min({n, space.size(), in.size() - pos});
    std::memcpy(space.data(), in.data() + pos, n);
    pos += n;
    session.received(n);
    note();
    return n;
  }

  /// Takes up to `n` bytes of output, as a write would; returns how many.
  size_t write(size_t n) {
    const std::span<const uint8_t> out = session.output();
    n = std::min(n, out.size());
    written.insert(written.end(), out.begin(), out.begin() + n);
    session.consumed(n);
    note();
    return n;
  }

  /// Feeds all of `in` as reads of 1..max_read bytes and writes of
  /// 0..max_write bytes chosen by `rng`, as a transport would: reading only
  /// while the session wants to, until nothing moves.
  void run(const std::vector<uint8_t>& in, std::mt19937& rng, size_t max_read, size_t max_write) {
    size_t pos = 0;
    for (int stuck = 0; stuck < 3;) {
      bool moved = false;
      if (session.wants_read() && pos < in.size())
        moved |= read(in, pos, max_read == SIZE_MAX ? SIZE_MAX : 1 + rng() % max_read) > 0;
      moved |= write(max_write == SIZE_MAX ? SIZE_MAX : rng() % (max_write + 1)) > 0;
      stuck = moved ? 0 : stuck + 1;
    }
    if (pos == in.size() && !session.broken()) session.peer_closed();
    while (write(SIZE_MAX) > 0) {
    }
  }

  /// The messages of `written`, split by their length prefixes.
  std::vector<std::vector<uint8_t>> messages() const {
    std::vector<std::vector<uint8_t>> out;
    size_t pos = 0;
    while (pos + 2 <= written.size()) {
      const size_t length = size_t(written[pos]) << 8 | written[pos + 1];
      REQUIRE(pos + 2 + length <= written.size());
      out.emplace_back(written.begin() + pos + 2, written.begin() + pos + 2 + length);
      pos += 2 + length;
    }
    CHECK(pos == written.size());
    return out;
  }
};

/// `count` framed queries with IDs 0, 1, 2..., cycling through answers of
/// 50 to 500 bytes; every `huge_every`th (if not 0) asks for the 50 KB one.
std::vector<uint8_t> pipelined(size_t count, size_t huge_every = 0) {
  const std::vector<std::pair<std::string, ldns_rr_type>> asked = {
      {"www.example.test.", LDNS_RR_TYPE_A},  {"big.example.test.", LDNS_RR_TYPE_TXT},
      {"nope.example.test.", LDNS_RR_TYPE_A}, {"h17.example.test.", LDNS_RR_TYPE_TXT},
      {"example.test.", LDNS_RR_TYPE_NS}};
  std::vector<uint8_t> out;
  for (size_t i = 0; i < count; ++i) {
    const bool huge = huge_every != 0 && i % huge_every == huge_every - 1;
    const auto& [name, type] = huge ? std::pair{std::string("huge.example.test."), LDNS_RR_TYPE_TXT}
                                    : asked[i % asked.size()];
    append_framed(out, test::make_query(name, type, i % 3 == 0, 1232, uint16_t(i)));
  }
  return out;
}

uint16_t id_of(const std::vector<uint8_t>& m) { return uint16_t(m[0] << 8 | m[1]); }

}  // namespace

TEST_CASE("tcp session: pipelined queries cut at random points give the same answers, in order") {
  constexpr size_t kQueries = 3000;
  const std::vector<uint8_t> in = pipelined(kQueries, 97);
  std::mt19937 rng(20261201);

  Session reference;  // everything in reads as large as the buffer takes, output taken whole
  reference.run(in, rng, SIZE_MAX, SIZE_MAX);
  const auto expected = reference.messages();
  REQUIRE(expected.size() == kQueries);
  for (size_t i = 0; i < kQueries; ++i) {
    CAPTURE(i);
    REQUIRE(expected[i].size() >= 12);
    CHECK(id_of(expected[i]) == uint16_t(i));
    CHECK((expected[i][2] & 0x80) != 0);  // QR
    CHECK(test::parse_packet(expected[i].data(), expected[i].size()));
  }
  CHECK(reference.session.finished());

  for (int round = 0; round < 12; ++round) {
    CAPTURE(round);
    // Reads from 1 byte (every prefix split) to many messages; writes from a
    // trickle to a lot, so the queue fills, pauses reading and drains.
    const size_t max_read = round % 3 == 0 ? 7 : round % 3 == 1 ? 300 : 70000;
    const size_t max_write = round % 2 == 0 ? 2000 : 200000;
    Session s;
    s.run(in, rng, max_read, max_write);
    CHECK(s.written == reference.written);
    CHECK(s.session.queries() == kQueries);
    CHECK(s.session.finished());
    CHECK(s.max_queued <= TcpSession::kQueueBound);
  }
}

TEST_CASE("tcp session: a client that never reads fills the queue to its cap and no further") {
  Session s;
  const std::vector<uint8_t> in = pipelined(20000);  // ~4 MB of answers if all were made
  size_t pos = 0;
  while (s.session.wants_read() && pos < in.size()) s.read(in, pos, 65536);
  const uint64_t answered = s.session.queries();
  CHECK(s.session.queued_bytes() >= TcpSession::kMaxQueuedBytes);
  CHECK(s.session.queued_bytes() <= TcpSession::kQueueBound);
  CHECK(answered < 20000);
  CHECK(pos < in.size());  // the rest stays with the client (in the kernel, for a socket)
  // The bytes read and not answered are at most one read buffer.
  CHECK(s.session.read_buffer_size() <= TcpSession::kMaxReadBuffer);

  // Without output consumed nothing changes, however often the transport asks.
  s.session.consumed(0);
  CHECK(s.session.queries() == answered);
  CHECK_FALSE(s.session.wants_read());

  // Draining a little answers the queries already read, before any new read.
  const size_t queued = s.session.queued_bytes();
  s.write(queued / 4);
  CHECK(s.session.queries() > answered);
  CHECK_FALSE(s.session.wants_read());  // reading resumes at half the cap
  CHECK(s.session.queued_bytes() <= TcpSession::kQueueBound);
  while (!s.session.wants_read()) REQUIRE(s.write(4096) > 0);
  CHECK(s.session.queued_bytes() <= TcpSession::kMaxQueuedBytes / 2);

  // Reading on, and taking everything, answers every query in order.
  std::mt19937 rng(7);
  while (pos < in.size() || s.session.queued_bytes() > 0) {
    if (s.session.wants_read() && pos < in.size()) s.read(in, pos, 65536);
    s.write(1 + rng() % 100000);
  }
  const auto messages = s.messages();
  REQUIRE(messages.size() == 20000);
  for (size_t i = 0; i < messages.size(); ++i) REQUIRE(id_of(messages[i]) == uint16_t(i));
  CHECK(s.max_queued <= TcpSession::kQueueBound);
}

TEST_CASE("tcp session: with 50 KB answers the queue overshoots its cap by less than one message") {
  Session s;
  const std::vector<uint8_t> in = pipelined(200, 1);  // all huge: 10 MB if all were made
  size_t pos = 0;
  while (s.session.wants_read() && pos < in.size()) s.read(in, pos, 65536);
  CHECK(s.session.queued_bytes() > TcpSession::kMaxQueuedBytes);
  CHECK(s.session.queued_bytes() <= TcpSession::kQueueBound);
  CHECK(s.session.queries() < 10);
  std::mt19937 rng(11);
  while (pos < in.size() || s.session.queued_bytes() > 0) {
    if (s.session.wants_read() && pos < in.size()) s.read(in, pos, 1 + rng() % 65536);
    s.write(1 + rng() % 300000);
  }
  CHECK(s.messages().size() == 200);
  CHECK(s.max_queued <= TcpSession::kQueueBound);
}

TEST_CASE("tcp session: the read buffer grows for a long message and shrinks once it is answered") {
  Session s;
  std::vector<uint8_t> in;
  // A 20,000-byte message: a query with a long run of padding after the question.
  std::vector<uint8_t> long_query = test::make_query("www.example.test.", LDNS_RR_TYPE_A, false, 1232, 1);
  long_query.resize(20000, 0);
  append_framed(in, long_query);
  append_framed(in, test::make_query("www.example.test.", LDNS_RR_TYPE_A, false, 1232, 2));
  const size_t second_cut = in.size() - 5;  // the second query arrives in two parts

  CHECK(s.session.read_buffer_size() == TcpSession::kInitialReadBuffer);
  size_t pos = 0;
  s.read(in, pos, 100);
  CHECK(s.session.read_buffer_size() == TcpSession::kInitialReadBuffer);
  CHECK(s.session.read_space().size() >= 20002 - 100);  // the prefix is known: room for the whole message
  CHECK(s.session.read_buffer_size() == 20002);
  while (pos < second_cut) s.read(in, pos, second_cut - pos);
  // The long message is answered (or dropped); the start of the next is kept, in a small buffer again.
  CHECK(s.session.queries() == 1);
  CHECK(s.session.read_buffer_size() == TcpSession::kInitialReadBuffer);
  s.read(in, pos, SIZE_MAX);
  CHECK(s.session.queries() == 2);
  CHECK(s.session.read_buffer_size() == TcpSession::kInitialReadBuffer);
  s.write(SIZE_MAX);
  const auto messages = s.messages();
  REQUIRE_FALSE(messages.empty());
  CHECK(id_of(messages.back()) == 2);
  CHECK(s.session.idle());
}

TEST_CASE("tcp session: output buffers grown by a burst are given back once written") {
  Session s;
  const std::vector<uint8_t> in = pipelined(600);
  size_t pos = 0;
  while (pos < in.size()) s.read(in, pos, 65536);
  CHECK(s.session.queue_capacity() > 64 * 1024);
  while (s.write(SIZE_MAX) > 0) {
  }
  CHECK(s.session.queries() == 600);
  CHECK(s.session.queue_capacity() <= 2 * 16 * 1024);
}

TEST_CASE("tcp session: after the query limit the answers made are written and the session finishes") {
  Session s(5);
  const std::vector<uint8_t> in = pipelined(8);
  size_t pos = 0;
  s.read(in, pos, SIZE_MAX);
  CHECK(s.session.queries() == 5);
  CHECK(s.session.limit_reached());
  CHECK_FALSE(s.session.wants_read());
  CHECK_FALSE(s.session.finished());  // answers still to write
  s.write(10);
  CHECK_FALSE(s.session.finished());
  s.write(SIZE_MAX);
  CHECK(s.session.finished());
  const auto messages = s.messages();
  REQUIRE(messages.size() == 5);
  for (size_t i = 0; i < 5; ++i) CHECK(id_of(messages[i]) == i);
  CHECK(s.session.idle());  // the queries past the limit are dropped
}

TEST_CASE("tcp session: no limit answers past 10,000 queries") {
  Session s(0);
  const std::vector<uint8_t> in = pipelined(10050);
  std::mt19937 rng(3);
  s.run(in, rng, 65536, SIZE_MAX);
  CHECK(s.session.queries() == 10050);
  CHECK(s.messages().size() == 10050);
}

TEST_CASE("tcp session: a zero-length message breaks the stream; what follows is not answered") {
  Session s;
  std::vector<uint8_t> in = pipelined(2);
  in.push_back(0);
  in.push_back(0);
  const std::vector<uint8_t> more = pipelined(1);
  in.insert(in.end(), more.begin(), more.end());
  size_t pos = 0;
  s.read(in, pos, SIZE_MAX);
  CHECK(s.session.broken());
  CHECK(s.session.queries() == 2);
  CHECK_FALSE(s.session.wants_read());
  CHECK_FALSE(s.session.finished());  // broken: the transport closes at once
}

TEST_CASE("tcp session: after FIN the complete queries are answered, a partial one is not") {
  Session s;
  std::vector<uint8_t> in = pipelined(3);
  in.resize(in.size() - 4);  // the third query is cut short
  size_t pos = 0;
  s.read(in, pos, SIZE_MAX);
  s.session.peer_closed();
  CHECK_FALSE(s.session.wants_read());
  CHECK_FALSE(s.session.finished());
  s.write(SIZE_MAX);
  CHECK(s.session.finished());
  CHECK(s.messages().size() == 2);
}

TEST_CASE("tcp session: a zone transfer between queries is streamed in order, a bounded amount ahead") {
  Session s;
  std::vector<uint8_t> in;
  append_framed(in, test::make_query("www.example.test.", LDNS_RR_TYPE_A, false, 1232, 1));
  append_framed(in, test::make_query("example.test.", LDNS_RR_TYPE_AXFR, false, 1232, 2));
  append_framed(in, test::make_query("ns1.example.test.", LDNS_RR_TYPE_A, false, 1232, 3));
  size_t pos = 0;
  s.read(in, pos, SIZE_MAX);
  // The transfer is made only as far as the queue allows; the query behind it waits.
  CHECK(s.session.queries() == 2);
  CHECK_FALSE(s.session.wants_read());
  CHECK(s.session.queued_bytes() <= TcpSession::kStreamQueue + 2 + kMaxMessage);
  while (s.write(3000) > 0) CHECK(s.session.queued_bytes() <= TcpSession::kStreamQueue + 2 + kMaxMessage);
  CHECK(s.session.queries() == 3);
  CHECK(s.session.wants_read());

  const auto messages = s.messages();
  REQUIRE(messages.size() >= 4);
  CHECK(id_of(messages.front()) == 1);
  CHECK(id_of(messages.back()) == 3);
  size_t records = 0;
  for (size_t i = 1; i + 1 < messages.size(); ++i) {
    CHECK(id_of(messages[i]) == 2);
    auto p = test::parse_packet(messages[i].data(), messages[i].size());
    REQUIRE(p);
    CHECK(ldns_pkt_get_rcode(p.get()) == LDNS_RCODE_NOERROR);
    records += ldns_pkt_ancount(p.get());
  }
  CHECK(records > kZoneNames);  // every name, between the two SOAs
  CHECK(s.written.size() > 2 * TcpSession::kStreamQueue);
}
