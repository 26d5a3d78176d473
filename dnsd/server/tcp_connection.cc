#include "dnsd/server/tcp_connection.h"

#include "dnsd/server/dnstap_tap.h"
#include "dnsd/server/responder.h"

namespace dnsd {
namespace {

/// How many least-recently-active connections eviction looks at for an idle one.
constexpr int kEvictionScan = 16;
/// Reads of bytes that are only dropped (a closing client's) go here.
constexpr size_t kDiscardBuffer = 16 * 1024;

TcpConnection* from_handle(uv_handle_t* handle) { return static_cast<TcpConnection*>(handle->data); }

}  // namespace

TcpConnection::TcpConnection(TcpConnections& owner)
    : owner_(owner), session_(owner.responder_, owner.scratch_, owner.limits_.max_queries) {}

bool TcpConnection::accept(uv_stream_t* server) {
  uv_tcp_init(owner_.loop_, &handle_);
  handle_.data = this;
  ++open_handles_;
  uv_timer_init(owner_.loop_, &idle_timer_);
  idle_timer_.data = this;
  ++open_handles_;
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&handle_)) != 0) {
    close();
    return false;
  }
  sockaddr_storage peer{};
  int length = sizeof peer;
  if (uv_tcp_getpeername(&handle_, reinterpret_cast<sockaddr*>(&peer), &length) == 0)
    session_.set_peer(reinterpret_cast<const sockaddr*>(&peer), socklen_t(length));
  if (owner_.responder_.dnstap() != nullptr) {
    peer_ = peer;
    length = sizeof local_;
    if (uv_tcp_getsockname(&handle_, reinterpret_cast<sockaddr*>(&local_), &length) != 0) local_.ss_family = AF_UNSPEC;
    session_.set_observer(this);
  }
  return true;
}

void TcpConnection::exchanged(std::span<const uint8_t> query, std::span<const uint8_t> response, bool responded) {
  tap_exchange(*owner_.responder_.dnstap(), dnstap::Protocol::Tcp, reinterpret_cast<const sockaddr*>(&peer_),
               reinterpret_cast<const sockaddr*>(&local_), dnstap::coarse_now(), query, response, responded);
}

void TcpConnection::start() {
  uv_tcp_nodelay(&handle_, 1);
  last_activity_ms_ = uv_now(owner_.loop_);
  uv_timer_start(&idle_timer_, on_idle_timer, owner_.limits_.idle_timeout_ms, 0);
  progress();
}

void TcpConnection::close() {
  if (closing_) return;
  closing_ = true;
  owner_.unlink(this);
  uv_close(reinterpret_cast<uv_handle_t*>(&idle_timer_), on_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_), on_closed);
}

void TcpConnection::on_closed(uv_handle_t* handle) {
  TcpConnection* self = from_handle(handle);
  if (--self->open_handles_ == 0) delete self;
}

void TcpConnection::on_idle_timer(uv_timer_t* timer) {
  TcpConnection* self = from_handle(reinterpret_cast<uv_handle_t*>(timer));
  uint64_t now = uv_now(self->owner_.loop_);
  uint64_t timeout = self->owner_.limits_.idle_timeout_ms;
  uint64_t idle_for = now - self->last_activity_ms_;
  if (idle_for >= timeout) {
    if (!self->lingering_) self->owner_.responder_.stats().tcp_idle_timeout();
    self->close();
    return;
  }
  // Activity since the timer was set: sleep for the rest of the window. Reads
  // only store a timestamp, which is cheaper than re-arming a timer per read.
  uv_timer_start(&self->idle_timer_, on_idle_timer, timeout - idle_for, 0);
}

void TcpConnection::on_alloc(uv_handle_t* handle, size_t /*suggested*/, uv_buf_t* buf) {
  const std::span<uint8_t> space = from_handle(handle)->session_.read_space();
  *buf = uv_buf_init(reinterpret_cast<char*>(space.data()), static_cast<unsigned>(space.size()));
}

