#include "dnsd/server/tcp_connection.h"

#include <algorithm>
#include <cstring>

#include "dnsd/server/responder.h"

namespace dnsd {
namespace {

/// A length prefix plus the largest DNS message: the most a read buffer needs.
constexpr size_t kMaxReadBuffer = 2 + kMaxMessage;
/// First read buffer; typical queries are under 100 bytes, so this holds dozens.
constexpr size_t kInitialReadBuffer = 4096;
/// Initial room for queued answers; a pipelined burst may grow it.
constexpr size_t kInitialQueue = 4096;
/// Grow the read buffer when less than this is free.
constexpr size_t kMinFreeRead = 512;
/// How many least-recently-active connections eviction looks at for an idle one.
constexpr int kEvictionScan = 16;

TcpConnection* from_handle(uv_handle_t* handle) { return static_cast<TcpConnection*>(handle->data); }

}  // namespace

TcpConnection::TcpConnection(TcpConnections& owner) : owner_(owner) {}

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
  int length = sizeof peer_;
  if (uv_tcp_getpeername(&handle_, reinterpret_cast<sockaddr*>(&peer_), &length) != 0) peer_.ss_family = AF_UNSPEC;
  return true;
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
    self->owner_.responder_.stats().tcp_idle_timeout();
    self->close();
    return;
  }
  // Activity since the timer was set: sleep for the rest of the window. Reads
  // only store a timestamp, which is cheaper than re-arming a timer per read.
  uv_timer_start(&self->idle_timer_, on_idle_timer, timeout - idle_for, 0);
}

void TcpConnection::on_alloc(uv_handle_t* handle, size_t /*suggested*/, uv_buf_t* buf) {
  TcpConnection* self = from_handle(handle);
  std::vector<uint8_t>& b = self->read_buffer_;
  if (b.size() - self->read_length_ < kMinFreeRead && b.size() < kMaxReadBuffer) {
    size_t wanted = std::max(kInitialReadBuffer, b.size() * 2);
    if (self->read_length_ >= 2) wanted = std::max(wanted, 2 + ((size_t{b[0]} << 8) | b[1]));
    b.resize(std::min(wanted, kMaxReadBuffer));
  }
  *buf = uv_buf_init(reinterpret_cast<char*>(b.data() + self->read_length_),
                     static_cast<unsigned>(b.size() - self->read_length_));
}

void TcpConnection::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* /*buf*/) {
  TcpConnection* self = from_handle(reinterpret_cast<uv_handle_t*>(stream));
  if (nread > 0) {
    self->read_length_ += static_cast<size_t>(nread);
    self->last_activity_ms_ = uv_now(self->owner_.loop_);
    self->owner_.touch(self);
    if (!self->answer_complete_messages(unix_seconds())) {  // the time once per read
      self->close();
      return;
    }
    self->flush();
    if (!self->closing_) self->update_reading();
    return;
  }
  if (nread == 0) return;  // EAGAIN: nothing this time
  if (nread == UV_EOF) {
    // The client is done sending; it still gets every answer already queued.
    self->peer_done_ = true;
    uv_read_stop(stream);
    self->reading_ = false;
    if (!self->write_in_flight_ && self->queued_.empty() && !self->stream_) self->close();
    return;
  }
  self->close();  // ECONNRESET and the like
}

bool TcpConnection::answer_complete_messages(uint32_t now) {
  uint8_t* data = read_buffer_.data();
  uint8_t* response = owner_.response_.get();
  size_t pos = 0;
  while (!stream_ && read_length_ - pos >= 2) {
    size_t length = (size_t{data[pos]} << 8) | data[pos + 1];
    if (length == 0) return false;  // not a DNS message: the stream is broken
    if (read_length_ - pos - 2 < length) break;  // the rest arrives later
    const std::span<const uint8_t> query(data + pos + 2, length);
    QueryResult result = owner_.responder_.answer(query, {response, kMaxMessage}, Transport::Tcp,
                                                  reinterpret_cast<const sockaddr*>(&peer_), now);
    pos += 2 + length;
    if (result.action == QueryAction::Handoff) {
      stream_ = owner_.responder_.hand_off(query, reinterpret_cast<const sockaddr*>(&peer_), Transport::Tcp);
      pump();
      continue;
    }
    if (result.action != QueryAction::Respond) continue;
    uint8_t prefix[2] = {static_cast<uint8_t>(result.length >> 8), static_cast<uint8_t>(result.length)};
    queued_.insert(queued_.end(), prefix, prefix + 2);
    queued_.insert(queued_.end(), response, response + result.length);
  }
  if (pos != 0) {
    std::memmove(data, data + pos, read_length_ - pos);
    read_length_ -= pos;
  }
  return true;
}

void TcpConnection::pump() {
  std::vector<uint8_t>& m = owner_.stream_message_;
  while (stream_ && queued_.size() + writing_.size() < kStreamQueue) {
    if (!stream_->next(m)) {
      stream_.reset();
      break;
    }
    if (m.empty() || m.size() > kMaxMessage) continue;
    const uint8_t prefix[2] = {static_cast<uint8_t>(m.size() >> 8), static_cast<uint8_t>(m.size())};
    queued_.insert(queued_.end(), prefix, prefix + 2);
    queued_.insert(queued_.end(), m.begin(), m.end());
  }
}

