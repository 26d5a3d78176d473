// The per-worker dnstap ring: records come out intact and in order, across
// the buffer's end; a full ring drops and counts; a producer and a consumer
// on two threads lose nothing they did not count.
#include "dnsd/dnstap/ring.h"

#include <doctest.h>

#include <cstring>
#include <thread>
#include <vector>

using namespace dnsd::dnstap;

namespace {

std::vector<uint8_t> bytes(size_t length, uint8_t seed) {
  std::vector<uint8_t> b(length);
  for (size_t i = 0; i < length; ++i) b[i] = uint8_t(seed + i * 7);
  return b;
}

RecordHeader header_with(uint16_t port, bool responded) {
  RecordHeader h;
  h.family = AF_INET;
  h.client_port = port;
  h.server_port = 53;
  h.protocol = Protocol::Tcp;
  h.has_response = responded;
  h.query_sec = 1700000000 + port;
  h.query_nsec = 123;
  return h;
}

}  // namespace

TEST_CASE("dnstap ring: a record comes back with its header and bytes") {
  Ring ring(4096);
  const auto q = bytes(40, 1), r = bytes(300, 2);
  REQUIRE(ring.push(header_with(1000, true), q, r));
  std::vector<uint8_t> scratch;
  Record out;
  REQUIRE(ring.pop(out, scratch));
  CHECK(out.header.client_port == 1000);
  CHECK(out.header.query_sec == 1700001000);
  CHECK(out.header.protocol == Protocol::Tcp);
  CHECK(out.header.has_response);
  CHECK(std::vector<uint8_t>(out.query.begin(), out.query.end()) == q);
  CHECK(std::vector<uint8_t>(out.response.begin(), out.response.end()) == r);
  CHECK_FALSE(ring.pop(out, scratch));
  CHECK(ring.dropped() == 0);
}

TEST_CASE("dnstap ring: a query-only record carries no response bytes") {
  Ring ring(4096);
  const auto q = bytes(30, 3), r = bytes(10, 4);
  REQUIRE(ring.push(header_with(7, false), q, r));
  std::vector<uint8_t> scratch;
  Record out;
  REQUIRE(ring.pop(out, scratch));
  CHECK_FALSE(out.header.has_response);
  CHECK(out.query.size() == 30);
  CHECK(out.response.empty());
}

TEST_CASE("dnstap ring: records stay intact across many wraparounds") {
  Ring ring(4096);
  std::vector<uint8_t> scratch;
  Record out;
  // Odd sizes so that records straddle the buffer's end at every offset.
  for (uint16_t i = 0; i < 2000; ++i) {
    const auto q = bytes(17 + i % 50, uint8_t(i)), r = bytes(101 + i % 333, uint8_t(i + 1));
    REQUIRE(ring.push(header_with(i, true), q, r));
    if (i % 3 == 0) continue;  // let the ring fill up a little, then drain it
    while (ring.pop(out, scratch)) {
    }
  }
  // Check a last full pass record by record.
  while (ring.pop(out, scratch)) {
  }
  for (uint16_t i = 0; i < 300; ++i) {
    const auto q = bytes(11 + i % 61, uint8_t(i * 3)), r = bytes(29 + i % 97, uint8_t(i * 5));
    REQUIRE(ring.push(header_with(i, true), q, r));
    REQUIRE(ring.pop(out, scratch));
    CHECK(out.header.client_port == i);
    CHECK(std::vector<uint8_t>(out.query.begin(), out.query.end()) == q);
    CHECK(std::vector<uint8_t>(out.response.begin(), out.response.end()) == r);
  }
  CHECK(ring.dropped() == 0);
}

TEST_CASE("dnstap ring: a full ring drops the record and counts its messages") {
  Ring ring(4096);
  const auto q = bytes(100, 9), r = bytes(400, 8);
  unsigned pushed = 0;
  while (ring.push(header_with(uint16_t(pushed), true), q, r)) ++pushed;
  CHECK(pushed > 0);
  CHECK(pushed * (4 + sizeof(RecordHeader) + 500) <= 4096);
  CHECK(ring.dropped() == 2);  // a query and its response
  CHECK_FALSE(ring.push(header_with(0, false), q, {}));
  CHECK(ring.dropped() == 3);
  // What was accepted is intact, in order; then there is room again.
  std::vector<uint8_t> scratch;
  Record out;
  for (unsigned i = 0; i < pushed; ++i) {
    REQUIRE(ring.pop(out, scratch));
    CHECK(out.header.client_port == i);
    CHECK(std::vector<uint8_t>(out.response.begin(), out.response.end()) == r);
  }
  CHECK_FALSE(ring.pop(out, scratch));
  CHECK(ring.push(header_with(1, true), q, r));
}

TEST_CASE("dnstap ring: one producer and one consumer thread agree on every record") {
  Ring ring(8192);
  constexpr unsigned kRecords = 50000;
  std::thread producer([&] {
    for (unsigned i = 0; i < kRecords; ++i) {
      const auto q = bytes(20 + i % 40, uint8_t(i));
      RecordHeader h = header_with(uint16_t(i), false);
      h.query_nsec = i;
      ring.push(h, q, {});
    }
  });
  std::vector<uint8_t> scratch;
  Record out;
  unsigned received = 0, bad = 0;
  int64_t last = -1;
  while (received + ring.dropped() < kRecords) {
    if (!ring.pop(out, scratch)) {
      std::this_thread::yield();
      continue;
    }
    ++received;
    const unsigned i = out.header.query_nsec;
    if (int64_t(i) <= last || out.query.size() != 20 + i % 40 || out.query[0] != uint8_t(i)) ++bad;
    last = i;
  }
  producer.join();
  while (ring.pop(out, scratch)) ++received;
  CHECK(bad == 0);
  CHECK(received + ring.dropped() == kRecords);
}
