// One DNS exchange as a worker hands it to the dnstap writer: a fixed header
// (times, addresses, ports, transport) and the raw query and response bytes.
// The writer turns a record into an AUTH_QUERY and, when it holds a response,
// an AUTH_RESPONSE message. Plain data, built on the worker's stack: no
// allocation.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <ctime>
#include <span>

namespace dnsd::dnstap {

/// The transport a query came over (dnstap's SocketProtocol).
enum class Protocol : uint8_t { Udp = 1, Tcp = 2 };

/// The fixed part of a record. Trivially copyable: the ring copies it as bytes.
struct RecordHeader {
  uint32_t query_length = 0;     ///< bytes of the query that follow the header
  uint32_t response_length = 0;  ///< bytes of the response after the query; 0 with has_response false
  int64_t query_sec = 0;         ///< realtime clock when the query was read
  uint32_t query_nsec = 0;
  uint32_t response_nsec = 0;
  int64_t response_sec = 0;  ///< realtime clock when the response was made
  uint16_t client_port = 0;  ///< dnstap query_port, host byte order
  uint16_t server_port = 0;  ///< dnstap response_port, host byte order
  uint8_t family = 0;        ///< AF_INET or AF_INET6 (both addresses); 0: unknown, no addresses
  Protocol protocol = Protocol::Udp;
  bool has_response = false;  ///< false: only the query (a handed-off transfer or NOTIFY)
  uint8_t client_address[16] = {};  ///< 4 bytes used for AF_INET
  uint8_t server_address[16] = {};

  /// Bytes of the address fields in use: 4, 16, or 0 for an unknown family.
  unsigned address_length() const { return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0; }
  /// Messages this record becomes: 1 (AUTH_QUERY) or 2 (and AUTH_RESPONSE).
  unsigned messages() const { return has_response ? 2 : 1; }
};

/// A record read back from a ring: the header and views of its bytes, valid
/// until the next read from that ring. Writer thread.
struct Record {
  RecordHeader header;
  std::span<const uint8_t> query;
  std::span<const uint8_t> response;
};

/// Fills the header's family, addresses and ports from `client` (the peer)
/// and `server` (the local address the query came to; may be nullptr or of
/// another family, then the server fields stay zero). An IPv4-mapped IPv6
/// peer of a dual-stack socket is recorded as IPv6, as the socket saw it.
/// Any thread.
void set_endpoints(RecordHeader& header, const sockaddr* client, const sockaddr* server);

/// The coarse realtime clock (CLOCK_REALTIME_COARSE, a few ms resolution):
/// cheap enough for a transport to read once per batch. Any thread.
timespec coarse_now();

/// Stores `time` as the header's query time. Any thread.
void set_query_time(RecordHeader& header, const timespec& time);
/// Stores `time` as the header's response time. Any thread.
void set_response_time(RecordHeader& header, const timespec& time);

}  // namespace dnsd::dnstap
