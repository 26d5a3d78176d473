// Response rate limiting (RRL), as NSD's and Knot's: a forged-source flood
// that would make dnsd reflect large answers at a victim gets at most `rate`
// responses per second per (client prefix, response kind) budget, and every
// slip-th response over that budget goes out as an empty truncated reply, so
// a real client behind the same prefix retries over TCP (which is not limited)
// and still gets its answer.
//
// The budgets are token buckets in one fixed table shared by every worker,
// updated with a compare-and-swap on one 64-bit word per bucket: no lock, no
// allocation after construction. Two keys that land on one bucket do not
// chain: the newcomer takes the bucket over with a full budget (as NSD does),
// which at worst lets a little more through, never less.
//
// Memory: RateLimitConfig::buckets × 8 bytes (8 MiB with the default 2^20
// buckets), zero-filled by calloc, so the kernel backs a page only once a
// bucket on it was used: a server queried by few clients uses a few hundred
// KiB of it, a flood from many sources all of it.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

#include "dnsd/query/query.h"

namespace dnsd {

/// What to do with one UDP response, as the rate limiter decided.
enum class RateDecision : uint8_t {
  Allow,  ///< send it
  Drop,   ///< send nothing
  Slip,   ///< send an empty truncated reply (make_slip_reply) so a real client retries over TCP
};

/// Response rate limiting settings (`dnsd serve --rrl-rate`, `--rrl-slip`).
struct RateLimitConfig {
  /// Responses per second per bucket; a bucket also holds a burst of one
  /// second's worth. 0 turns rate limiting off.
  uint32_t rate = 200;
  /// Every slip-th response a bucket drops goes out as an empty truncated
  /// reply instead: 0 never, 1 every one (nothing is silently dropped).
  uint32_t slip = 2;
  /// Buckets in the table (rounded up to a power of two), 8 bytes each.
  size_t buckets = size_t{1} << 20;
};

/// The token buckets of every client prefix and response kind. One instance
/// is shared by all workers; every method may be called from any thread.
class RateLimiter {
 public:
  /// Largest --rrl-rate: a bucket's clock counts microseconds, so a higher
  /// rate would round its interval too coarsely.
  static constexpr uint32_t kMaxRate = 100000;
  /// Largest --rrl-slip (as Knot's): a bucket counts its drops in 8 bits.
  static constexpr uint32_t kMaxSlip = 100;

  /// Allocates the table (nothing when config.rate is 0). `seed` keys the
  /// bucket hash, so that a client cannot choose which queries collide; a
  /// fixed seed makes tests repeatable. Any thread.
  explicit RateLimiter(const RateLimitConfig& config, uint64_t seed = random_seed());

  /// Whether responses are limited at all (rate != 0). Any thread.
  bool enabled() const { return interval_us_ != 0; }

  /// Charges one response of `kind` about `kind_hash` (QueryResult's fields)
  /// to `client`'s prefix at `now_ms` (monotonic milliseconds, read by the
  /// caller) and says whether to send it. `client` is the IPv4 (4 bytes) or
  /// IPv6 (16 bytes) address; IPv4 counts by /24, IPv6 by /56, an IPv4-mapped
  /// IPv6 address as IPv4. Always Allow when disabled. No lock, no allocation;
  /// any thread.
  RateDecision decide(std::span<const uint8_t> client, ResponseKind kind, uint64_t kind_hash, uint64_t now_ms);
  /// The same for a peer as recvmmsg gives it (AF_INET or AF_INET6; any other
  /// family is allowed).
  RateDecision decide(const sockaddr* peer, ResponseKind kind, uint64_t kind_hash, uint64_t now_ms);

  /// Bytes the table reserves (buckets × 8; 0 when disabled). Any thread.
  size_t memory_bytes() const { return enabled() ? (mask_ + 1) * sizeof(uint64_t) : 0; }

  /// CLOCK_MONOTONIC in milliseconds, the clock the transports pass to decide(). Any thread.
  static uint64_t monotonic_ms();
  /// A seed from the system's random source. Any thread.
  static uint64_t random_seed();

 private:
  struct Free {
    void operator()(uint64_t* p) const { std::free(p); }
  };

  uint64_t interval_us_ = 0;  ///< time one response costs a bucket; 0: disabled
  uint32_t slip_ = 0;
  uint64_t seed_;
  size_t mask_ = 0;  ///< buckets - 1
  std::unique_ptr<uint64_t[], Free> table_;  ///< accessed through std::atomic_ref only
};

/// Turns the response in `response` into the empty truncated reply of a slip:
/// its header and question (`question_end` bytes, QueryResult::question_end)
/// with TC set and no records. Returns the length to send. Any thread.
uint16_t make_slip_reply(std::span<uint8_t> response, uint16_t question_end);

}  // namespace dnsd
