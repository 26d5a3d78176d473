// DNS over TCP (RFC 7766) through the real TcpConnections on a libuv loop and
// a loopback connection: messages split across reads (the length prefix too),
// pipelined messages in one read, answers in order, a zero-length message,
// and the idle timeout. The client is a plain non-blocking socket on the same
// loop; every wait runs the loop until a condition holds, with a deadline.
#include <arpa/inet.h>
#include <dirent.h>
#include <doctest.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dnsd/server/responder.h"
#include "dnsd/server/tcp_connection.h"
#include "tests/unit/dnsd/server/tcp_fixture.h"
#include "tests/unit/zone_fixture.h"

using namespace dnsd;
using test::framed;
using test::server_end_of;
using test::tcp_zones;

namespace {

/// A worker's TCP side on its own loop: a listener on a free 127.0.0.1 port
/// whose connections go to a TcpConnections, plus one client socket polled by
/// the same loop. Test thread only.
struct TcpHarness {
  uv_loop_t loop{};
  SnapshotStore store{1};
  Responder responder{store, 0};
  std::atomic<unsigned> open_count{0};
  std::unique_ptr<TcpConnections> connections;
  uv_tcp_t listener{};
  uint16_t port = 0;

  int client = -1;
  uv_poll_t client_poll{};
  bool client_polling = false;
  std::vector<uint8_t> received;  ///< every byte the client has read
  bool eof = false;               ///< the server closed the connection

  explicit TcpHarness(TcpLimits limits = {}) {
    store.publish(Snapshot::standalone(tcp_zones()));
    REQUIRE(uv_loop_init(&loop) == 0);
    connections = std::make_unique<TcpConnections>(&loop, responder, limits, open_count);
    uv_tcp_init(&loop, &listener);
    listener.data = this;
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(uv_tcp_bind(&listener, reinterpret_cast<const sockaddr*>(&any), 0) == 0);
    REQUIRE(uv_listen(reinterpret_cast<uv_stream_t*>(&listener), 16, [](uv_stream_t* server, int status) {
              if (status == 0) static_cast<TcpHarness*>(server->data)->connections->accept(server);
            }) == 0);
    sockaddr_in bound{};
    int length = sizeof bound;
    uv_tcp_getsockname(&listener, reinterpret_cast<sockaddr*>(&bound), &length);
    port = ntohs(bound.sin_port);
  }

  ~TcpHarness() {
    close_client();
    connections->close_all();
    uv_close(reinterpret_cast<uv_handle_t*>(&listener), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);  // every close callback (connections delete themselves)
    connections.reset();
    CHECK(uv_loop_close(&loop) == 0);
  }

  /// Runs the loop until `done` holds or `timeout` passes; returns `done()`.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    uv_timer_t deadline;
    bool expired = false;
    uv_timer_init(&loop, &deadline);
    deadline.data = &expired;
    uv_update_time(&loop);
    uv_timer_start(&deadline, [](uv_timer_t* t) { *static_cast<bool*>(t->data) = true; }, uint64_t(timeout.count()), 0);
    while (!done() && !expired) uv_run(&loop, UV_RUN_ONCE);
    uv_close(reinterpret_cast<uv_handle_t*>(&deadline), nullptr);
    uv_run(&loop, UV_RUN_NOWAIT);  // the deadline's close callback, before `deadline` goes out of scope
    return done();
  }

