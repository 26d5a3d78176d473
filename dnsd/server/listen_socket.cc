#include "dnsd/server/listen_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dnsd {
namespace {

/// Requested UDP receive buffer per socket.
constexpr int kUdpReceiveBuffer = 4 * 1024 * 1024;

bool set_int_option(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof value) == 0;
}

}  // namespace

int open_listen_socket(const ListenAddress& address, int type, std::string& error) {
  const std::string what = std::string(type == SOCK_DGRAM ? "udp " : "tcp ") + address.to_string() + ": ";
  int fd = socket(address.family(), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = what + "socket: " + std::strerror(errno);
    return -1;
  }
  auto fail = [&](const char* step) {
    error = what + step + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  };
  if (!set_int_option(fd, SOL_SOCKET, SO_REUSEPORT, 1)) return fail("setsockopt(SO_REUSEPORT)");
  if (type == SOCK_STREAM && !set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1))
    return fail("setsockopt(SO_REUSEADDR)");
  if (address.family() == AF_INET6 && !set_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1))
    return fail("setsockopt(IPV6_V6ONLY)");
  if (type == SOCK_DGRAM && address.is_wildcard()) {
    bool ok = address.family() == AF_INET ? set_int_option(fd, IPPROTO_IP, IP_PKTINFO, 1)
                                          : set_int_option(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
    if (!ok) return fail("setsockopt(PKTINFO)");
  }
  if (type == SOCK_DGRAM) {
    // Best effort: room for a burst of queries while the worker is busy (the
    // kernel caps this at net.core.rmem_max). The default ~200 KiB holds only
    // a few hundred packets and drops bursts from many clients.
    set_int_option(fd, SOL_SOCKET, SO_RCVBUF, kUdpReceiveBuffer);
    // Best effort, as Knot and NSD do: never set DF on answers, so a path with a
    // small MTU fragments them instead of dropping them silently.
    if (address.family() == AF_INET) set_int_option(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_OMIT);
    else set_int_option(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_OMIT);
  }
  if (bind(fd, address.sockaddr_ptr(), address.length) != 0) return fail("bind");
  return fd;
}

bool check_address_unused(const ListenAddress& address, int type, std::string& error) {
  int fd = socket(address.family(), type | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string(type == SOCK_DGRAM ? "udp " : "tcp ") + address.to_string() + ": socket: " + std::strerror(errno);
    return false;
  }
  if (address.family() == AF_INET6) set_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
  // SO_REUSEADDR lets TCP ignore connections of an earlier run in TIME_WAIT,
  // but never lets two sockets listen on one port.
  if (type == SOCK_STREAM) set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  bool ok = bind(fd, address.sockaddr_ptr(), address.length) == 0;
  if (!ok)
    error = std::string(type == SOCK_DGRAM ? "udp " : "tcp ") + address.to_string() + ": bind: " + std::strerror(errno);
  ::close(fd);
  return ok;
}

}  // namespace dnsd
