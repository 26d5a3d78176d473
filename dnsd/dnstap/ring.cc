#include "dnsd/dnstap/ring.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace dnsd::dnstap {

Ring::Ring(size_t capacity)
    : buffer_(std::make_unique_for_overwrite<uint8_t[]>(std::bit_ceil(std::max<size_t>(capacity, 4096)))),
      mask_(std::bit_ceil(std::max<size_t>(capacity, 4096)) - 1) {}

void Ring::write_at(uint64_t at, const void* data, size_t length) {
  if (length == 0) return;  // an empty span's data() may be null, which memcpy must not get
  const size_t start = size_t(at) & mask_;
  const size_t first = std::min(length, capacity() - start);
  std::memcpy(buffer_.get() + start, data, first);
  std::memcpy(buffer_.get(), static_cast<const uint8_t*>(data) + first, length - first);
}

void Ring::read_at(uint64_t at, void* out, size_t length) const {
  if (length == 0) return;
  const size_t start = size_t(at) & mask_;
  const size_t first = std::min(length, capacity() - start);
  std::memcpy(out, buffer_.get() + start, first);
  std::memcpy(static_cast<uint8_t*>(out) + first, buffer_.get(), length - first);
}

bool Ring::push(RecordHeader header, std::span<const uint8_t> query, std::span<const uint8_t> response) {
  if (!header.has_response) response = {};
  if (query.size() > 65535 || response.size() > 65535) [[unlikely]] {
    dropped_.fetch_add(header.messages(), std::memory_order_relaxed);
    return false;
  }
  header.query_length = uint32_t(query.size());
  header.response_length = uint32_t(response.size());
  const uint32_t length = uint32_t(sizeof header + query.size() + response.size());
  const uint64_t head = head_.load(std::memory_order_relaxed);
  const size_t needed = sizeof length + length;
  if (head + needed - cached_tail_ > capacity()) {
    cached_tail_ = tail_.load(std::memory_order_acquire);
    if (head + needed - cached_tail_ > capacity()) {
      dropped_.fetch_add(header.messages(), std::memory_order_relaxed);
      return false;
    }
  }
  uint64_t at = head;
  write_at(at, &length, sizeof length);
  at += sizeof length;
  write_at(at, &header, sizeof header);
  at += sizeof header;
  write_at(at, query.data(), query.size());
  at += query.size();
  write_at(at, response.data(), response.size());
  head_.store(head + needed, std::memory_order_release);
  return true;
}

bool Ring::pop(Record& out, std::vector<uint8_t>& scratch) {
  const uint64_t tail = tail_.load(std::memory_order_relaxed);
  if (head_.load(std::memory_order_acquire) == tail) return false;
  uint32_t length = 0;
  read_at(tail, &length, sizeof length);
  if (scratch.size() < kMaxRecordBytes) scratch.resize(kMaxRecordBytes);
  read_at(tail + sizeof length, scratch.data(), length);
  tail_.store(tail + sizeof length + length, std::memory_order_release);
  std::memcpy(&out.header, scratch.data(), sizeof out.header);
  const uint8_t* bytes = scratch.data() + sizeof out.header;
  out.query = {bytes, out.header.query_length};
  out.response = {bytes + out.header.query_length, out.header.response_length};
  return true;
}

}  // namespace dnsd::dnstap
