#include "dnsd/control/control_options.h"

#include <netinet/in.h>

#include <fstream>

#include "dnsd/control/unix_socket.h"

namespace dnsd {

bool is_loopback(const ListenAddress& address) {
  if (address.family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address.storage);
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  if (address.family() == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address.storage);
    if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) return true;
    return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
  }
  return false;
}

bool parse_control_address(std::string_view text, ControlOptions& out, std::string& error) {
  out.unix_path.clear();
  if (text.substr(0, kUnixControlPrefix.size()) != kUnixControlPrefix)
    return parse_listen_address(text, out.address, error);
  const std::string_view path = text.substr(kUnixControlPrefix.size());
  if (path.empty() || path.size() > kMaxUnixSocketPath) {
    error = "'" + std::string(text) + "': a UNIX socket path must be 1 to " + std::to_string(kMaxUnixSocketPath) +
            " bytes, e.g. unix:/run/dnsd/control.sock";
    return false;
  }
  out.unix_path = path;
  return true;
}

std::string control_address_text(const ControlOptions& options) {
  return options.unix_path.empty() ? options.address.to_string() : std::string(kUnixControlPrefix) + options.unix_path;
}

std::string control_options_problem(const ControlOptions& options) {
  if (!options.unix_path.empty()) return "";
  if (options.token.empty() && !is_loopback(options.address))
    return "--control " + options.address.to_string() +
           " is not a loopback address: anyone who can reach it could drain servers and read state, so "
           "--control-token (or --control-token-file) is required";
  return "";
}

bool read_token_file(const char* path, std::string& out) {
  std::ifstream in(path);
  if (!in || !std::getline(in, out)) return false;
  while (!out.empty() && (out.back() == '\r' || out.back() == ' ' || out.back() == '\t')) out.pop_back();
  return !out.empty();
}

}  // namespace dnsd
