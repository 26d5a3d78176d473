// An address the server listens on, from `--listen ADDR:PORT`. Both UDP and
// TCP are served on every listen address.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <string>
#include <string_view>

namespace dnsd {

/// A parsed numeric socket address. Plain data; any thread.
struct ListenAddress {
  sockaddr_storage storage{};  ///< sockaddr_in or sockaddr_in6, port set
  socklen_t length = 0;        ///< sizeof the sockaddr in `storage`

  /// AF_INET or AF_INET6.
  int family() const { return storage.ss_family; }
  /// The port in host byte order.
  uint16_t port() const;
  /// True for 0.0.0.0 and ::, where replies need IP_PKTINFO to leave from the
  /// address the query was sent to.
  bool is_wildcard() const;
  const sockaddr* sockaddr_ptr() const { return reinterpret_cast<const sockaddr*>(&storage); }
  /// Canonical text: "127.0.0.1:5353", "[::1]:5353", "[fe80::1%eth0]:53".
  std::string to_string() const;
};

/// Parses "IPV4:PORT" or "[IPV6]:PORT" (an IPv6 address may carry "%scope",
/// an interface name or number). Names are not resolved; the port must be
/// 1-65535. On failure returns false and sets `error` to a sentence naming the
/// problem. Any thread.
bool parse_listen_address(std::string_view text, ListenAddress& out, std::string& error);

}  // namespace dnsd