  /// Connects the client and runs the loop until the server has accepted it.
  void connect() {
    client = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    REQUIRE(client >= 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int rc = ::connect(client, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    REQUIRE((rc == 0 || errno == EINPROGRESS));
    uv_poll_init_socket(&loop, &client_poll, client);
    client_poll.data = this;
    uv_poll_start(&client_poll, UV_READABLE, [](uv_poll_t* poll, int, int) {
      static_cast<TcpHarness*>(poll->data)->client_readable();
    });
    client_polling = true;
    REQUIRE(run_until([&] { return open_count.load() == 1; }));
  }

  void client_readable() {
    uint8_t buffer[65536];
    for (;;) {
      const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
      if (n > 0) {
        received.insert(received.end(), buffer, buffer + n);
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
        eof = true;
        uv_poll_stop(&client_poll);
      }
      return;
    }
  }

  void close_client() {
    if (client_polling) {
      uv_close(reinterpret_cast<uv_handle_t*>(&client_poll), nullptr);
      uv_run(&loop, UV_RUN_NOWAIT);
      client_polling = false;
    }
    if (client >= 0) ::close(client);
    client = -1;
  }

  /// Sends `bytes` [from, to) from the client (small enough for the socket
  /// buffer). CHECK, not REQUIRE: it also runs inside libuv callbacks.
  void send(const std::vector<uint8_t>& bytes, size_t from = 0, size_t to = SIZE_MAX) {
    to = std::min(to, bytes.size());
    CHECK(::send(client, bytes.data() + from, to - from, MSG_NOSIGNAL) == ssize_t(to - from));
  }

  int server_end() const { return server_end_of(client); }

  /// Sends part of a message and runs the loop until the server has read every
  /// byte of it, so the next part arrives in a read of its own.
  void send_and_wait_read(const std::vector<uint8_t>& bytes, size_t from, size_t to) {
    const int server = server_end();
    REQUIRE(server >= 0);
    send(bytes, from, to);
    REQUIRE(run_until([&] {
      int unread = -1;
      return ioctl(server, FIONREAD, &unread) == 0 && unread == 0;
    }));
  }

  /// The complete length-prefixed messages the client has received so far.
  std::vector<test::Packet> responses() const {
    std::vector<test::Packet> out;
    for (size_t pos = 0; pos + 2 <= received.size();) {
      const size_t length = size_t(received[pos]) << 8 | received[pos + 1];
      if (pos + 2 + length > received.size()) break;
      out.push_back(test::parse_packet(received.data() + pos + 2, length));
      pos += 2 + length;
    }
    return out;
  }

  uint64_t tcp_queries() const { return responder.stats().snapshot().queries[size_t(Transport::Tcp)]; }
};

std::string qname_of(const test::Packet& p) {
  ldns_rr* q = ldns_rr_list_rr(ldns_pkt_question(p.get()), 0);
  char* text = ldns_rdf2str(ldns_rr_owner(q));
  std::string out = text;
  free(text);
  return out;
}

}  // namespace

TEST_CASE("tcp connection: a query split across reads, the length prefix too, is answered once it is whole") {
  TcpHarness h;
  h.connect();
  const auto message = framed(test::make_query("www.example.test.", LDNS_RR_TYPE_A, false, 1232, 0x0101));
  // Byte 1 of the prefix alone, byte 2 with part of the header, then the question in two parts.
  const size_t cuts[] = {0, 1, 5, message.size() - 6, message.size()};
  for (size_t i = 0; i + 2 < std::size(cuts); ++i) {
    h.send_and_wait_read(message, cuts[i], cuts[i + 1]);
    CHECK(h.tcp_queries() == 0);
    CHECK(h.received.empty());
  }
  h.send(message, cuts[3], cuts[4]);
  REQUIRE(h.run_until([&] { return h.responses().size() == 1; }));
  const auto responses = h.responses();
  REQUIRE(responses[0]);
  CHECK(ldns_pkt_id(responses[0].get()) == 0x0101);
  CHECK(ldns_pkt_get_rcode(responses[0].get()) == LDNS_RCODE_NOERROR);
  CHECK(test::rdatas(ldns_pkt_answer(responses[0].get())) == std::vector<std::string>{"192.0.2.10"});
  CHECK(h.tcp_queries() == 1);
  CHECK_FALSE(h.eof);
}

TEST_CASE("tcp connection: pipelined queries in one read are all answered, in order") {
  TcpHarness h;
  h.connect();
  const std::vector<std::pair<std::string, ldns_rr_type>> asked = {
      {"www.example.test.", LDNS_RR_TYPE_A},   {"nope.example.test.", LDNS_RR_TYPE_A},
      {"big.example.test.", LDNS_RR_TYPE_TXT}, {"ns1.example.test.", LDNS_RR_TYPE_A},
      {"www.example.test.", LDNS_RR_TYPE_MX},  {"example.test.", LDNS_RR_TYPE_NS}};
  std::vector<uint8_t> burst;
  for (size_t i = 0; i < asked.size(); ++i) {
    const auto m = framed(test::make_query(asked[i].first, asked[i].second, false, 1232, uint16_t(100 + i)));
    burst.insert(burst.end(), m.begin(), m.end());
  }
  h.send(burst);
  REQUIRE(h.run_until([&] { return h.responses().size() == asked.size(); }));
  const auto responses = h.responses();
  for (size_t i = 0; i < asked.size(); ++i) {
    CAPTURE(i);
    REQUIRE(responses[i]);
    CHECK(ldns_pkt_id(responses[i].get()) == 100 + i);
    CHECK(qname_of(responses[i]) == asked[i].first);
  }
  CHECK(ldns_pkt_get_rcode(responses[1].get()) == LDNS_RCODE_NXDOMAIN);
  CHECK(h.tcp_queries() == asked.size());
}

TEST_CASE("tcp connection: messages cut at arbitrary points across reads keep their boundaries and order") {
  TcpHarness h;
  h.connect();
  std::vector<uint8_t> stream;
  constexpr int kMessages = 5;
  for (int i = 0; i < kMessages; ++i) {
    const auto m = framed(test::make_query("www.example.test.", LDNS_RR_TYPE_A, i % 2 == 0, 1232, uint16_t(200 + i)));
    stream.insert(stream.end(), m.begin(), m.end());
  }
  // 7-byte reads: each read ends inside a prefix, a header or a question, never on a boundary twice in a row.
  for (size_t from = 0; from < stream.size(); from += 7) h.send_and_wait_read(stream, from, from + 7);
  REQUIRE(h.run_until([&] { return h.responses().size() == kMessages; }));
  const auto responses = h.responses();
  for (int i = 0; i < kMessages; ++i) {
    REQUIRE(responses[i]);
    CHECK(ldns_pkt_id(responses[i].get()) == 200 + i);
  }
}

TEST_CASE("tcp connection: a long pipeline of large answers comes back complete and in order") {
  // About 200 KB of answers: more than the socket buffers take at once, so
  // answers queue behind a write in flight and reading pauses and resumes.
  TcpHarness h;
  h.connect();
  constexpr int kQueries = 400;
  std::vector<uint8_t> burst;
  for (int i = 0; i < kQueries; ++i) {
    const auto m = framed(test::make_query("big.example.test.", LDNS_RR_TYPE_TXT, false, 1232, uint16_t(i)));
    burst.insert(burst.end(), m.begin(), m.end());
  }
  h.send(burst);
  REQUIRE(h.run_until([&] { return h.responses().size() == kQueries; }, std::chrono::seconds(10)));
  const auto responses = h.responses();
  for (int i = 0; i < kQueries; ++i) {
    REQUIRE(responses[i]);
    CHECK(ldns_pkt_id(responses[i].get()) == i);
    CHECK(ldns_pkt_ancount(responses[i].get()) == 1);
  }
}

TEST_CASE("tcp connection: a zero-length message closes the connection") {
  TcpHarness h;
  h.connect();
  const auto message = framed(test::make_query("www.example.test.", LDNS_RR_TYPE_A, false, 1232, 0x0301));
  h.send(message);
  REQUIRE(h.run_until([&] { return h.responses().size() == 1; }));
  const size_t before = h.received.size();

  // A zero length is not a DNS message: the stream cannot be framed any more,
  // so the query behind it in the same read is never answered.
  std::vector<uint8_t> broken{0, 0};
  broken.insert(broken.end(), message.begin(), message.end());
  h.send(broken);
  REQUIRE(h.run_until([&] { return h.eof; }));
  CHECK(h.received.size() == before);
  CHECK(h.open_count.load() == 0);
  CHECK(h.tcp_queries() == 1);
}

TEST_CASE("tcp connection: an idle connection is closed after the idle timeout, and counted") {
  TcpLimits limits;
  limits.idle_timeout_ms = 100;
  TcpHarness h(limits);
  const auto start = std::chrono::steady_clock::now();
  h.connect();
  REQUIRE(h.run_until([&] { return h.eof; }));
  const auto took = std::chrono::steady_clock::now() - start;
  // libuv's loop clock is coarse (a few ms), so allow it to fire that much early.
  CHECK(took >= std::chrono::milliseconds(90));
  CHECK(took < std::chrono::seconds(2));
  CHECK(h.open_count.load() == 0);
  CHECK(h.responder.stats().snapshot().tcp_idle_timeouts == 1);
  CHECK(h.received.empty());
}

TEST_CASE("tcp connection: activity pushes the idle timeout back") {
  TcpLimits limits;
  limits.idle_timeout_ms = 300;
  TcpHarness h(limits);
  h.connect();
  const auto message = framed(test::make_query("www.example.test.", LDNS_RR_TYPE_A));
  // Query every 100 ms (the loop's own timer) for 5 rounds: 500 ms, well past
  // one timeout, yet the connection stays open because each query is activity.
  uv_timer_t ticker;
  uv_timer_init(&h.loop, &ticker);
  struct Ticks {
    TcpHarness* h;
    const std::vector<uint8_t>* message;
    int sent = 0;
  } ticks{&h, &message};
  ticker.data = &ticks;
  uv_timer_start(&ticker, [](uv_timer_t* t) {
    auto* k = static_cast<Ticks*>(t->data);
    k->h->send(*k->message);
    if (++k->sent == 5) uv_timer_stop(t);
  }, 100, 100);
  REQUIRE(h.run_until([&] { return h.responses().size() == 5 || h.eof; }));
  CHECK_FALSE(h.eof);
  CHECK(h.responder.stats().snapshot().tcp_idle_timeouts == 0);
  uv_close(reinterpret_cast<uv_handle_t*>(&ticker), nullptr);
  // Then silence: the timeout closes it.
  REQUIRE(h.run_until([&] { return h.eof; }));
  CHECK(h.responder.stats().snapshot().tcp_idle_timeouts == 1);
}

