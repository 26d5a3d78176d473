// Pools: a name's A/AAAA answers drawn from a group of servers. This is the
// pool's configuration as the zone file gives it, immutable once built. Live
// health and runtime drains are not zone data: health/ owns them and lays them
// over a published snapshot (health/health_view.h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "zones/check_spec.h"

namespace dnsd::zones {

/// Most members one pool may have. The loader refuses more, so selection can
/// work on fixed-size stack arrays.
inline constexpr size_t kMaxPoolMembers = 1024;
/// Most addresses one pool answer may carry (the loader's bound on max_answers).
inline constexpr size_t kMaxPoolAnswers = 64;

/// How a pool orders its healthy members.
enum class PoolPolicy : uint8_t { RoundRobin, Weighted };

/// What a pool answers when no primary and no backup is healthy.
enum class WhenAllDown : uint8_t { ServeAll, ServeNone };

/// One server in a pool.
struct PoolMember {
  std::array<uint8_t, 16> address{};  ///< 4 bytes used for IPv4
  uint8_t family = 4;                 ///< 4 or 6
  std::string address_text;           ///< as written, for status and logs
  std::string check_address;          ///< where probes go; defaults to address_text
  uint16_t weight = 1;
  bool backup = false;
  bool drained = false;               ///< "state": "drain" in the zone file
};

/// A named group of servers with one check and one answer policy.
struct Pool {
  std::string name;
  uint32_t ttl = 20;
  PoolPolicy policy = PoolPolicy::RoundRobin;
  uint16_t max_answers = 8;
  WhenAllDown when_all_down = WhenAllDown::ServeAll;
  CheckSpec check;
  std::vector<PoolMember> members;
};

}  // namespace dnsd::zones
