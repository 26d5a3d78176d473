// How a pool's members are to be probed, exactly as the zone file says it. The
// loader parses and validates it (so its errors carry JSON pointers); health/
// normalises and interprets it. Plain data: no live state here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dnsd::zones {

/// Kinds of health check.
enum class CheckType : uint8_t { None, Tcp, Http, Https, Dns, Exec };

/// How a dns check sends its query: Udp retries over TCP when the UDP reply
/// is truncated (TC=1); Tcp uses TCP from the start.
enum class DnsTransport : uint8_t { Udp, Tcp };

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
  bool edns = true;              ///< dns: the query carries an OPT record (UDP size 1232, DO=0)
  DnsTransport transport = DnsTransport::Udp;  ///< dns: see DnsTransport
  std::vector<uint16_t> expect_rcode{0};       ///< dns: accepted rcodes (0..4095); NOERROR by default
  std::string expect_address;    ///< dns: canonical IP text an answer A/AAAA must carry; empty means any
  bool expect_answer = false;    ///< dns: the answer must hold a record of query_type
  std::string command;           ///< exec: command line; {address} and {port} are substituted
  uint32_t interval_ms = 2000;
  uint32_t fast_interval_ms = 500;  ///< interval while a member is changing state
  uint32_t timeout_ms = 1000;
  uint32_t rise = 2;
  uint32_t fall = 3;
  bool operator==(const CheckSpec&) const = default;
};

}  // namespace dnsd::zones
