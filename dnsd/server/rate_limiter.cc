// Each bucket is one 64-bit word: a 16-bit tag of its key, an 8-bit count of
// drops (for slips) and a 40-bit time in microseconds, modulo 2^40 (12.7 days).
// The time is the bucket's "theoretical arrival time" (the generic cell rate
// algorithm, the token bucket in one number): how far it lies ahead of now is
// how much of the one-second budget is spent. A response costs interval_us;
// it is allowed while the spent time stays within one second, so a full
// bucket allows `rate` responses at once and then one per interval.
#include "dnsd/server/rate_limiter.h"

#include <netinet/in.h>

#include <atomic>
#include <bit>
#include <chrono>
#include <cstring>
#include <new>
#include <random>

namespace dnsd {
namespace {

constexpr int kTimeBits = 40;
constexpr uint64_t kTimeMask = (uint64_t{1} << kTimeBits) - 1;
constexpr int kDropShift = kTimeBits;
constexpr int kTagShift = 48;
/// The budget: one second's worth of responses.
constexpr int64_t kWindowUs = 1000000;
/// A bucket time further ahead than this cannot be a real budget (at most
/// kWindowUs, plus the skew between workers' clock reads): it is left from
/// before the 40-bit clock wrapped, so the bucket counts as full.
constexpr int64_t kStaleUs = 2 * kWindowUs;

uint64_t mix(uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// The client's prefix with its family: an IPv4 /24 or an IPv6 /56.
uint64_t prefix_key(std::span<const uint8_t> a) {
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  if (a.size() == 16 && std::memcmp(a.data(), kMapped, sizeof kMapped) == 0) a = a.subspan(12);
  if (a.size() == 4) return uint64_t{1} << 56 | uint64_t{a[0]} << 16 | uint64_t{a[1]} << 8 | a[2];
  if (a.size() != 16) return 0;
  uint64_t key = uint64_t{2} << 56;
  for (int i = 0; i < 7; ++i) key |= uint64_t{a[i]} << (48 - 8 * i);
  return key;
}

/// `x` (40 bits) as a signed 40-bit number.
int64_t signed_time(uint64_t x) { return int64_t(x << (64 - kTimeBits)) >> (64 - kTimeBits); }

}  // namespace

RateLimiter::RateLimiter(const RateLimitConfig& config, uint64_t seed) : seed_(seed) {
  if (config.rate == 0) return;
  const uint32_t rate = config.rate < kMaxRate ? config.rate : kMaxRate;
  slip_ = config.slip < kMaxSlip ? config.slip : kMaxSlip;
  const size_t buckets = std::bit_ceil(config.buckets < 2 ? size_t{2} : config.buckets);
  // calloc: the kernel backs the zero pages only once a bucket on them is used.
  table_.reset(static_cast<uint64_t*>(std::calloc(buckets, sizeof(uint64_t))));
  if (!table_) throw std::bad_alloc();
  mask_ = buckets - 1;
  interval_us_ = uint64_t(kWindowUs) / rate;
}

RateDecision RateLimiter::decide(std::span<const uint8_t> client, ResponseKind kind, uint64_t kind_hash,
                                 uint64_t now_ms) {
  if (!enabled()) return RateDecision::Allow;
  const uint64_t hash = mix(mix(mix(seed_ ^ prefix_key(client)) ^ kind_hash) ^ (uint64_t(kind) + 1));
  uint64_t tag = hash >> kTagShift;
  if (tag == 0) tag = 1;  // an empty bucket (all zero) matches no key
  std::atomic_ref<uint64_t> bucket(table_[hash & mask_]);
  const uint64_t now = (now_ms * 1000) & kTimeMask;

  uint64_t old = bucket.load(std::memory_order_relaxed);
  for (;;) {
    int64_t spent = 0;  // how far the bucket's time lies ahead of now
    uint32_t drops = 0;
    if ((old >> kTagShift) == tag) {  // ours; any other key's is taken over, full
      spent = signed_time((old & kTimeMask) - now);
      if (spent < 0 || spent > kStaleUs) spent = 0;  // refilled, or stale
      drops = uint32_t(old >> kDropShift) & 0xFF;
    }
    RateDecision decision = RateDecision::Allow;
    if (spent + int64_t(interval_us_) <= kWindowUs) {
      spent += int64_t(interval_us_);
    } else if (slip_ != 0 && ++drops >= slip_) {
      drops = 0;
      decision = RateDecision::Slip;
    } else {
      decision = RateDecision::Drop;
    }
    const uint64_t next = tag << kTagShift | uint64_t(drops) << kDropShift | ((now + uint64_t(spent)) & kTimeMask);
    if (next == old || bucket.compare_exchange_weak(old, next, std::memory_order_relaxed)) return decision;
    // Another worker changed the bucket meanwhile: decide again from what it wrote.
  }
}

RateDecision RateLimiter::decide(const sockaddr* peer, ResponseKind kind, uint64_t kind_hash, uint64_t now_ms) {
  if (!enabled()) return RateDecision::Allow;
  if (peer->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(peer);
    return decide(std::span(reinterpret_cast<const uint8_t*>(&in->sin_addr), 4), kind, kind_hash, now_ms);
  }
  if (peer->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(peer);
    return decide(std::span(reinterpret_cast<const uint8_t*>(&in6->sin6_addr), 16), kind, kind_hash, now_ms);
  }
  return RateDecision::Allow;
}

uint64_t RateLimiter::monotonic_ms() {
  return uint64_t(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

uint64_t RateLimiter::random_seed() {
  std::random_device random;
  return uint64_t{random()} << 32 | random();
}

uint16_t make_slip_reply(std::span<uint8_t> response, uint16_t question_end) {
  if (response.size() < 12 || question_end < 12 || question_end > response.size()) return 0;
  response[2] |= 0x02;                     // TC
  std::memset(response.data() + 6, 0, 6);  // ANCOUNT, NSCOUNT, ARCOUNT
  return question_end;
}

}  // namespace dnsd
