// Response rate limiting driven by a clock the test sets: rate, burst,
// refill, slips, prefix grouping and separate budgets per response kind.
#include "dnsd/server/rate_limiter.h"

#include <arpa/inet.h>
#include <doctest.h>

#include <array>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace dnsd;

namespace {

constexpr uint64_t kSeed = 0x5EED;
constexpr uint64_t kHash = 0xABCDEF;

/// The 4 or 16 address bytes of a textual IPv4 or IPv6 address.
std::vector<uint8_t> address(const std::string& text) {
  std::array<uint8_t, 16> bytes{};
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) return {bytes.begin(), bytes.begin() + 4};
  REQUIRE(inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1);
  return {bytes.begin(), bytes.end()};
}

RateLimiter limiter(uint32_t rate, uint32_t slip = 0) {
  RateLimitConfig config;
  config.rate = rate;
  config.slip = slip;
  config.buckets = 1 << 12;
  return RateLimiter(config, kSeed);
}

struct Counts {
  int allowed = 0, dropped = 0, slipped = 0;
};

/// Sends `n` responses of one kind to `client` at `now_ms` and counts the decisions.
Counts send(RateLimiter& rrl, const std::string& client, int n, uint64_t now_ms,
            ResponseKind kind = ResponseKind::Answer, uint64_t hash = kHash) {
  Counts c;
  const auto a = address(client);
  for (int i = 0; i < n; ++i) {
    switch (rrl.decide(a, kind, hash, now_ms)) {
      case RateDecision::Allow: ++c.allowed; break;
      case RateDecision::Drop: ++c.dropped; break;
      case RateDecision::Slip: ++c.slipped; break;
    }
  }
  return c;
}

}  // namespace

TEST_CASE("rrl: a full bucket allows a burst of one second's worth, then drops") {
  RateLimiter rrl = limiter(10);
  const Counts c = send(rrl, "192.0.2.1", 25, 1000);
  CHECK(c.allowed == 10);
  CHECK(c.dropped == 15);
  CHECK(c.slipped == 0);
}

TEST_CASE("rrl: the bucket refills at the rate") {
  RateLimiter rrl = limiter(10);  // one response per 100 ms
  CHECK(send(rrl, "192.0.2.1", 10, 5000).allowed == 10);
  CHECK(send(rrl, "192.0.2.1", 1, 5000).allowed == 0);
  CHECK(send(rrl, "192.0.2.1", 1, 5099).allowed == 0);  // not quite one interval later
  CHECK(send(rrl, "192.0.2.1", 2, 5100).allowed == 1);  // one token, one answer
  CHECK(send(rrl, "192.0.2.1", 5, 5500).allowed == 4);  // 400 ms: four more
  // Idle for a long time: full again, and never more than the burst.
  CHECK(send(rrl, "192.0.2.1", 30, 60000).allowed == 10);
}

TEST_CASE("rrl: a steady flood gets the rate, whatever it sends") {
  RateLimiter rrl = limiter(50);
  int allowed = 0;
  for (uint64_t ms = 10000; ms < 20000; ms += 10)  // 10 s of 1000 queries/s
    allowed += send(rrl, "198.51.100.7", 10, ms).allowed;
  // The burst of 50, then 50 per second for the rest of the 10 s.
  CHECK(allowed >= 50 + 9 * 50);
  CHECK(allowed <= 50 + 10 * 50);
}

TEST_CASE("rrl: every Nth dropped response slips") {
  SUBCASE("slip 2") {
    RateLimiter rrl = limiter(5, 2);
    const Counts c = send(rrl, "192.0.2.1", 105, 1000);
    CHECK(c.allowed == 5);
    CHECK(c.slipped == 50);
    CHECK(c.dropped == 50);
  }
  SUBCASE("slip 3") {
    RateLimiter rrl = limiter(5, 3);
    const Counts c = send(rrl, "192.0.2.1", 95, 1000);
    CHECK(c.slipped == 30);
    CHECK(c.dropped == 60);
  }
  SUBCASE("slip 1: nothing is silently dropped") {
    RateLimiter rrl = limiter(5, 1);
    const Counts c = send(rrl, "192.0.2.1", 50, 1000);
    CHECK(c.allowed == 5);
    CHECK(c.slipped == 45);
    CHECK(c.dropped == 0);
  }
  SUBCASE("slip 0: nothing slips") {
    RateLimiter rrl = limiter(5, 0);
    const Counts c = send(rrl, "192.0.2.1", 50, 1000);
    CHECK(c.slipped == 0);
    CHECK(c.dropped == 45);
  }
}

TEST_CASE("rrl: IPv4 clients share a budget per /24") {
  RateLimiter rrl = limiter(10);
  CHECK(send(rrl, "192.0.2.1", 10, 1000).allowed == 10);
  CHECK(send(rrl, "192.0.2.200", 5, 1000).allowed == 0);  // same /24: spent
  CHECK(send(rrl, "192.0.3.1", 10, 1000).allowed == 10);  // the next /24: its own
}

TEST_CASE("rrl: IPv6 clients share a budget per /56") {
  RateLimiter rrl = limiter(10);
  CHECK(send(rrl, "2001:db8:1:2300::1", 10, 1000).allowed == 10);
  CHECK(send(rrl, "2001:db8:1:23ff:ffff::9", 5, 1000).allowed == 0);  // same /56
  CHECK(send(rrl, "2001:db8:1:2400::1", 10, 1000).allowed == 10);     // the next /56
}

TEST_CASE("rrl: an IPv4-mapped IPv6 address counts as its IPv4 address") {
  RateLimiter rrl = limiter(10);
  CHECK(send(rrl, "::ffff:192.0.2.1", 10, 1000).allowed == 10);
  CHECK(send(rrl, "192.0.2.77", 5, 1000).allowed == 0);
  CHECK(send(rrl, "::ffff:192.0.2.5", 5, 1000).allowed == 0);
  // ...but an IPv6 address with the same low bytes is not.
  CHECK(send(rrl, "::c000:201", 10, 1000).allowed == 10);
}

