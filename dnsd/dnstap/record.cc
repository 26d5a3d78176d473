#include "dnsd/dnstap/record.h"

#include <netinet/in.h>

#include <cstring>

namespace dnsd::dnstap {

void set_endpoints(RecordHeader& header, const sockaddr* client, const sockaddr* server) {
  header.family = 0;
  if (client == nullptr) return;
  if (client->sa_family == AF_INET) {
    const auto* c = reinterpret_cast<const sockaddr_in*>(client);
    header.family = AF_INET;
    std::memcpy(header.client_address, &c->sin_addr, 4);
    header.client_port = ntohs(c->sin_port);
    if (server != nullptr && server->sa_family == AF_INET) {
      const auto* s = reinterpret_cast<const sockaddr_in*>(server);
      std::memcpy(header.server_address, &s->sin_addr, 4);
      header.server_port = ntohs(s->sin_port);
    }
  } else if (client->sa_family == AF_INET6) {
    const auto* c = reinterpret_cast<const sockaddr_in6*>(client);
    header.family = AF_INET6;
    std::memcpy(header.client_address, &c->sin6_addr, 16);
    header.client_port = ntohs(c->sin6_port);
    if (server != nullptr && server->sa_family == AF_INET6) {
      const auto* s = reinterpret_cast<const sockaddr_in6*>(server);
      std::memcpy(header.server_address, &s->sin6_addr, 16);
      header.server_port = ntohs(s->sin6_port);
    }
  }
}

timespec coarse_now() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME_COARSE, &now);
  return now;
}

void set_query_time(RecordHeader& header, const timespec& time) {
  header.query_sec = time.tv_sec;
  header.query_nsec = uint32_t(time.tv_nsec);
}

void set_response_time(RecordHeader& header, const timespec& time) {
  header.response_sec = time.tv_sec;
  header.response_nsec = uint32_t(time.tv_nsec);
}

}  // namespace dnsd::dnstap
