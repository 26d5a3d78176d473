// The DNS side of one TCP connection (RFC 7766), without a socket: the bytes
// read go in, length-prefixed answers come out. It frames messages by their
// 2-byte length prefix, answers them in order, streams a zone transfer as the
// client reads it, and bounds its memory: answers are made only while the
// output queue is under its cap, so a client that pipelines without reading
// leaves its queries unread in the kernel rather than in our memory. The
// transport (TcpConnection) moves bytes between the socket and a TcpSession
// and asks it whether to read, write or close.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dnsd/query/query.h"
#include "dnsd/xfr/response_stream.h"

namespace dnsd {

class Responder;

/// Buffers every session of one worker uses in turn, one answer at a time.
/// One worker thread.
struct TcpScratch {
  /// One answer is built here, then copied to its session's output queue.
  std::unique_ptr<uint8_t[]> response = std::make_unique_for_overwrite<uint8_t[]>(kMaxMessage);
  /// One message of a streamed response (a transfer).
  std::vector<uint8_t> stream_message;
};

/// Told of each message a session answers or hands off, with the bytes, so
/// the transport can log it (dnstap) where it knows the socket. Worker thread.
class TcpExchangeObserver {
 public:
  /// `query` was answered with `response` (`responded`), or handed off to
  /// the transfer plane (not `responded`, `response` empty). The spans are
  /// valid during the call only.
  virtual void exchanged(std::span<const uint8_t> query, std::span<const uint8_t> response, bool responded) = 0;

 protected:
  ~TcpExchangeObserver() = default;
};

/// Framing and answering for one client connection. Owned by its connection;
/// one worker thread.
class TcpSession {
 public:
  /// Bytes of answers queued for a client at which no more queries are
  /// answered (and none read) until the client has read half of them.
  static constexpr size_t kMaxQueuedBytes = 256 * 1024;
  /// The most bytes the output queue ever holds: the cap, overshot by at
  /// most one largest message (answers are made while under the cap).
  static constexpr size_t kQueueBound = kMaxQueuedBytes + 2 + kMaxMessage;
  /// Bytes of a streamed response (a zone transfer) made ahead of the client,
  /// so a transfer is made as fast as the client reads it and no faster.
  static constexpr size_t kStreamQueue = 128 * 1024;
  /// Read buffer size between messages: typical queries are under 100 bytes,
  /// so this holds dozens; a longer message grows it for as long as it lasts.
  static constexpr size_t kInitialReadBuffer = 4096;
  /// The most a read buffer needs: a length prefix and the largest message.
  static constexpr size_t kMaxReadBuffer = 2 + kMaxMessage;

  /// `responder` and `scratch` are the worker's and outlive the session.
  /// After `max_queries` messages (0: no limit) nothing more is answered.
  TcpSession(Responder& responder, TcpScratch& scratch, uint64_t max_queries);
  TcpSession(const TcpSession&) = delete;
  TcpSession& operator=(const TcpSession&) = delete;

  /// The client's address, which the transfer plane checks. Unset: AF_UNSPEC.
  void set_peer(const sockaddr* peer, socklen_t length);
  /// The unix time (seconds) that answers made from now on use, for DNS
  /// cookies. The connection sets it before each received() or consumed(),
  /// so the session itself reads no clock.
  void set_clock(uint32_t unix_now) { now_ = unix_now; }
  /// Who is told of each exchange (nullptr: nobody). Outlives the session.
  void set_observer(TcpExchangeObserver* observer) { observer_ = observer; }

  /// Where the next read goes: never empty while wants_read(). Grows the
  /// buffer to hold a long message whose length prefix has arrived. Valid
  /// until the next call of any other member.
  std::span<uint8_t> read_space();
  /// `n` bytes were read into read_space(): answers the complete messages
  /// while the output queue is under its cap; the rest wait in the buffer.
  void received(size_t n);
  /// The client sent FIN: what it sent completely is still answered.
  void peer_closed();

  /// The next bytes to write (length-prefixed answers, in order). The bytes
  /// stay where they are until consumed() has covered them, so they may be
  /// handed to an asynchronous write; answers made meanwhile queue behind.
  std::span<const uint8_t> output();
  /// The first `n` bytes of output() were written. Makes room: answers
  /// queries that waited for it and the next messages of a transfer.
  void consumed(size_t n);

  /// True while more bytes are welcome: not over the output cap (reading
  /// resumes once half of the queue is written), no transfer under way
  /// (queries behind it wait in the kernel), the query limit not reached,
  /// no FIN seen and the stream not broken.
  bool wants_read() const { return !paused_ && !stream_ && !broken_ && !peer_done_ && !limit_reached(); }
  /// The stream cannot be framed any more (a zero-length message): close
  /// at once, nothing more is answered.
  bool broken() const { return broken_; }
  /// Nothing more will be answered (FIN seen, or the query limit reached)
  /// and every answer has been consumed: the connection may close
  /// gracefully.
  bool finished() const;
  /// True when the query limit has been reached (the close is the server's).
  bool limit_reached() const { return max_queries_ != 0 && queries_ >= max_queries_; }
  /// Nothing is queued, streamed or half received: closing loses nothing.
  bool idle() const { return queued_bytes() == 0 && read_end_ == read_start_ && !stream_; }

  /// Bytes of answers made and not yet consumed.
  size_t queued_bytes() const { return pending_.size() + sending_.size() - sent_; }
  /// Size of the read buffer now (it shrinks back after a long message).
  /// Bytes received and not yet answered sit in it.
  size_t read_buffer_size() const { return read_buffer_.size(); }
  /// Memory the output queue holds, used or not.
  size_t queue_capacity() const { return pending_.capacity() + sending_.capacity(); }
  /// Messages taken from the stream so far (answered, dropped or handed off).
  uint64_t queries() const { return queries_; }

 private:
  /// Makes answers while there is room: the transfer first, then the
  /// buffered queries in order.
  void advance();
  /// Queues the next messages of the transfer while less than kStreamQueue waits.
  void pump();
  /// Answers one message, or starts streaming its response (a transfer).
  void answer(std::span<const uint8_t> message);
  void enqueue(const uint8_t* message, size_t length);
  /// Sets `message` to the next complete message in the read buffer and
  /// takes it out; false when none is whole yet.
  bool next_message(std::span<const uint8_t>& message);
  /// Gives back a read buffer grown for a long message once what is left fits the initial size.
  void shrink_read_buffer();
  void update_pause();

  Responder& responder_;
  TcpScratch& scratch_;
  uint64_t max_queries_;
  uint64_t queries_ = 0;
  sockaddr_storage peer_{};
  uint32_t now_ = 0;  ///< see set_clock()
  TcpExchangeObserver* observer_ = nullptr;

  std::vector<uint8_t> read_buffer_;  ///< [read_start_, read_end_) holds unanswered bytes
  size_t read_start_ = 0;
  size_t read_end_ = 0;
  /// Output is two buffers: answers are appended to pending_ while the bytes
  /// of sending_ (from sent_ on) are being written, so they never move.
  std::vector<uint8_t> pending_;
  std::vector<uint8_t> sending_;
  size_t sent_ = 0;
  /// A response still being made (a transfer); later queries wait for it, so answers stay in order.
  std::unique_ptr<xfr::ResponseStream> stream_;
  bool paused_ = false;     ///< the output queue reached its cap; set until half of it is written
  bool peer_done_ = false;  ///< FIN seen
  bool broken_ = false;     ///< a zero-length message
};

}  // namespace dnsd
