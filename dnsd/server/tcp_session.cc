#include "dnsd/server/tcp_session.h"

#include <algorithm>
#include <cstring>

#include "dnsd/server/responder.h"

namespace dnsd {
namespace {

/// Room kept for answers from the start; a pipelined burst grows it.
constexpr size_t kInitialQueue = 4096;
/// An output buffer larger than this is given back once it is written, so
/// a burst does not keep its memory for the life of the connection.
constexpr size_t kKeptQueue = 16 * 1024;
/// Move unanswered bytes to the front when less than this is free behind them.
constexpr size_t kMinFreeRead = 512;

size_t prefix_length(const uint8_t* p) { return (size_t{p[0]} << 8) | p[1]; }

}  // namespace

TcpSession::TcpSession(Responder& responder, TcpScratch& scratch, uint64_t max_queries)
    : responder_(responder), scratch_(scratch), max_queries_(max_queries), read_buffer_(kInitialReadBuffer) {
  peer_.ss_family = AF_UNSPEC;
  pending_.reserve(kInitialQueue);  // one allocation now instead of growth per early answer
}

void TcpSession::set_peer(const sockaddr* peer, socklen_t length) {
  peer_ = {};
  peer_.ss_family = AF_UNSPEC;
  if (peer != nullptr && length > 0 && size_t(length) <= sizeof peer_) std::memcpy(&peer_, peer, length);
}

std::span<uint8_t> TcpSession::read_space() {
  std::vector<uint8_t>& b = read_buffer_;
  if (read_start_ == read_end_) read_start_ = read_end_ = 0;
  // A message whose length is known gets the room it needs, and no more.
  const size_t held = read_end_ - read_start_;
  const size_t message = held >= 2 ? 2 + prefix_length(&b[read_start_]) : 0;
  if (read_start_ > 0 && (b.size() - read_end_ < kMinFreeRead || read_start_ + message > b.size())) {
    std::memmove(b.data(), b.data() + read_start_, held);
    read_start_ = 0;
    read_end_ = held;
  }
  const size_t wanted = std::max(kInitialReadBuffer, read_start_ + message);
  if (b.size() < wanted) b.resize(wanted);
  return {b.data() + read_end_, b.size() - read_end_};
}

void TcpSession::received(size_t n) {
  read_end_ = std::min(read_end_ + n, read_buffer_.size());
  if (limit_reached()) read_start_ = read_end_;  // past the limit: read only to be dropped
  advance();
}

void TcpSession::peer_closed() {
  peer_done_ = true;
  advance();
}

std::span<const uint8_t> TcpSession::output() {
  if (sent_ == sending_.size() && !pending_.empty()) {
    sending_.clear();
    sent_ = 0;
    sending_.swap(pending_);  // keeps both buffers' capacity for next time
  }
  return {sending_.data() + sent_, sending_.size() - sent_};
}

void TcpSession::consumed(size_t n) {
  sent_ = std::min(sent_ + n, sending_.size());
  if (sent_ == sending_.size()) {
    sent_ = 0;
    if (sending_.capacity() > kKeptQueue) std::vector<uint8_t>().swap(sending_);
    else sending_.clear();
  }
  advance();
}

bool TcpSession::finished() const {
  // advance() answers everything answerable whenever the queue is under its
  // cap, so an empty queue without a transfer means nothing is left to answer.
  return (peer_done_ || limit_reached()) && queued_bytes() == 0 && !stream_ && !broken_;
}

void TcpSession::advance() {
  while (!broken_) {
    if (stream_) {
      pump();
      if (stream_) break;  // the rest of the transfer waits for the client to read
    }
    if (queued_bytes() >= kMaxQueuedBytes || limit_reached()) break;
    std::span<const uint8_t> message;
    if (!next_message(message)) break;
    ++queries_;
    answer(message);
  }
  if (limit_reached()) read_start_ = read_end_;  // queries past the limit are not answered
  if (broken_) read_start_ = read_end_;
  shrink_read_buffer();
  update_pause();
}

bool TcpSession::next_message(std::span<const uint8_t>& message) {
  if (read_end_ - read_start_ < 2) return false;
  const size_t length = prefix_length(&read_buffer_[read_start_]);
  if (length == 0) {  // not a DNS message: the stream cannot be framed any more
    broken_ = true;
    return false;
  }
  if (read_end_ - read_start_ - 2 < length) return false;  // the rest arrives later
  message = {read_buffer_.data() + read_start_ + 2, length};
  read_start_ += 2 + length;
  return true;
}

void TcpSession::answer(std::span<const uint8_t> message) {
  uint8_t* response = scratch_.response.get();
  const QueryResult result = responder_.answer(message, {response, kMaxMessage}, Transport::Tcp,
                                               reinterpret_cast<const sockaddr*>(&peer_), now_);
  if (result.action == QueryAction::Handoff) {
    if (observer_) observer_->exchanged(message, {}, false);
    stream_ = responder_.hand_off(message, reinterpret_cast<const sockaddr*>(&peer_), Transport::Tcp);
  } else if (result.action == QueryAction::Respond) {
    if (observer_) observer_->exchanged(message, {response, result.length}, true);
    enqueue(response, result.length);
  }
}

void TcpSession::pump() {
  std::vector<uint8_t>& m = scratch_.stream_message;
  while (stream_ && queued_bytes() < kStreamQueue) {
    if (!stream_->next(m)) {
      stream_.reset();
      break;
    }
    if (m.empty() || m.size() > kMaxMessage) continue;
    enqueue(m.data(), m.size());
  }
}

void TcpSession::enqueue(const uint8_t* message, size_t length) {
  const uint8_t prefix[2] = {static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length)};
  pending_.insert(pending_.end(), prefix, prefix + 2);
  pending_.insert(pending_.end(), message, message + length);
}

void TcpSession::shrink_read_buffer() {
  if (read_start_ == read_end_) read_start_ = read_end_ = 0;
  if (read_buffer_.size() <= kInitialReadBuffer) return;
  // Grown for a long message that has been answered: once what is left (and
  // the message it starts, if its length is known) fits the initial size,
  // move it to a buffer of that size.
  const size_t held = read_end_ - read_start_;
  const size_t message = held >= 2 ? 2 + prefix_length(&read_buffer_[read_start_]) : 0;
  if (std::max(held, message) > kInitialReadBuffer) return;
  std::vector<uint8_t> smaller(kInitialReadBuffer);
  std::memcpy(smaller.data(), read_buffer_.data() + read_start_, held);
  read_buffer_.swap(smaller);
  read_start_ = 0;
  read_end_ = held;
}

void TcpSession::update_pause() {
  const size_t queued = queued_bytes();
  if (queued >= kMaxQueuedBytes) paused_ = true;
  else if (queued <= kMaxQueuedBytes / 2) paused_ = false;
}

}  // namespace dnsd
