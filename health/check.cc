#include "health/check.h"

#include <arpa/inet.h>

#include <chrono>
#include <cstring>

#include "health/dns_check.h"
#include "health/exec_check.h"
#include "health/http_check.h"
#include "health/tcp_check.h"

namespace dnsd::health {

using zones::CheckSpec;
using zones::CheckType;

std::unique_ptr<Check> make_check(CheckType type, uv_loop_t* loop) {
  switch (type) {
    case CheckType::None: return nullptr;
    case CheckType::Tcp: return std::make_unique<TcpCheck>(loop);
    case CheckType::Http:
    case CheckType::Https: return std::make_unique<HttpCheck>(loop);
    case CheckType::Dns: return std::make_unique<DnsCheck>(loop);
    case CheckType::Exec: return std::make_unique<ExecCheck>(loop);
  }
  return nullptr;
}

const char* check_type_name(CheckType type) {
  switch (type) {
    case CheckType::None: return "none";
    case CheckType::Tcp: return "tcp";
    case CheckType::Http: return "http";
    case CheckType::Https: return "https";
    case CheckType::Dns: return "dns";
    case CheckType::Exec: return "exec";
  }
  return "invalid";
}

uint16_t effective_port(const CheckSpec& spec) {
  if (spec.port != 0) return spec.port;
  switch (spec.type) {
    case CheckType::Http: return 80;
    case CheckType::Https: return 443;
    case CheckType::Dns: return 53;
    case CheckType::Tcp: return 80;
    case CheckType::Exec:
    case CheckType::None: return 0;
  }
  return 0;
}

CheckSpec normalized_spec(const CheckSpec& spec) {
  const CheckSpec defaults;
  CheckSpec out = spec;
  out.port = effective_port(spec);
  const bool http = spec.type == CheckType::Http || spec.type == CheckType::Https;
  if (!http) {
    out.path = defaults.path;
    out.host = defaults.host;
    out.expect = defaults.expect;
    out.body = defaults.body;
  }
  if (spec.type != CheckType::Https) out.tls_verify = defaults.tls_verify;
  if (spec.type != CheckType::Dns) {
    out.query_name = defaults.query_name;
    out.query_type = defaults.query_type;
    out.edns = defaults.edns;
    out.transport = defaults.transport;
    out.expect_rcode = defaults.expect_rcode;
    out.expect_address = defaults.expect_address;
    out.expect_answer = defaults.expect_answer;
  }
  if (spec.type != CheckType::Exec) out.command = defaults.command;
  if (spec.type == CheckType::None) {
    // Never probed: timing is irrelevant too, so every static member of an address shares one target.
    out = CheckSpec{};
  }
  return out;
}

bool parse_socket_address(const std::string& address, uint16_t port, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  std::string text = address;
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return true;
  }
  return false;
}

std::string canonical_address(const std::string& address) {
  sockaddr_storage ss;
  if (!parse_socket_address(address, 0, ss)) return address;
  char text[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, text, sizeof text);
  else
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, text, sizeof text);
  return text;
}

std::string bracketed_address(const std::string& address) {
  if (address.find(':') != std::string::npos && address.front() != '[') return "[" + address + "]";
  return address;
}

uint64_t monotonic_ms() {
  return uint64_t(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

}  // namespace dnsd::health
