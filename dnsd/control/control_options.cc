#include "dnsd/control/control_options.h"

#include <netinet/in.h>

#include <fstream>

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

std::string control_options_problem(const ControlOptions& options) {
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
