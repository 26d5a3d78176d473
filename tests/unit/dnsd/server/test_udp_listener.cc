// UdpListener on a real loopback socket: its own thread answers, it pins no
// snapshot while it waits for queries, and stop() wakes its blocked receive.
#include <doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dnsd/query/snapshot.h"
#include "dnsd/server/listen_address.h"
#include "dnsd/server/snapshot_store.h"
#include "dnsd/server/udp_listener.h"
#include "tests/unit/zone_fixture.h"
#include "zones/zone_set.h"

using namespace dnsd;
using Clock = std::chrono::steady_clock;

namespace {

std::shared_ptr<const Snapshot> example_snapshot() {
  auto zone = test::zone_from_lines("example.test.", {"@ 300 IN SOA ns1 hostmaster 1 7200 900 1209600 300",
                                                      "@ 300 IN NS ns1", "www 300 IN A 192.0.2.1",
                                                      "www 300 IN A 192.0.2.2"});
  return Snapshot::standalone(
      std::make_shared<const zones::ZoneSet>(std::vector<std::shared_ptr<const zones::Zone>>{std::move(zone)}));
}

// A UDP port on 127.0.0.1 that was free a moment ago.
uint16_t free_udp_port() {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t length = sizeof a;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length) == 0);
  close(fd);
  return ntohs(a.sin_port);
}

// Sends `query` to 127.0.0.1:`port` and returns the reply (empty after 5 s).
std::vector<uint8_t> ask(uint16_t port, const std::vector<uint8_t>& query) {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(port);
  sendto(fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  std::vector<uint8_t> reply(4096);
  const ssize_t n = recv(fd, reply.data(), reply.size(), 0);
  close(fd);
  reply.resize(n > 0 ? size_t(n) : 0);
  return reply;
}

}  // namespace

TEST_CASE("udp listener: its thread answers, pins no snapshot while waiting, and stop() wakes it") {
  SnapshotStore store(1);
  store.publish(example_snapshot());
  const uint16_t port = free_udp_port();
  ListenAddress address;
  std::string error;
  REQUIRE(parse_listen_address("127.0.0.1:" + std::to_string(port), address, error));
  UdpListener listener(store, 0, nullptr, address);
  REQUIRE_MESSAGE(listener.open(error), error);
  listener.start("test-udp");

  const std::vector<uint8_t> reply = ask(port, test::make_query("www.example.test.", LDNS_RR_TYPE_A));
  REQUIRE(!reply.empty());
  auto packet = test::parse_packet(reply.data(), reply.size());
  REQUIRE(packet);
  CHECK(ldns_pkt_get_rcode(packet.get()) == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_ancount(packet.get()) == 2);
  CHECK(listener.responder().stats().snapshot().queries[size_t(Transport::Udp)] == 1);

  // Waiting for the next query, the listener holds no snapshot: the one it
  // answered from is freed once a newer one is published.
  store.publish(example_snapshot());
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (store.reclaim() != 0 && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK(store.retired() == 0);

  const auto stop_at = Clock::now();
  listener.stop();
  listener.join();
  CHECK(Clock::now() - stop_at < std::chrono::seconds(2));
}
