#include "dnsd/dnstap/encoder.h"

#include <sys/socket.h>

#include "dnstap.pb-c.h"

namespace dnsd::dnstap {
namespace {

ProtobufCBinaryData bytes_of(const void* data, size_t length) {
  return {length, static_cast<uint8_t*>(const_cast<void*>(data))};
}

}  // namespace

Encoder::Encoder(std::string identity, std::string version)
    : identity_(std::move(identity)), version_(std::move(version)) {}

void Encoder::encode(const Record& record, MessageType type, std::vector<uint8_t>& out) const {
  const RecordHeader& h = record.header;
  Dnstap__Message m = DNSTAP__MESSAGE__INIT;
  m.type = type == MessageType::AuthQuery ? DNSTAP__MESSAGE__TYPE__AUTH_QUERY : DNSTAP__MESSAGE__TYPE__AUTH_RESPONSE;
  if (const unsigned length = h.address_length(); length != 0) {
    m.has_socket_family = true;
    m.socket_family = h.family == AF_INET ? DNSTAP__SOCKET_FAMILY__INET : DNSTAP__SOCKET_FAMILY__INET6;
    m.has_query_address = true;
    m.query_address = bytes_of(h.client_address, length);
    m.has_query_port = true;
    m.query_port = h.client_port;
    m.has_response_address = true;
    m.response_address = bytes_of(h.server_address, length);
    m.has_response_port = true;
    m.response_port = h.server_port;
  }
  m.has_socket_protocol = true;
  m.socket_protocol = h.protocol == Protocol::Tcp ? DNSTAP__SOCKET_PROTOCOL__TCP : DNSTAP__SOCKET_PROTOCOL__UDP;
  m.has_query_time_sec = true;
  m.query_time_sec = uint64_t(h.query_sec);
  m.has_query_time_nsec = true;
  m.query_time_nsec = h.query_nsec;
  if (type == MessageType::AuthQuery) {
    m.has_query_message = true;
    m.query_message = bytes_of(record.query.data(), record.query.size());
  } else {
    m.has_response_time_sec = true;
    m.response_time_sec = uint64_t(h.response_sec);
    m.has_response_time_nsec = true;
    m.response_time_nsec = h.response_nsec;
    m.has_response_message = true;
    m.response_message = bytes_of(record.response.data(), record.response.size());
  }

  Dnstap__Dnstap d = DNSTAP__DNSTAP__INIT;
  if (!identity_.empty()) {
    d.has_identity = true;
    d.identity = bytes_of(identity_.data(), identity_.size());
  }
  if (!version_.empty()) {
    d.has_version = true;
    d.version = bytes_of(version_.data(), version_.size());
  }
  d.type = DNSTAP__DNSTAP__TYPE__MESSAGE;
  d.message = &m;
  out.resize(dnstap__dnstap__get_packed_size(&d));
  dnstap__dnstap__pack(&d, out.data());
}

}  // namespace dnsd::dnstap