void TcpConnection::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* /*buf*/) {
  TcpConnection* self = from_handle(reinterpret_cast<uv_handle_t*>(stream));
  if (nread > 0) {
    self->session_.set_clock(unix_seconds());  // once per read, for DNS cookies
    self->session_.received(static_cast<size_t>(nread));
    self->last_activity_ms_ = uv_now(self->owner_.loop_);
    self->owner_.touch(self);
    self->progress();
    return;
  }
  if (nread == 0) return;  // EAGAIN: nothing this time
  if (nread == UV_EOF) {
    // The client is done sending; it still gets every answer to what it sent.
    self->peer_done_ = true;
    uv_read_stop(stream);
    self->reading_ = false;
    self->session_.peer_closed();
    self->progress();
    return;
  }
  self->close();  // ECONNRESET and the like
}

void TcpConnection::progress() {
  if (closing_ || lingering_) return;
  if (session_.broken()) {  // the stream cannot be framed: nothing more can be answered
    close();
    return;
  }
  flush();
  if (closing_) return;
  if (!write_in_flight_ && session_.finished()) {
    finish();
    return;
  }
  update_reading();
}

void TcpConnection::flush() {
  if (closing_ || write_in_flight_ || lingering_) return;
  auto* stream = reinterpret_cast<uv_stream_t*>(&handle_);
  for (;;) {
    // Most answers fit the socket buffer: write them now, without a callback.
    std::span<const uint8_t> out = session_.output();
    if (out.empty()) return;
    uv_buf_t now = uv_buf_init(const_cast<char*>(reinterpret_cast<const char*>(out.data())),
                               static_cast<unsigned>(out.size()));
    int written = uv_try_write(stream, &now, 1);
    if (written == UV_EAGAIN) written = 0;
    if (written < 0) {
      close();
      return;
    }
    // The session makes more answers (and transfer messages) as room appears.
    session_.set_clock(unix_seconds());
    session_.consumed(static_cast<size_t>(written));
    if (static_cast<size_t>(written) != out.size()) break;
  }
  // The socket is full: the rest stays put in the session until written.
  const std::span<const uint8_t> rest = session_.output();
  uv_buf_t buf = uv_buf_init(const_cast<char*>(reinterpret_cast<const char*>(rest.data())),
                             static_cast<unsigned>(rest.size()));
  write_request_.data = this;
  if (uv_write(&write_request_, stream, &buf, 1, on_written) != 0) {
    close();
    return;
  }
  write_in_flight_ = true;
  write_length_ = rest.size();
}

void TcpConnection::on_written(uv_write_t* request, int status) {
  auto* self = static_cast<TcpConnection*>(request->data);
  self->write_in_flight_ = false;
  if (self->closing_) return;  // cancelled by close()
  if (status < 0) {
    self->close();
    return;
  }
  // The client is reading what it asked for (a transfer, a backlog of
  // answers): that is activity.
  self->last_activity_ms_ = uv_now(self->owner_.loop_);
  self->session_.set_clock(unix_seconds());
  self->session_.consumed(self->write_length_);
  self->write_length_ = 0;
  self->progress();
}

void TcpConnection::update_reading() {
  if (closing_ || lingering_ || peer_done_) return;
  auto* stream = reinterpret_cast<uv_stream_t*>(&handle_);
  const bool wanted = session_.wants_read();
  if (reading_ && !wanted) {
    uv_read_stop(stream);
    reading_ = false;
  } else if (!reading_ && wanted) {
    if (uv_read_start(stream, on_alloc, on_read) != 0) {
      close();
      return;
    }
    reading_ = true;
  }
}

