// A lock-free single-producer/single-consumer ring of dnstap records: one per
// worker, so a worker hands its exchanges to the writer thread without a lock,
// a system call or an allocation, and never waits. The buffer is allocated
// once; records are length-prefixed and may wrap around its end. When a
// record does not fit, it is dropped and counted: logging never slows
// answering.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dnsd/dnstap/record.h"

namespace dnsd::dnstap {

class Ring {
 public:
  /// Bytes a ring holds by default: about 25k typical records, a quarter of a
  /// second of a busy worker's traffic while the writer is descheduled.
  static constexpr size_t kDefaultBytes = 4 << 20;
  /// The most bytes one record takes: its length prefix, header and two
  /// largest DNS messages. The reader's scratch buffer is this big.
  static constexpr size_t kMaxRecordBytes = 4 + sizeof(RecordHeader) + 2 * 65535;

  /// `capacity` bytes (rounded up to a power of two, at least 4 KiB). Allocates
  /// once. Any thread, before the producer and consumer start.
  explicit Ring(size_t capacity = kDefaultBytes);
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  /// Appends a record of `header` (its lengths are set from the spans) with
  /// `query` and `response`. Returns false, and counts the record's messages
  /// as dropped, when the ring has no room. Never blocks, never allocates.
  /// The producer (one worker thread) only.
  bool push(RecordHeader header, std::span<const uint8_t> query, std::span<const uint8_t> response);

  /// Takes the oldest record into `out`, its bytes copied into `scratch`
  /// (kept at kMaxRecordBytes, so this does not allocate after the first
  /// call). False when the ring is empty. The consumer (writer thread) only.
  bool pop(Record& out, std::vector<uint8_t>& scratch);

  /// dnstap messages dropped because the ring was full. Any thread.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  /// Bytes the ring holds. Any thread.
  size_t capacity() const { return mask_ + 1; }

 private:
  /// Copies `length` bytes to ring position `at` (a free-running byte count), wrapping.
  void write_at(uint64_t at, const void* data, size_t length);
  /// Copies `length` bytes from ring position `at` into `out`, wrapping.
  void read_at(uint64_t at, void* out, size_t length) const;

  std::unique_ptr<uint8_t[]> buffer_;
  size_t mask_;
  /// Free-running byte positions: the producer owns head_, the consumer tail_.
  alignas(64) std::atomic<uint64_t> head_{0};
  uint64_t cached_tail_ = 0;  ///< the producer's last view of tail_
  std::atomic<uint64_t> dropped_{0};
  alignas(64) std::atomic<uint64_t> tail_{0};
};

}  // namespace dnsd::dnstap
