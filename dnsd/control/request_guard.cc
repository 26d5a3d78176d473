#include "dnsd/control/request_guard.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace dnsd {
namespace {

/// A Host or Origin authority split into its host (lowercase; IPv6 without
/// brackets) and port (80 when absent).
struct Authority {
  std::string host;
  bool ipv6 = false;
  uint16_t port = 80;
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

bool parse_port(std::string_view text, uint16_t& port) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535)
    return false;
  port = uint16_t(value);
  return true;
}

/// "host", "host:port", "[v6]" or "[v6]:port"; false for anything else
/// (userinfo, paths, spaces and IPv6 scopes included).
bool split_authority(std::string_view text, Authority& out) {
  if (text.empty() || text.find_first_of("@/?#%\\ \t") != std::string_view::npos) return false;
  std::string_view rest;
  if (text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    out.host = lower(text.substr(1, close - 1));
    out.ipv6 = true;
    rest = text.substr(close + 1);
  } else {
    const size_t colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos) return false;
    out.host = lower(text.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
    if (out.host.empty()) return false;
  }
  if (rest.empty()) return true;
  return rest.front() == ':' && parse_port(rest.substr(1), out.port);
}

/// `text` for an error message: at most 80 bytes, bytes outside printable
/// ASCII shown as '?' (header values are the client's, not ours).
std::string printable(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size() && i < 80; ++i) out += text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
  if (text.size() > 80) out += "...";
  return out;
}

std::string quoted(std::string_view text) { return "'" + printable(text) + "'"; }

const std::string* find_header(const HttpRequest& request, const char* name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? nullptr : &it->second;
}

}  // namespace

RequestGuard RequestGuard::for_tcp(const ListenAddress& address) {
  RequestGuard guard;
  guard.address_ = address;
  return guard;
}

RequestGuard RequestGuard::for_unix_socket() {
  RequestGuard guard;
  guard.unix_socket_ = true;
  return guard;
}

bool RequestGuard::host_names_listener(std::string_view host) const {
  if (unix_socket_) return true;
  Authority a;
  if (!split_authority(host, a) || a.port != address_.port()) return false;
  if (!a.ipv6 && a.host == "localhost") return true;
  const int family = a.ipv6 ? AF_INET6 : AF_INET;
  if (family != address_.family()) return false;
  unsigned char given[16] = {};
  if (inet_pton(family, a.host.c_str(), given) != 1) return false;  // a name other than localhost
  if (address_.is_wildcard()) return true;
  if (family == AF_INET)
    return std::memcmp(given, &reinterpret_cast<const sockaddr_in&>(address_.storage).sin_addr, 4) == 0;
  return std::memcmp(given, &reinterpret_cast<const sockaddr_in6&>(address_.storage).sin6_addr, 16) == 0;
}

std::string RequestGuard::expected_hosts() const {
  if (unix_socket_) return "any";
  const std::string port = std::to_string(address_.port());
  if (address_.is_wildcard())
    return std::string("an IPv") + (address_.family() == AF_INET ? "4" : "6") + " address of this host with port " +
           port + ", or localhost:" + port;
  return address_.to_string() + " or localhost:" + port;
}

GuardVerdict RequestGuard::check(const HttpRequest& request) const {
  const std::string* host = find_header(request, "host");
  if (host && !host_names_listener(*host))
    return {403, "Host " + quoted(*host) + " does not name this control API (expected " + expected_hosts() +
                     "); refused so that a DNS name rebound to this address cannot reach it"};
  if (const std::string* origin = find_header(request, "origin"); origin && !(host && is_own_origin(*origin, *host)))
    return {403, "cross-origin request from " + quoted(*origin) +
                     " refused: the control API only serves its own origin" +
                     (host ? " (http://" + printable(*host) + ")" : std::string(", and this request has no Host"))};
  if (changes_state(request.method)) {
    const std::string* type = find_header(request, "content-type");
    if (!type || !is_json_content_type(*type))
      return {415, printable(request.method) + " needs Content-Type: application/json (" +
                       (type ? "got " + quoted(*type) : std::string("none sent")) +
                       "): no form or text body is accepted, so a web page cannot send one without a CORS "
                       "preflight, which dnsd never grants"};
  }
  return {};
}

bool changes_state(std::string_view method) { return method != "GET" && method != "HEAD" && method != "OPTIONS"; }

bool is_json_content_type(std::string_view value) {
  std::string_view type = value.substr(0, value.find(';'));
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return lower(type) == "application/json";
}

bool is_own_origin(std::string_view origin, std::string_view host) {
  constexpr std::string_view kScheme = "http://";
  if (origin.size() <= kScheme.size() || lower(origin.substr(0, kScheme.size())) != kScheme) return false;
  Authority from, to;
  if (!split_authority(origin.substr(kScheme.size()), from) || !split_authority(host, to)) return false;
  return from.host == to.host && from.ipv6 == to.ipv6 && from.port == to.port;
}

}  // namespace dnsd
