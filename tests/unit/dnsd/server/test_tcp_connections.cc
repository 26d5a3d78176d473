// The connection cap that several workers' TcpConnections share through one
// counter: on one loop (who evicts whom at the cap), and on two threads
// accepting at the same moments (the count never passes the cap).
#include <arpa/inet.h>
#include <doctest.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "dnsd/server/responder.h"
#include "dnsd/server/tcp_connection.h"
#include "tests/unit/dnsd/server/tcp_fixture.h"

using namespace dnsd;
using test::framed;
using test::server_end_of;
using test::tcp_zones;

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
