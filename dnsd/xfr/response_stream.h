// The messages of one response. A zone transfer over TCP is many messages,
// made one at a time as the connection drains (so a 200,000-name AXFR never
// sits in memory as wire bytes, and the worker answers other clients between
// them); everything else is one message.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "dnsd/query/zone_version.h"

namespace dnsd::xfr {

/// A source of response messages. Owned by the connection that sends them; one thread.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  /// Replaces `message` with the next message to send; false when there is none left.
  virtual bool next(std::vector<uint8_t>& message) = 0;
};

/// A response of one message, already built.
class SingleMessage : public ResponseStream {
 public:
  explicit SingleMessage(std::vector<uint8_t> message) : message_(std::move(message)) {}
  bool next(std::vector<uint8_t>& message) override;

 private:
  std::vector<uint8_t> message_;
  bool sent_ = false;
};

/// Signs each message before it is sent (TSIG); false if it cannot.
using MessageSigner = std::function<bool(std::vector<uint8_t>& message)>;

/// What every message of a transfer response starts with.
struct ResponseHeader {
  uint16_t id = 0;
  std::vector<uint8_t> question;  ///< name, type, class as received; written in the first message only
  bool edns = false;               ///< add an OPT record to every message
  size_t max_message = 16384;      ///< bytes per message, OPT included, TSIG excluded
};

/// Builds the answer sections of a transfer (RFC 5936 AXFR, RFC 1995 IXFR)
/// from a list of parts, packed into as few messages as the size allows.
/// Holds the version it reads, so a publish meanwhile changes nothing.
class TransferStream : public ResponseStream {
 public:
  TransferStream(ResponseHeader header, std::shared_ptr<const ZoneVersion> version, MessageSigner signer = {});
  ~TransferStream() override;

  /// Appends one SOA record of the zone with this rdata (serial included).
  void add_soa(std::vector<uint8_t> rdata);
  /// Appends every record of the version but the apex SOA (ZoneWalker).
  void add_zone();
  /// Appends the records of one list (kept alive by `owner`).
  void add_records(std::shared_ptr<const ZoneChange> owner, const RecordList& list);

  bool next(std::vector<uint8_t>& message) override;
  /// Messages made so far and their total size, for counters.
  size_t messages() const { return messages_; }
  size_t bytes() const { return bytes_; }
  /// True when a record did not fit into an empty message (the response is cut short).
  bool failed() const { return failed_; }
  /// Called once with the total bytes when the last message has been made.
  void on_finished(std::function<void(size_t bytes)> callback) { on_finished_ = std::move(callback); }

 private:
  struct Part;
  bool fetch(RecordView& record);

  ResponseHeader header_;
  std::shared_ptr<const ZoneVersion> version_;
  MessageSigner signer_;
  std::vector<std::unique_ptr<Part>> parts_;
  size_t part_ = 0;
  bool pending_valid_ = false;  ///< `pending_` holds a record that did not fit the previous message
  RecordView pending_;
  size_t messages_ = 0, bytes_ = 0;
  bool failed_ = false;
  bool done_ = false;
  std::function<void(size_t)> on_finished_;
};

}  // namespace dnsd::xfr
