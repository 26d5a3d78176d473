// DNS over TCP (RFC 7766) through the real TcpConnections on a libuv loop and
// a loopback connection: messages split across reads (the length prefix too),
// pipelined messages in one read, answers in order, a zero-length message,
// and the idle timeout. The client is a plain non-blocking socket on the same
// loop; every wait runs the loop until a condition holds, with a deadline.
// Then the connection cap shared by several workers' TcpConnections: on one
// loop (who evicts whom), and on two threads accepting at once.
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
#include <thread>
#include <vector>

#include "dnsd/server/responder.h"
#include "dnsd/server/tcp_connection.h"
#include "tests/unit/zone_fixture.h"

using namespace dnsd;

namespace {

std::shared_ptr<const zones::ZoneSet> tcp_zones() {
  auto zone = test::zone_from_lines("example.test.", {
      "@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60",
      "@ 300 IN NS ns1",
      "ns1 300 IN A 192.0.2.53",
      "www 300 IN A 192.0.2.10",
      "big 300 IN TXT \"" + std::string(250, 'a') + "\" \"" + std::string(250, 'b') + "\"",
  });
  return std::make_shared<zones::ZoneSet>(std::vector{zone});
}

/// `query` with its 2-byte length prefix.
std::vector<uint8_t> framed(const std::vector<uint8_t>& query) {
  std::vector<uint8_t> out{uint8_t(query.size() >> 8), uint8_t(query.size())};
  out.insert(out.end(), query.begin(), query.end());
  return out;
}

bool same_address(const sockaddr_in& a, const sockaddr_in& b) {
  return a.sin_family == b.sin_family && a.sin_port == b.sin_port && a.sin_addr.s_addr == b.sin_addr.s_addr;
}

/// The server's end of a client's loopback connection, found among this
/// process's descriptors by its addresses (TcpConnection owns it privately).
int server_end_of(int client) {
  sockaddr_in local{}, peer{};
  socklen_t l = sizeof local, p = sizeof peer;
  getsockname(client, reinterpret_cast<sockaddr*>(&local), &l);
  getpeername(client, reinterpret_cast<sockaddr*>(&peer), &p);
  DIR* dir = opendir("/proc/self/fd");
  int found = -1;
  while (dirent* e = dir ? readdir(dir) : nullptr) {
    const int fd = std::atoi(e->d_name);
    if (fd <= 2 || fd == client) continue;
    sockaddr_in a{}, b{};
    socklen_t al = sizeof a, bl = sizeof b;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &al) == 0 &&
        getpeername(fd, reinterpret_cast<sockaddr*>(&b), &bl) == 0 && same_address(a, peer) &&
        same_address(b, local))
      found = fd;
  }
  if (dir) closedir(dir);
  return found;
}

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

namespace {

/// One worker's TCP side for the cap tests: its own listener and
/// TcpConnections on `loop`, sharing `open_count` with the other workers.
struct CapWorker {
  std::unique_ptr<TcpConnections> connections;
  uv_tcp_t listener{};
  uint16_t port = 0;

  CapWorker(uv_loop_t* loop, Responder& responder, const TcpLimits& limits, std::atomic<unsigned>& open_count)
      : connections(std::make_unique<TcpConnections>(loop, responder, limits, open_count)) {
    uv_tcp_init(loop, &listener);
    listener.data = this;
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(uv_tcp_bind(&listener, reinterpret_cast<const sockaddr*>(&any), 0) == 0);
    REQUIRE(uv_listen(reinterpret_cast<uv_stream_t*>(&listener), 128, [](uv_stream_t* server, int status) {
              if (status == 0) static_cast<CapWorker*>(server->data)->connections->accept(server);
            }) == 0);
    sockaddr_in bound{};
    int length = sizeof bound;
    uv_tcp_getsockname(&listener, reinterpret_cast<sockaddr*>(&bound), &length);
    port = ntohs(bound.sin_port);
  }

