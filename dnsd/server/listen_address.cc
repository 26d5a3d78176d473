#include "dnsd/server/listen_address.h"

#include <arpa/inet.h>
#include <net/if.h>

#include <charconv>
#include <cstring>

namespace dnsd {
namespace {

bool parse_port(std::string_view text, uint16_t& port, std::string& error) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
    error = "port '" + std::string(text) + "' is not a number from 1 to 65535";
    return false;
  }
  port = static_cast<uint16_t>(value);
  return true;
}

/// Interface index from "%eth0" or "%2"; 0 with an error when unknown.
bool parse_scope(std::string_view scope, uint32_t& index, std::string& error) {
  auto [end, ec] = std::from_chars(scope.data(), scope.data() + scope.size(), index);
  if (!scope.empty() && ec == std::errc() && end == scope.data() + scope.size()) return true;
  std::string name(scope);
  index = if_nametoindex(name.c_str());
  if (index == 0) {
    error = "unknown interface '" + name + "' in IPv6 scope";
    return false;
  }
  return true;
}

}  // namespace

uint16_t ListenAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(storage).sin_port);
  return ntohs(reinterpret_cast<const sockaddr_in6&>(storage).sin6_port);
}

bool ListenAddress::is_wildcard() const {
  if (family() == AF_INET) return reinterpret_cast<const sockaddr_in&>(storage).sin_addr.s_addr == htonl(INADDR_ANY);
  const auto& a6 = reinterpret_cast<const sockaddr_in6&>(storage).sin6_addr;
  return IN6_IS_ADDR_UNSPECIFIED(&a6);
}

std::string ListenAddress::to_string() const {
  char host[INET6_ADDRSTRLEN] = "";
  std::string out;
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(storage).sin_addr, host, sizeof host);
    out = host;
  } else {
    const auto& s6 = reinterpret_cast<const sockaddr_in6&>(storage);
    inet_ntop(AF_INET6, &s6.sin6_addr, host, sizeof host);
    out = std::string("[") + host;
    if (s6.sin6_scope_id != 0) {
      char name[IF_NAMESIZE] = "";
      out += '%';
      out += if_indextoname(s6.sin6_scope_id, name) != nullptr ? std::string(name) : std::to_string(s6.sin6_scope_id);
    }
    out += ']';
  }
  return out + ":" + std::to_string(port());
}

bool parse_listen_address(std::string_view text, ListenAddress& out, std::string& error) {
  out = ListenAddress{};
  if (text.empty()) {
    error = "empty listen address; expected ADDR:PORT such as 127.0.0.1:5353 or [::1]:5353";
    return false;
  }
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) {
      error = "'" + std::string(text) + "' has '[' without ']'; expected [IPV6]:PORT such as [::1]:5353";
      return false;
    }
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      error = "'" + std::string(text) + "' has no port; expected [IPV6]:PORT such as [::1]:5353";
      return false;
    }
    std::string_view host = text.substr(1, close - 1);
    uint32_t scope_id = 0;
    if (size_t percent = host.find('%'); percent != std::string_view::npos) {
      if (!parse_scope(host.substr(percent + 1), scope_id, error)) return false;
      host = host.substr(0, percent);
    }
    sockaddr_in6 s6{};
    s6.sin6_family = AF_INET6;
    s6.sin6_scope_id = scope_id;
    std::string host_text(host);
    if (inet_pton(AF_INET6, host_text.c_str(), &s6.sin6_addr) != 1) {
      error = "'" + host_text + "' is not a numeric IPv6 address";
      return false;
    }
    uint16_t port = 0;
    if (!parse_port(text.substr(close + 2), port, error)) return false;
    s6.sin6_port = htons(port);
    std::memcpy(&out.storage, &s6, sizeof s6);
    out.length = sizeof s6;
    return true;
  }

  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    error = "'" + std::string(text) + "' has no port; expected ADDR:PORT such as 127.0.0.1:5353";
    return false;
  }
  if (text.find(':') != colon) {
    error = "'" + std::string(text) + "' looks like IPv6; write it in brackets, e.g. [::1]:5353";
    return false;
  }
  sockaddr_in s4{};
  s4.sin_family = AF_INET;
  std::string host_text(text.substr(0, colon));
  if (inet_pton(AF_INET, host_text.c_str(), &s4.sin_addr) != 1) {
    error = "'" + host_text + "' is not a numeric IPv4 address";
    return false;
  }
  uint16_t port = 0;
  if (!parse_port(text.substr(colon + 1), port, error)) return false;
  s4.sin_port = htons(port);
  std::memcpy(&out.storage, &s4, sizeof s4);
  out.length = sizeof s4;
  return true;
}

}  // namespace dnsd
