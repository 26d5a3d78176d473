// DNS over TCP per RFC 7766: every message has a 2-byte length prefix; a
// client may pipeline many queries on one connection and gets the answers in
// order; idle connections are closed; the number of connections is capped.
// A TcpConnection is one accepted client; TcpConnections is a worker's set of
// them, kept in least-recently-active order so that the cap can close the
// oldest idle one to make room.
#pragma once

#include <sys/socket.h>
#include <uv.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "dnsd/query/query.h"
#include "dnsd/xfr/response_stream.h"

namespace dnsd {

class Responder;
class TcpConnections;

/// TCP limits, shared by all workers.
struct TcpLimits {
  /// Close a connection after this long without receiving anything.
  uint64_t idle_timeout_ms = 10000;
  /// Most open connections in the whole process.
  unsigned max_connections = 1000;
};

/// One client connection. Lives on its worker's loop and deletes itself once
/// closed. Worker thread only.
class TcpConnection {
 public:
  /// Most bytes of answers queued for a client before we stop reading from it
  /// (a client that pipelines without reading must not grow our memory).
  static constexpr size_t kMaxQueuedBytes = 256 * 1024;

  explicit TcpConnection(TcpConnections& owner);
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  /// Accepts a pending connection of `server` and starts reading. Returns false
  /// (and closes itself) when accept fails.
  bool accept(uv_stream_t* server);
  /// Closes the connection; pending answers are discarded. Idempotent.
  void close();
  /// True when no answer is being written or queued and no message is half
  /// received, so closing loses nothing.
  bool idle() const { return !write_in_flight_ && queued_.empty() && read_length_ == 0 && !stream_; }
  bool closing() const { return closing_; }

 private:
  friend class TcpConnections;

  static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_written(uv_write_t* request, int status);
  static void on_idle_timer(uv_timer_t* timer);
  static void on_closed(uv_handle_t* handle);

  /// Answers every complete message in the read buffer at unix time `now`,
  /// queueing the answers. Returns false when the connection must close (a
  /// zero-length message).
  bool answer_complete_messages(uint32_t now);
  /// Starts writing queued answers unless a write is already in flight.
  void flush();
  /// Queues the next messages of a multi-message response (a zone transfer)
  /// while less than kStreamQueue bytes wait, so a transfer is made as fast
  /// as the client reads it and no faster.
  void pump();
  /// Bytes of a streamed response queued ahead of the client.
  static constexpr size_t kStreamQueue = 128 * 1024;
  /// Stops reading while too many answers wait, resumes when they drain.
  void update_reading();

  TcpConnections& owner_;
  uv_tcp_t handle_{};
  uv_timer_t idle_timer_{};
  uv_write_t write_request_{};
  int open_handles_ = 0;
  bool closing_ = false;
  bool reading_ = false;
  bool peer_done_ = false;  ///< EOF seen: close once the answers are written
  bool write_in_flight_ = false;
  uint64_t last_activity_ms_ = 0;

  std::vector<uint8_t> read_buffer_;  ///< [0, read_length_) holds unprocessed bytes
  size_t read_length_ = 0;
  std::vector<uint8_t> queued_;   ///< length-prefixed answers not yet handed to the kernel
  std::vector<uint8_t> writing_;  ///< the bytes of the uv_write in flight
  /// A response still being made (a transfer); later queries wait for it, so answers stay in order.
  std::unique_ptr<xfr::ResponseStream> stream_;
  sockaddr_storage peer_{};  ///< the client's address, for the transfer plane

  TcpConnection* prev_ = nullptr;  ///< least-recently-active list
  TcpConnection* next_ = nullptr;
};

/// A worker's TCP connections. Worker thread only, except for the shared
/// process-wide connection count.
class TcpConnections {
 public:
  /// `open_count` is shared by every worker and enforces limits.max_connections.
  TcpConnections(uv_loop_t* loop, Responder& responder, const TcpLimits& limits, std::atomic<unsigned>& open_count);
  TcpConnections(const TcpConnections&) = delete;
  TcpConnections& operator=(const TcpConnections&) = delete;

  /// Accepts one pending connection from a listening socket. At the cap, closes
  /// this worker's least-recently-active idle connection to make room, or else
  /// accepts and immediately closes the new one.
  void accept(uv_stream_t* server);
  /// Closes every connection (shutdown).
  void close_all();

 private:
  friend class TcpConnection;
  void link(TcpConnection* c);
  void unlink(TcpConnection* c);
  /// Marks `c` as just active: it moves to the back of the eviction order.
  void touch(TcpConnection* c);
  bool evict_one();

  uv_loop_t* loop_;
  Responder& responder_;
  TcpLimits limits_;
  std::atomic<unsigned>& open_count_;
  TcpConnection* oldest_ = nullptr;
  TcpConnection* newest_ = nullptr;
  /// One answer at a time is built here, then copied to its connection's queue.
  std::unique_ptr<uint8_t[]> response_;
  std::vector<uint8_t> stream_message_;  ///< scratch for one message of a streamed response
};

}  // namespace dnsd
