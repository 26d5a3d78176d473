// Turns a record into dnstap protobuf messages (the standard dnstap.proto,
// compiled by protoc-c): an AUTH_QUERY with the query, and an AUTH_RESPONSE
// with the response. Each Dnstap message carries the server's identity and
// version.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dnsd/dnstap/record.h"

namespace dnsd::dnstap {

/// Which of a record's two messages to encode.
enum class MessageType : uint8_t { AuthQuery, AuthResponse };

/// Encodes records. One writer thread (holds no state that changes).
class Encoder {
 public:
  /// `identity` (the NSID, or the host name) and `version` ("dnsd 0.1.0")
  /// go in every message; empty ones are left out.
  Encoder(std::string identity, std::string version);

  /// Sets `out` to the packed Dnstap message of type `type` for `record`
  /// (AuthResponse needs record.header.has_response). `out` keeps its
  /// capacity between calls, so this allocates only while it grows.
  void encode(const Record& record, MessageType type, std::vector<uint8_t>& out) const;

  const std::string& identity() const { return identity_; }
  const std::string& version() const { return version_; }

 private:
  std::string identity_;
  std::string version_;
};

}  // namespace dnsd::dnstap