void TcpConnection::finish() {
  if (peer_done_) {  // everything the client sent was read: a plain close sends FIN after the answers
    close();
    return;
  }
  lingering_ = true;
  auto* stream = reinterpret_cast<uv_stream_t*>(&handle_);
  if (reading_) uv_read_stop(stream);
  reading_ = false;
  shutdown_request_.data = this;
  if (uv_shutdown(&shutdown_request_, stream, on_shutdown) != 0 ||
      uv_read_start(stream, on_discard_alloc, on_discard_read) != 0) {
    close();
    return;
  }
  reading_ = true;
}

void TcpConnection::on_shutdown(uv_shutdown_t* request, int status) {
  auto* self = static_cast<TcpConnection*>(request->data);
  if (self->closing_) return;  // cancelled by close()
  if (status < 0) self->close();
}

void TcpConnection::on_discard_alloc(uv_handle_t* handle, size_t /*suggested*/, uv_buf_t* buf) {
  *buf = uv_buf_init(reinterpret_cast<char*>(from_handle(handle)->owner_.discard_.get()), kDiscardBuffer);
}

void TcpConnection::on_discard_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* /*buf*/) {
  // Queries past the end are dropped; the client's FIN (or an error) ends the connection.
  if (nread < 0) from_handle(reinterpret_cast<uv_handle_t*>(stream))->close();
}

TcpConnections::TcpConnections(uv_loop_t* loop, Responder& responder, const TcpLimits& limits,
                               std::atomic<unsigned>& open_count)
    : loop_(loop),
      responder_(responder),
      limits_(limits),
      open_count_(open_count),
      discard_(std::make_unique_for_overwrite<uint8_t[]>(kDiscardBuffer)) {}

void TcpConnections::accept(uv_stream_t* server) {
  auto* c = new TcpConnection(*this);
  if (!c->accept(server)) return;  // it closes and deletes itself
  // Another worker may take the slot an eviction frees; then the new one is refused.
  if (!reserve_slot() && !(evict_one() && reserve_slot())) {
    responder_.stats().tcp_refused();
    c->close();
    return;
  }
  responder_.stats().tcp_accepted();
  link(c);
  c->start();
}

void TcpConnections::close_all() {
  while (oldest_ != nullptr) oldest_->close();
}

bool TcpConnections::reserve_slot() {
  unsigned open = open_count_.load(std::memory_order_relaxed);
  while (open < limits_.max_connections) {
    if (open_count_.compare_exchange_weak(open, open + 1, std::memory_order_relaxed)) return true;
  }
  return false;
}

void TcpConnections::link(TcpConnection* c) {
  c->linked_ = true;
  c->prev_ = newest_;
  c->next_ = nullptr;
  if (newest_ != nullptr) newest_->next_ = c;
  else oldest_ = c;
  newest_ = c;
}

void TcpConnections::unlink(TcpConnection* c) {
  if (!c->linked_) return;  // never linked (refused or failed accept)
  c->linked_ = false;
  open_count_.fetch_sub(1, std::memory_order_relaxed);
  if (c->prev_ != nullptr) c->prev_->next_ = c->next_;
  else oldest_ = c->next_;
  if (c->next_ != nullptr) c->next_->prev_ = c->prev_;
  else newest_ = c->prev_;
  c->prev_ = c->next_ = nullptr;
}

void TcpConnections::touch(TcpConnection* c) {
  if (newest_ == c) return;
  // Move to the back: unlink without touching the count, then append.
  if (c->prev_ != nullptr) c->prev_->next_ = c->next_;
  else oldest_ = c->next_;
  c->next_->prev_ = c->prev_;  // c is not the newest, so it has a successor
  c->prev_ = newest_;
  c->next_ = nullptr;
  newest_->next_ = c;
  newest_ = c;
}

bool TcpConnections::evict_one() {
  int scanned = 0;
  for (TcpConnection* c = oldest_; c != nullptr && scanned < kEvictionScan; c = c->next_, ++scanned) {
    if (c->idle()) {
      responder_.stats().tcp_evicted();
      c->close();
      return true;
    }
  }
  return false;
}

}  // namespace dnsd