TEST_CASE("rrl: kinds and what they are about are separate budgets") {
  RateLimiter rrl = limiter(10);
  CHECK(send(rrl, "192.0.2.1", 10, 1000, ResponseKind::Answer, 1).allowed == 10);
  CHECK(send(rrl, "192.0.2.1", 1, 1000, ResponseKind::Answer, 1).allowed == 0);
  CHECK(send(rrl, "192.0.2.1", 10, 1000, ResponseKind::Answer, 2).allowed == 10);    // another name
  CHECK(send(rrl, "192.0.2.1", 10, 1000, ResponseKind::NxDomain, 1).allowed == 10);  // same hash, other kind
  CHECK(send(rrl, "192.0.2.1", 10, 1000, ResponseKind::NoData, 1).allowed == 10);
  CHECK(send(rrl, "192.0.2.1", 10, 1000, ResponseKind::Referral, 1).allowed == 10);
  CHECK(send(rrl, "192.0.2.1", 10, 1000, ResponseKind::Error, 0).allowed == 10);
  CHECK(send(rrl, "192.0.2.1", 1, 1000, ResponseKind::Error, 0).allowed == 0);
}

TEST_CASE("rrl: rate 0 is off and allocates nothing") {
  RateLimiter rrl = limiter(0, 2);
  CHECK_FALSE(rrl.enabled());
  CHECK(rrl.memory_bytes() == 0);
  const Counts c = send(rrl, "192.0.2.1", 10000, 1000);
  CHECK(c.allowed == 10000);
}

TEST_CASE("rrl: the table is buckets × 8 bytes") {
  RateLimitConfig config;
  CHECK(RateLimiter(config, kSeed).memory_bytes() == (size_t{1} << 20) * 8);
  config.buckets = 1000;  // rounded up to a power of two
  CHECK(RateLimiter(config, kSeed).memory_bytes() == 1024 * 8);
}

TEST_CASE("rrl: workers sharing one bucket never spend a token twice") {
  RateLimiter rrl = limiter(1000, 2);
  std::atomic<int> allowed{0}, slipped{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t)
    workers.emplace_back([&] {
      const Counts c = send(rrl, "192.0.2.1", 5000, 7000);
      allowed += c.allowed;
      slipped += c.slipped;
    });
  for (auto& w : workers) w.join();
  CHECK(allowed == 1000);            // exactly the burst, however the threads interleave
  CHECK(slipped == (20000 - 1000) / 2);  // and every second drop slipped
}

TEST_CASE("rrl: a key that takes over a bucket starts full, and many keys still limit their own") {
  RateLimitConfig config;
  config.rate = 3;
  config.buckets = 2;  // every key collides with others
  RateLimiter rrl(config, kSeed);
  // Two clients alternating on a two-bucket table: each is limited, or
  // takes a bucket over with a full budget; it never gets less than its rate.
  int allowed_a = 0, allowed_b = 0;
  for (int i = 0; i < 20; ++i) {
    allowed_a += send(rrl, "192.0.2.1", 1, 1000).allowed;
    allowed_b += send(rrl, "203.0.113.1", 1, 1000).allowed;
  }
  CHECK(allowed_a >= 3);
  CHECK(allowed_b >= 3);
}

TEST_CASE("rrl: a bucket time left from before the 40-bit clock wrapped counts as full") {
  RateLimiter rrl = limiter(10);
  CHECK(send(rrl, "192.0.2.1", 10, 1000).allowed == 10);
  // About 2^40 µs (12.7 days) later, less 5 s: the bucket's time now reads
  // seconds ahead of the clock, more than any real budget.
  const uint64_t later = 1000 + (uint64_t{1} << 40) / 1000 - 5000;
  CHECK(send(rrl, "192.0.2.1", 10, later).allowed == 10);
}

TEST_CASE("rrl: decide takes a peer's sockaddr") {
  RateLimiter rrl = limiter(2);
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  inet_pton(AF_INET, "192.0.2.9", &v4.sin_addr);
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::ffff:192.0.2.10", &v6.sin6_addr);
  const auto* p4 = reinterpret_cast<const sockaddr*>(&v4);
  const auto* p6 = reinterpret_cast<const sockaddr*>(&v6);
  CHECK(rrl.decide(p4, ResponseKind::Answer, kHash, 1000) == RateDecision::Allow);
  CHECK(rrl.decide(p6, ResponseKind::Answer, kHash, 1000) == RateDecision::Allow);
  CHECK(rrl.decide(p4, ResponseKind::Answer, kHash, 1000) == RateDecision::Drop);  // one /24
}

TEST_CASE("rrl: a slip is the header and question with TC and no records") {
  // id 0x1234, QR AA, NOERROR, 1 question, 1 answer, 0 authority, 1 additional
  std::vector<uint8_t> response = {0x12, 0x34, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 1,
                                   1, 'a', 0, 0, 1, 0, 1,  // question a./A/IN
                                   0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
  const uint16_t question_end = 12 + 7;
  REQUIRE(make_slip_reply(response, question_end) == question_end);
  CHECK(response[2] == (0x84 | 0x02));  // TC added, QR and AA kept
  CHECK(response[3] == 0x00);
  CHECK(response[5] == 1);  // QDCOUNT kept
  for (int i = 6; i < 12; ++i) CHECK(response[i] == 0);
  CHECK(make_slip_reply(response, 11) == 0);   // no header: nothing to send
  CHECK(make_slip_reply(std::span(response).first(15), question_end) == 0);
}