void TcpConnection::flush() {
  if (closing_ || write_in_flight_ || queued_.empty()) return;
  auto* stream = reinterpret_cast<uv_stream_t*>(&handle_);
  int written = 0;
  for (;;) {
    // Most answers fit the socket buffer: write them now, without a callback.
    uv_buf_t now = uv_buf_init(reinterpret_cast<char*>(queued_.data()), static_cast<unsigned>(queued_.size()));
    written = uv_try_write(stream, &now, 1);
    if (written == UV_EAGAIN) written = 0;
    if (written < 0) {
      close();
      return;
    }
    if (static_cast<size_t>(written) != queued_.size()) break;
    queued_.clear();
    if (stream_) {  // the socket took it all: make more of the transfer now
      pump();
      if (!stream_ && !answer_complete_messages(unix_seconds())) {  // queries that waited behind it
        close();
        return;
      }
      if (!queued_.empty()) continue;
    }
    if (peer_done_ && !stream_) close();
    return;
  }
  if (written == 0) {
    writing_.swap(queued_);  // keeps both buffers' capacity for next time
  } else {
    writing_.assign(queued_.begin() + written, queued_.end());
  }
  queued_.clear();
  uv_buf_t rest = uv_buf_init(reinterpret_cast<char*>(writing_.data()), static_cast<unsigned>(writing_.size()));
  write_request_.data = this;
  if (uv_write(&write_request_, stream, &rest, 1, on_written) != 0) {
    close();
    return;
  }
  write_in_flight_ = true;
}

void TcpConnection::on_written(uv_write_t* request, int status) {
  auto* self = static_cast<TcpConnection*>(request->data);
  self->write_in_flight_ = false;
  self->writing_.clear();
  if (self->closing_) return;  // cancelled by close()
  if (status < 0) {
    self->close();
    return;
  }
  if (self->stream_) {
    // A transfer in progress counts as activity: the client is reading it.
    self->last_activity_ms_ = uv_now(self->owner_.loop_);
    self->pump();
    if (!self->stream_ && !self->answer_complete_messages(unix_seconds())) {  // queries that waited behind it
      self->close();
      return;
    }
  }
  self->flush();
  if (self->closing_) return;
  if (!self->write_in_flight_ && self->queued_.empty() && !self->stream_ && self->peer_done_) {
    self->close();
    return;
  }
  self->update_reading();
}

void TcpConnection::update_reading() {
  if (closing_ || peer_done_) return;
  size_t waiting = queued_.size() + writing_.size();
  auto* stream = reinterpret_cast<uv_stream_t*>(&handle_);
  // A transfer in progress is answered before anything pipelined after it, so
  // nothing more is read meanwhile (the read buffer would only fill up).
  if (reading_ && (waiting > kMaxQueuedBytes || stream_)) {
    uv_read_stop(stream);
    reading_ = false;
  } else if (!reading_ && !stream_ && waiting <= kMaxQueuedBytes / 2) {
    if (uv_read_start(stream, on_alloc, on_read) != 0) {
      close();
      return;
    }
    reading_ = true;
  }
}

TcpConnections::TcpConnections(uv_loop_t* loop, Responder& responder, const TcpLimits& limits,
                               std::atomic<unsigned>& open_count)
    : loop_(loop),
      responder_(responder),
      limits_(limits),
      open_count_(open_count),
      response_(std::make_unique_for_overwrite<uint8_t[]>(kMaxMessage)) {}

void TcpConnections::accept(uv_stream_t* server) {
  auto* c = new TcpConnection(*this);
  if (!c->accept(server)) return;  // it closes and deletes itself
  if (open_count_.load(std::memory_order_relaxed) >= limits_.max_connections && !evict_one()) {
    responder_.stats().tcp_refused();
    c->close();
    return;
  }
  responder_.stats().tcp_accepted();
  link(c);
  c->queued_.reserve(kInitialQueue);  // one allocation now instead of growth per early answer
  uv_tcp_nodelay(&c->handle_, 1);
  c->last_activity_ms_ = uv_now(loop_);
  uv_timer_start(&c->idle_timer_, TcpConnection::on_idle_timer, limits_.idle_timeout_ms, 0);
  c->update_reading();
}

void TcpConnections::close_all() {
  while (oldest_ != nullptr) oldest_->close();
}

void TcpConnections::link(TcpConnection* c) {
  open_count_.fetch_add(1, std::memory_order_relaxed);
  c->prev_ = newest_;
  c->next_ = nullptr;
  if (newest_ != nullptr) newest_->next_ = c;
  else oldest_ = c;
  newest_ = c;
}

void TcpConnections::unlink(TcpConnection* c) {
  if (c->prev_ == nullptr && oldest_ != c) return;  // never linked (refused or failed accept)
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
