// Helpers shared by the TCP transport's tests: a small zone, framing, and
// finding the server's end of a loopback connection.
#pragma once

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "tests/unit/zone_fixture.h"

namespace dnsd::test {

/// "example.test." with a few small answers and a 500-byte TXT.
inline std::shared_ptr<const zones::ZoneSet> tcp_zones() {
  auto zone = zone_from_lines("example.test.", {
      "@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60",
      "@ 300 IN NS ns1",
      "ns1 300 IN A 192.0.2.53",
      "www 300 IN A 192.0.2.10",
      "big 300 IN TXT \"" + std::string(250, 'a') + "\" \"" + std::string(250, 'b') + "\"",
  });
  return std::make_shared<zones::ZoneSet>(std::vector{zone});
}

/// `query` with its 2-byte length prefix.
inline std::vector<uint8_t> framed(const std::vector<uint8_t>& query) {
  std::vector<uint8_t> out{uint8_t(query.size() >> 8), uint8_t(query.size())};
  out.insert(out.end(), query.begin(), query.end());
  return out;
}

inline bool same_address(const sockaddr_in& a, const sockaddr_in& b) {
  return a.sin_family == b.sin_family && a.sin_port == b.sin_port && a.sin_addr.s_addr == b.sin_addr.s_addr;
}

/// The server's end of a client's loopback connection, found among this
/// process's descriptors by its addresses (TcpConnection owns it privately).
inline int server_end_of(int client) {
  sockaddr_in local{}, peer{};
  socklen_t l = sizeof local, p = sizeof peer;
  getsockname(client, reinterpret_cast<sockaddr*>(&local), &l);
  getpeername(client, reinterpret_cast<sockaddr*>(&peer), &p);
  DIR* dir = opendir("/proc/self/fd");
  int found = -1;
  while (dirent* e = dir ? readdir(dir) : nullptr) {
    const int fd = std::atoi(e->d_name);
    if (fd <= 2 || fd == client) continue;
    sockaddr_in a{}, b{};
    socklen_t al = sizeof a, bl = sizeof b;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &al) == 0 &&
        getpeername(fd, reinterpret_cast<sockaddr*>(&b), &bl) == 0 && same_address(a, peer) &&
        same_address(b, local))
      found = fd;
  }
  if (dir) closedir(dir);
  return found;
}

}  // namespace dnsd::test
