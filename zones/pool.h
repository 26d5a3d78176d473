// Pools: a name's A/AAAA answers drawn from health-checked servers. The zone
// holds the configuration; the live health of each member sits in a
// MemberHealth shared with the prober, read by workers with relaxed atomic loads.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dnsd::zones {

/// Health of a member as the query path sees it.
enum class HealthState : uint8_t { Unknown = 0, Up = 1, Down = 2 };

/// Operator override of a member, set from the zone file or at runtime.
enum class AdminState : uint8_t { Auto = 0, Drain = 1 };

/// Live state of one (check address, check) pair, shared by every pool member
/// that probes the same thing. Written by the prober thread, read by workers.
struct MemberHealth {
  std::atomic<uint8_t> state{uint8_t(HealthState::Unknown)};  ///< a HealthState
};

/// Runtime admin state of one (pool, address), written by the control thread
/// (drain/undrain), read by workers. Survives reloads like MemberHealth.
struct MemberAdmin {
  std::atomic<uint8_t> state{uint8_t(AdminState::Auto)};  ///< an AdminState
};

/// How a pool orders its healthy members.
enum class PoolPolicy : uint8_t { RoundRobin, Weighted };

/// What a pool answers when no primary and no backup is healthy.
enum class WhenAllDown : uint8_t { ServeAll, ServeNone };

/// Kinds of health check.
enum class CheckType : uint8_t { None, Tcp, Http, Https, Dns, Exec };

/// How to probe a pool's members. Times in milliseconds.
struct CheckSpec {
  CheckType type = CheckType::None;
  uint16_t port = 0;             ///< tcp/http/https/dns; 0 means the type's default
  std::string path = "/";        ///< http(s)
  std::string host;              ///< http(s) Host header; empty means the address
  std::vector<int> expect{200};  ///< http(s) accepted status codes
  std::string body;              ///< http(s): substring the body must contain; empty means any
  bool tls_verify = false;       ///< https: verify the certificate
  std::string query_name = ".";  ///< dns: name to ask
  uint16_t query_type = 6;       ///< dns: type to ask (SOA by default)
  std::string command;           ///< exec: command line; {address} and {port} are substituted
  uint32_t interval_ms = 2000;
  uint32_t fast_interval_ms = 500;  ///< interval while a member is changing state
  uint32_t timeout_ms = 1000;
  uint32_t rise = 2;
  uint32_t fall = 3;
  bool operator==(const CheckSpec&) const = default;
};

/// One server in a pool.
struct PoolMember {
  std::array<uint8_t, 16> address{};  ///< 4 bytes used for IPv4
  uint8_t family = 4;                 ///< 4 or 6
  std::string address_text;           ///< as written, for status and logs
  std::string check_address;          ///< where probes go; defaults to address_text
  uint16_t weight = 1;
  bool backup = false;
  bool drained = false;               ///< "state": "drain" in the zone file
  std::shared_ptr<MemberHealth> health;  ///< bound before the zone is published
  std::shared_ptr<MemberAdmin> admin;    ///< bound before the zone is published
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
