// dnstap encoding, decoded back with protobuf-c: message types, addresses,
// ports, protocol, times, identity, version and the DNS bytes.
#include "dnsd/dnstap/encoder.h"

#include <arpa/inet.h>
#include <doctest.h>

#include <string>
#include <vector>

#include "dnstap.pb-c.h"

using namespace dnsd::dnstap;

namespace {

std::string text(const ProtobufCBinaryData& b) { return std::string(reinterpret_cast<const char*>(b.data), b.len); }

struct Fixture {
  std::vector<uint8_t> query{0x12, 0x34, 1, 0, 0, 1};
  std::vector<uint8_t> response{0x12, 0x34, 0x85, 0x03, 0, 1, 0, 0};
  Record record;

  Fixture() {
    sockaddr_in6 client{}, server{};
    client.sin6_family = server.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "2001:db8::1", &client.sin6_addr);
    inet_pton(AF_INET6, "2001:db8::53", &server.sin6_addr);
    client.sin6_port = htons(40000);
    server.sin6_port = htons(5353);
    set_endpoints(record.header, reinterpret_cast<sockaddr*>(&client), reinterpret_cast<sockaddr*>(&server));
    record.header.protocol = Protocol::Tcp;
    record.header.has_response = true;
    set_query_time(record.header, timespec{1700000000, 500});
    set_response_time(record.header, timespec{1700000001, 600});
    record.query = query;
    record.response = response;
  }
};

Dnstap__Dnstap* decode(const std::vector<uint8_t>& bytes) {
  return dnstap__dnstap__unpack(nullptr, bytes.size(), bytes.data());
}

}  // namespace

TEST_CASE("dnstap encoder: AUTH_QUERY carries the query, both endpoints and the query time") {
  Fixture f;
  Encoder encoder("ns1.example", "dnsd 0.1.0");
  std::vector<uint8_t> out;
  encoder.encode(f.record, MessageType::AuthQuery, out);
  Dnstap__Dnstap* d = decode(out);
  REQUIRE(d != nullptr);
  CHECK(text(d->identity) == "ns1.example");
  CHECK(text(d->version) == "dnsd 0.1.0");
  CHECK(d->type == DNSTAP__DNSTAP__TYPE__MESSAGE);
  REQUIRE(d->message != nullptr);
  const Dnstap__Message& m = *d->message;
  CHECK(m.type == DNSTAP__MESSAGE__TYPE__AUTH_QUERY);
  CHECK(m.socket_family == DNSTAP__SOCKET_FAMILY__INET6);
  CHECK(m.socket_protocol == DNSTAP__SOCKET_PROTOCOL__TCP);
  char address[INET6_ADDRSTRLEN];
  REQUIRE(m.query_address.len == 16);
  CHECK(std::string(inet_ntop(AF_INET6, m.query_address.data, address, sizeof address)) == "2001:db8::1");
  REQUIRE(m.response_address.len == 16);
  CHECK(std::string(inet_ntop(AF_INET6, m.response_address.data, address, sizeof address)) == "2001:db8::53");
  CHECK(m.query_port == 40000);
  CHECK(m.response_port == 5353);
  CHECK(m.query_time_sec == 1700000000);
  CHECK(m.query_time_nsec == 500);
  CHECK(std::vector<uint8_t>(m.query_message.data, m.query_message.data + m.query_message.len) == f.query);
  CHECK_FALSE(m.has_response_message);
  CHECK_FALSE(m.has_response_time_sec);
  dnstap__dnstap__free_unpacked(d, nullptr);
}

TEST_CASE("dnstap encoder: AUTH_RESPONSE carries the response and both times") {
  Fixture f;
  Encoder encoder("", "dnsd 0.1.0");
  std::vector<uint8_t> out;
  encoder.encode(f.record, MessageType::AuthResponse, out);
  Dnstap__Dnstap* d = decode(out);
  REQUIRE(d != nullptr);
  CHECK_FALSE(d->has_identity);
  REQUIRE(d->message != nullptr);
  const Dnstap__Message& m = *d->message;
  CHECK(m.type == DNSTAP__MESSAGE__TYPE__AUTH_RESPONSE);
  CHECK(m.query_time_sec == 1700000000);
  CHECK(m.response_time_sec == 1700000001);
  CHECK(m.response_time_nsec == 600);
  CHECK(std::vector<uint8_t>(m.response_message.data, m.response_message.data + m.response_message.len) ==
        f.response);
  CHECK_FALSE(m.has_query_message);
  dnstap__dnstap__free_unpacked(d, nullptr);
}

TEST_CASE("dnstap encoder: IPv4 over UDP, and an unknown peer leaves the addresses out") {
  Fixture f;
  sockaddr_in client{}, server{};
  client.sin_family = server.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.7", &client.sin_addr);
  inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
  client.sin_port = htons(1234);
  server.sin_port = htons(53);
  set_endpoints(f.record.header, reinterpret_cast<sockaddr*>(&client), reinterpret_cast<sockaddr*>(&server));
  f.record.header.protocol = Protocol::Udp;
  Encoder encoder("x", "y");
  std::vector<uint8_t> out;
  encoder.encode(f.record, MessageType::AuthQuery, out);
  Dnstap__Dnstap* d = decode(out);
  REQUIRE(d != nullptr);
  CHECK(d->message->socket_family == DNSTAP__SOCKET_FAMILY__INET);
  CHECK(d->message->socket_protocol == DNSTAP__SOCKET_PROTOCOL__UDP);
  REQUIRE(d->message->query_address.len == 4);
  CHECK(d->message->query_address.data[3] == 7);
  CHECK(d->message->query_port == 1234);
  CHECK(d->message->response_port == 53);
  dnstap__dnstap__free_unpacked(d, nullptr);

  set_endpoints(f.record.header, nullptr, nullptr);
  encoder.encode(f.record, MessageType::AuthQuery, out);
  d = decode(out);
  REQUIRE(d != nullptr);
  CHECK_FALSE(d->message->has_query_address);
  CHECK_FALSE(d->message->has_socket_family);
  dnstap__dnstap__free_unpacked(d, nullptr);
}
