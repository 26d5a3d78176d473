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

#include "dnsd/server/tcp_session.h"

namespace dnsd {

class Responder;
class TcpConnections;

/// TCP limits, shared by all workers.
struct TcpLimits {
  /// Close a connection after this long without receiving anything.
  uint64_t idle_timeout_ms = 10000;
  /// Most open connections in the whole process.
  unsigned max_connections = 1000;
  /// Queries answered on one connection before the server closes it
  /// gracefully (RFC 7766 6.2.4: a server may close a connection, and a
  /// client retries what was not answered on a new one); 0: no limit. NSD's tcp-query-count and PowerDNS default to no
  /// limit; this default never cuts a resolver's or secondary's connection in
  /// practice and bounds how long one client can keep a worker's connection.
  uint64_t max_queries = 10000;
};

/// One client connection: a TcpSession behind a libuv socket, an idle timer
/// and the writes. Lives on its worker's loop and deletes itself once closed.
/// Worker thread only.
class TcpConnection final : private TcpExchangeObserver {
 public:
  explicit TcpConnection(TcpConnections& owner);
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  /// Accepts a pending connection of `server`. Returns false (and closes
  /// itself) when accept fails. Reading starts with start().
  bool accept(uv_stream_t* server);
  /// Starts reading and the idle timer, once the connection has its slot.
  void start();
  /// Closes the connection; pending answers are discarded. Idempotent.
  void close();
  /// True when closing loses nothing: no answer queued or being written, no
  /// message half received, no transfer under way (or the connection is only
  /// waiting for the client's FIN after its last answer).
  bool idle() const { return lingering_ || (!write_in_flight_ && session_.idle()); }
  bool closing() const { return closing_; }

 private:
  friend class TcpConnections;

  static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_discard_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void on_discard_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_written(uv_write_t* request, int status);
  static void on_shutdown(uv_shutdown_t* request, int status);
  static void on_idle_timer(uv_timer_t* timer);
  static void on_closed(uv_handle_t* handle);

  /// Acts on the session's state after it changed: writes what it has,
  /// starts or stops reading, closes or finishes.
  void progress();
  /// Writes the session's output: uv_try_write while the socket takes it,
  /// then one uv_write for the rest.
  void flush();
  void update_reading();
  /// The session has answered everything it will: send FIN after the
  /// answers, then read and drop whatever the client still sends until it
  /// closes (or the idle timeout), so that unread bytes never make the
  /// kernel reset the connection and lose answers it still holds.
  void finish();
  /// Logs an exchange of the session to the worker's dnstap ring.
  void exchanged(std::span<const uint8_t> query, std::span<const uint8_t> response, bool responded) override;

  TcpConnections& owner_;
  TcpSession session_;
  uv_tcp_t handle_{};
  uv_timer_t idle_timer_{};
  uv_write_t write_request_{};
  uv_shutdown_t shutdown_request_{};
  int open_handles_ = 0;
  bool linked_ = false;
  bool closing_ = false;
  bool reading_ = false;
  bool write_in_flight_ = false;
  bool lingering_ = false;   ///< FIN sent; only waiting for the client's
  bool peer_done_ = false;   ///< the client's FIN seen
  size_t write_length_ = 0;  ///< bytes of the session's output in the uv_write in flight
  uint64_t last_activity_ms_ = 0;
  /// With dnstap on: both ends of the connection, read once at accept.
  sockaddr_storage peer_{};
  sockaddr_storage local_{};

  TcpConnection* prev_ = nullptr;  ///< least-recently-active list
  TcpConnection* next_ = nullptr;
};

/// A worker's TCP connections. Worker thread only, except for the shared
/// process-wide connection count, which every worker's TcpConnections
/// updates atomically so that the cap holds across workers.
class TcpConnections {
 public:
  /// `open_count` is shared by every worker: the connections open in the
  /// process, never more than limits.max_connections.
  TcpConnections(uv_loop_t* loop, Responder& responder, const TcpLimits& limits, std::atomic<unsigned>& open_count);
  TcpConnections(const TcpConnections&) = delete;
  TcpConnections& operator=(const TcpConnections&) = delete;

  /// Accepts one pending connection from a listening socket. It gets a slot
  /// of the shared count first; at the cap, this worker's least-recently-active
  /// idle connection is closed to make room, or else the new one is accepted
  /// and closed at once.
  void accept(uv_stream_t* server);
  /// Closes every connection (shutdown).
  void close_all();

 private:
  friend class TcpConnection;
  /// Takes one slot of the shared count if it is under the cap (a CAS loop,
  /// so that two workers never both take the last slot).
  bool reserve_slot();
  /// Adds `c`, which holds a reserved slot, to this worker's list.
  void link(TcpConnection* c);
  /// Removes `c` from the list and gives its slot back; no-op if not linked.
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
  TcpScratch scratch_;
  /// Where the bytes a closing client still sends are read, to be dropped.
  std::unique_ptr<uint8_t[]> discard_;
};

}  // namespace dnsd