  /// Loop thread: closes everything; the loop then runs the close callbacks.
  void close() {
    connections->close_all();
    uv_close(reinterpret_cast<uv_handle_t*>(&listener), nullptr);
  }
};

/// A blocking client socket connected to 127.0.0.1:`port` (the kernel
/// completes the handshake before the server accepts).
int connect_to(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0) return fd;
  if (fd >= 0) ::close(fd);
  return -1;
}

/// True if the server closed `fd` (EOF or reset), without blocking; answers
/// waiting before the close are read and dropped.
bool closed_by_server(int fd) {
  uint8_t buffer[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n > 0) continue;
    return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }
}

}  // namespace

TEST_CASE("tcp connections: two workers share the cap; at it each evicts only an idle connection of its own") {
  uv_loop_t loop{};
  REQUIRE(uv_loop_init(&loop) == 0);
  SnapshotStore store{1};
  store.publish(Snapshot::standalone(tcp_zones()));
  Responder responder{store, 0};
  std::atomic<unsigned> open_count{0};
  TcpLimits limits;
  limits.max_connections = 3;
  CapWorker a(&loop, responder, limits, open_count), b(&loop, responder, limits, open_count);
  auto run_until = [&](const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline) uv_run(&loop, UV_RUN_NOWAIT);
    return done();
  };
  auto stats = [&] { return responder.stats().snapshot(); };
  const auto query = framed(test::make_query("www.example.test.", LDNS_RR_TYPE_A));
  // Half a message, read by the server: the connection is busy (not idle), so it cannot be evicted.
  auto make_busy = [&](int fd) {
    CHECK(::send(fd, query.data(), 5, 0) == 5);
    const int server = server_end_of(fd);
    REQUIRE(server >= 0);
    REQUIRE(run_until([&] {
      int unread = -1;
      return ioctl(server, FIONREAD, &unread) == 0 && unread == 0;
    }));
  };

  std::vector<int> fds;
  for (uint16_t port : {a.port, a.port, b.port}) {
    fds.push_back(connect_to(port));
    REQUIRE(fds.back() >= 0);
    REQUIRE(run_until([&] { return stats().tcp_accepted == fds.size(); }));
    make_busy(fds.back());
  }
  CHECK(open_count.load() == 3);

  // At the cap, with nothing idle anywhere, both refuse.
  for (uint16_t port : {b.port, a.port}) {
    const int fd = connect_to(port);
    REQUIRE(fd >= 0);
    const uint64_t refused = stats().tcp_refused;
    REQUIRE(run_until([&] { return stats().tcp_refused == refused + 1; }));
    REQUIRE(run_until([&] { return closed_by_server(fd); }));
    ::close(fd);
  }
  CHECK(open_count.load() == 3);

  // b's connection finishes its message and is answered: it is idle now.
  CHECK(::send(fds[2], query.data() + 5, query.size() - 5, 0) == ssize_t(query.size() - 5));
  REQUIRE(run_until([&] { return stats().queries[size_t(Transport::Tcp)] == 1; }));
  // The answer leaves with uv_try_write in the same callback: nothing is queued now.
  // a may not evict b's idle connection: it refuses.
  {
    const int fd = connect_to(a.port);
    const uint64_t refused = stats().tcp_refused;
    REQUIRE(run_until([&] { return stats().tcp_refused == refused + 1; }));
    ::close(fd);
  }
  CHECK(stats().tcp_evicted == 0);
  // b evicts it to make room.
  const int fresh = connect_to(b.port);
  REQUIRE(run_until([&] { return stats().tcp_evicted == 1; }));
  CHECK(stats().tcp_accepted == 4);
  CHECK(open_count.load() == 3);
  REQUIRE(run_until([&] { return closed_by_server(fds[2]); }));
  CHECK_FALSE(closed_by_server(fds[0]));
  CHECK_FALSE(closed_by_server(fresh));

  ::close(fresh);
  for (int fd : fds) ::close(fd);
  a.close();
  b.close();
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(open_count.load() == 0);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("tcp connections: with workers accepting at once on two threads, the shared cap is never exceeded") {
  constexpr unsigned kCap = 8;
  constexpr int kRounds = 15;
  constexpr int kClientsPerWorker = 24;
  SnapshotStore store{2};
  store.publish(Snapshot::standalone(tcp_zones()));
  std::atomic<unsigned> open_count{0};
  std::atomic<unsigned> highest{0};
  std::atomic<bool> stop_watching{false};
  TcpLimits limits;
  limits.max_connections = kCap;
  limits.idle_timeout_ms = 60000;

  /// A worker thread: its loop runs until `stop` is signalled.
  struct Thread {
    uv_loop_t loop{};
    std::unique_ptr<Responder> responder;
    std::unique_ptr<CapWorker> worker;
    uv_async_t stop{};
    std::thread thread;
  };
  Thread threads[2];
  for (unsigned i = 0; i < 2; ++i) {
    Thread& t = threads[i];
    REQUIRE(uv_loop_init(&t.loop) == 0);
    t.responder = std::make_unique<Responder>(store, i);
    t.worker = std::make_unique<CapWorker>(&t.loop, *t.responder, limits, open_count);
    t.stop.data = t.worker.get();
    uv_async_init(&t.loop, &t.stop, [](uv_async_t* async) {
      static_cast<CapWorker*>(async->data)->close();
      uv_close(reinterpret_cast<uv_handle_t*>(async), nullptr);
    });
  }
  for (Thread& t : threads) t.thread = std::thread([&t] { uv_run(&t.loop, UV_RUN_DEFAULT); });
  std::thread watcher([&] {
    while (!stop_watching.load()) {
      const unsigned now = open_count.load();
      unsigned seen = highest.load();
      while (now > seen && !highest.compare_exchange_weak(seen, now)) {
      }
    }
  });

  auto settled = [&](uint64_t attempts) {
    uint64_t handled = 0;
    for (Thread& t : threads) handled += t.responder->stats().snapshot().tcp_accepted + t.responder->stats().snapshot().tcp_refused;
    return handled == attempts;
  };
  uint64_t attempts = 0;
  for (int round = 0; round < kRounds; ++round) {
    CAPTURE(round);
    // Clients of both workers connect at once, from one thread per worker,
    // and each sends half a message (so most connections are busy, not idle).
    std::vector<int> fds[2];
    std::thread clients[2];
    for (int w = 0; w < 2; ++w)
      clients[w] = std::thread([&, w] {
        const auto query = framed(test::make_query("www.example.test.", LDNS_RR_TYPE_A));
        for (int i = 0; i < kClientsPerWorker; ++i) {
          const int fd = connect_to(threads[w].worker->port);
          if (fd < 0) continue;
          ::send(fd, query.data(), 5, MSG_NOSIGNAL);
          fds[w].push_back(fd);
        }
      });
    for (auto& c : clients) c.join();
    attempts += fds[0].size() + fds[1].size();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!settled(attempts) && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    REQUIRE(settled(attempts));
    CHECK(open_count.load() <= kCap);
    CHECK(open_count.load() >= 1);
    for (auto& list : fds)
      for (int fd : list) ::close(fd);
    // Every connection sees EOF and closes: the count returns to zero.
    const auto drained = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (open_count.load() != 0 && std::chrono::steady_clock::now() < drained) std::this_thread::yield();
    REQUIRE(open_count.load() == 0);
  }
  stop_watching = true;
  watcher.join();
  for (Thread& t : threads) uv_async_send(&t.stop);
  for (Thread& t : threads) {
    t.thread.join();
    CHECK(uv_loop_close(&t.loop) == 0);
  }
  CHECK(highest.load() <= kCap);
  CHECK(highest.load() >= 1);
  uint64_t accepted = 0;
  for (Thread& t : threads) accepted += t.responder->stats().snapshot().tcp_accepted;
  CHECK(accepted >= kCap);
}
