// Opens the sockets the listeners serve on. Every worker opens its own socket
// per address with SO_REUSEPORT, so the kernel spreads packets and
// connections over the workers and no two threads share a socket.
#pragma once

#include <string>

#include "dnsd/server/listen_address.h"

namespace dnsd {

/// Creates a nonblocking, close-on-exec socket of `type` (SOCK_DGRAM or
/// SOCK_STREAM) bound to `address`, with SO_REUSEPORT, IPV6_V6ONLY on IPv6, and
/// on UDP wildcard addresses IP_PKTINFO / IPV6_RECVPKTINFO so that replies can
/// leave from the address the query arrived on. Stream sockets are not yet
/// listening. Returns the fd, or -1 with `error` set ("udp [::1]:53: bind: ...").
/// Main thread, at start-up.
int open_listen_socket(const ListenAddress& address, int type, std::string& error);

/// Checks that no other socket holds `address` for `type`, by binding it once
/// without SO_REUSEPORT. Without this check a second dnsd (same user) on the
/// same port would silently join our SO_REUSEPORT group and take half the
/// queries. Returns false with `error` set ("... bind: Address already in use").
/// Main thread, at start-up, just before the workers open their sockets.
bool check_address_unused(const ListenAddress& address, int type, std::string& error);

}  // namespace dnsd
