// The dnstap writer thread. It drains every worker's ring, encodes each record
// as dnstap messages and writes them as Frame Streams frames through libfstrm
// (fstrm_unix_writer to a collector's socket, fstrm_file_writer to a file),
// content type "protobuf:dnstap.Dnstap". Workers only ever push to their ring,
// so a slow or absent collector costs them nothing: the rings fill and drop.
// Without a collector the writer keeps draining (counting the messages as
// dropped) and tries to connect again about once a second. A file is flushed
// at least every kFlushIntervalMs, so readers see recent messages, and fully
// when the writer stops.
#pragma once

#include <sys/uio.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dnsd/dnstap/dnstap_metrics.h"
#include "dnsd/dnstap/encoder.h"
#include "dnsd/dnstap/ring.h"
#include "dnsd/dnstap/sink.h"

struct fstrm_writer;

namespace dnsd::dnstap {

/// How a Writer is set up. Plain data.
struct WriterOptions {
  Sink sink;
  unsigned rings = 1;                     ///< one per worker
  size_t ring_bytes = Ring::kDefaultBytes;
  std::string identity;                   ///< the NSID, or the host name
  std::string version;                    ///< "dnsd 0.1.0"
  /// Reports the sink opening, failing and coming back, one sentence each
  /// (`error`: a failure). Called on the writer thread (and by open()).
  std::function<void(bool error, const std::string& message)> log;
};

/// The writer. Constructed, opened, started and stopped by one owning
/// thread; the rings are pushed to by one worker each; totals() from any thread.
class Writer {
 public:
  /// The longest a written message waits in the file's buffer.
  static constexpr int64_t kFlushIntervalMs = 250;
  /// How long to wait before opening a lost (or absent) collector again.
  static constexpr int64_t kRetryIntervalMs = 1000;

  explicit Writer(WriterOptions options);
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  /// Stops the thread if it runs (see stop()).
  ~Writer();

  /// Ring `index` (< options.rings), for worker `index` to push to.
  Ring& ring(unsigned index) { return *rings_[index]; }

  /// Opens the sink the first time. A file that cannot be opened is an
  /// error (false, `error` set); an absent collector is not: the thread
  /// tries again. Owning thread, before start().
  bool open(std::string& error);
  /// Starts the writer thread. Owning thread, once.
  void start();
  /// Once the producers have stopped: writes everything still in the
  /// rings, closes the sink (flushing a file) and joins. Owning thread; idempotent.
  void stop();

  /// Messages written and dropped so far. Any thread.
  DnstapTotals totals() const;

 private:
  /// Messages written in one fstrm_writer_writev call at most.
  static constexpr size_t kBatch = 64;

  void run();
  /// One pass over every ring: encodes and writes what it holds (at most a
  /// bounded number of records per ring). Returns the records taken.
  size_t drain_once();
  /// Encodes one record's messages into the batch, writing it when full.
  void add(const Record& record);
  /// Writes the batch's messages through the writer (or counts them as dropped).
  void write_batch();
  /// Tries to open the sink; true when open.
  bool open_sink(bool first);
  void close_sink();
  /// Milliseconds on the steady clock.
  static int64_t now_ms();

  WriterOptions options_;
  Encoder encoder_;
  std::vector<std::unique_ptr<Ring>> rings_;
  fstrm_writer* writer_ = nullptr;  ///< writer thread (owning thread before start)
  bool ever_opened_ = false;
  int64_t retry_at_ms_ = 0;
  int64_t flushed_at_ms_ = 0;
  bool unflushed_ = false;
  std::vector<uint8_t> scratch_;                    ///< a ring record's bytes
  std::vector<std::vector<uint8_t>> batch_;         ///< encoded messages, kBatch of them
  std::vector<iovec> iov_;
  size_t batched_ = 0;
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> lost_{0};  ///< dropped by the writer (no sink, failed write), not by rings
  std::atomic<uint64_t> reconnects_{0};
  std::atomic<bool> connected_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace dnsd::dnstap
