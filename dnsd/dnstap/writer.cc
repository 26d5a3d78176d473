#include "dnsd/dnstap/writer.h"

#include <fstrm.h>

#include <cstdio>

namespace dnsd::dnstap {
namespace {

constexpr char kContentType[] = "protobuf:dnstap.Dnstap";
/// Records taken from one ring per pass, so one busy worker cannot starve the others.
constexpr size_t kRecordsPerPass = 1024;
/// The writer's sleep when a pass found nothing: the rings hold far more
/// than a worker makes meanwhile.
constexpr auto kIdleSleep = std::chrono::milliseconds(2);

}  // namespace

Writer::Writer(WriterOptions options)
    : options_(std::move(options)),
      encoder_(options_.identity, options_.version),
      batch_(kBatch),
      iov_(kBatch) {
  for (unsigned i = 0; i < options_.rings; ++i) rings_.push_back(std::make_unique<Ring>(options_.ring_bytes));
  scratch_.resize(Ring::kMaxRecordBytes);
}

Writer::~Writer() { stop(); }

int64_t Writer::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool Writer::open(std::string& error) {
  if (open_sink(true)) return true;
  if (options_.sink.kind == Sink::Kind::File) {
    error = "dnstap " + options_.sink.to_string() + ": cannot open the file for writing";
    return false;
  }
  return true;  // the collector may come later
}

bool Writer::open_sink(bool first) {
  fstrm_writer_options* wopt = fstrm_writer_options_init();
  fstrm_writer_options_add_content_type(wopt, kContentType, sizeof kContentType - 1);
  fstrm_writer* w = nullptr;
  if (options_.sink.kind == Sink::Kind::Unix) {
    fstrm_unix_writer_options* uopt = fstrm_unix_writer_options_init();
    fstrm_unix_writer_options_set_socket_path(uopt, options_.sink.path.c_str());
    w = fstrm_unix_writer_init(uopt, wopt);
    fstrm_unix_writer_options_destroy(&uopt);
  } else {
    fstrm_file_options* fopt = fstrm_file_options_init();
    fstrm_file_options_set_file_path(fopt, options_.sink.path.c_str());
    w = fstrm_file_writer_init(fopt, wopt);
    fstrm_file_options_destroy(&fopt);
  }
  fstrm_writer_options_destroy(&wopt);
  if (w != nullptr && fstrm_writer_open(w) != fstrm_res_success) fstrm_writer_destroy(&w);
  retry_at_ms_ = now_ms() + kRetryIntervalMs;
  if (w == nullptr) {
    if (first && options_.log)
      options_.log(false, "dnstap " + options_.sink.to_string() + ": not open yet; messages are dropped until it is");
    return false;
  }
  writer_ = w;
  if (ever_opened_) reconnects_.fetch_add(1, std::memory_order_relaxed);
  ever_opened_ = true;
  connected_.store(true, std::memory_order_relaxed);
  if (options_.log) options_.log(false, "dnstap: writing to " + options_.sink.to_string());
  return true;
}

void Writer::close_sink() {
  if (writer_ == nullptr) return;
  fstrm_writer_destroy(&writer_);  // a file is flushed and closed; a collector gets STOP
  writer_ = nullptr;
  connected_.store(false, std::memory_order_relaxed);
}

void Writer::start() {
  thread_ = std::thread([this] { run(); });
}

void Writer::stop() {
  if (!thread_.joinable()) {
    close_sink();
    return;
  }
  stopping_.store(true, std::memory_order_release);
  thread_.join();
}

DnstapTotals Writer::totals() const {
  DnstapTotals t;
  t.written = written_.load(std::memory_order_relaxed);
  t.dropped = lost_.load(std::memory_order_relaxed);
  for (const auto& ring : rings_) t.dropped += ring->dropped();
  t.reconnects = reconnects_.load(std::memory_order_relaxed);
  t.connected = connected_.load(std::memory_order_relaxed);
  return t;
}

void Writer::run() {
  flushed_at_ms_ = now_ms();
  for (;;) {
    const bool stopping = stopping_.load(std::memory_order_acquire);
    // A lost collector is retried; a file is opened once (opening again would truncate it).
    if (writer_ == nullptr && options_.sink.kind == Sink::Kind::Unix && now_ms() >= retry_at_ms_ && !stopping)
      open_sink(false);
    const size_t taken = drain_once();
    write_batch();
    if (unflushed_ && (stopping || now_ms() - flushed_at_ms_ >= kFlushIntervalMs)) {
      // fstrm's file writer buffers in a stdio FILE it does not expose;
      // fflush(nullptr) flushes every output stream, that one included.
      if (options_.sink.kind == Sink::Kind::File) std::fflush(nullptr);
      unflushed_ = false;
      flushed_at_ms_ = now_ms();
    }
    if (taken == 0) {
      if (stopping) break;  // the producers stopped before stop(): the rings are empty for good
      std::this_thread::sleep_for(kIdleSleep);
    }
  }
  close_sink();
}

size_t Writer::drain_once() {
  size_t taken = 0;
  Record record;
  for (auto& ring : rings_) {
    for (size_t n = 0; n < kRecordsPerPass && ring->pop(record, scratch_); ++n) {
      ++taken;
      add(record);
    }
  }
  return taken;
}

void Writer::add(const Record& record) {
  if (writer_ == nullptr) {
    lost_.fetch_add(record.header.messages(), std::memory_order_relaxed);
    return;
  }
  encoder_.encode(record, MessageType::AuthQuery, batch_[batched_++]);
  if (batched_ == kBatch) write_batch();
  if (!record.header.has_response) return;
  encoder_.encode(record, MessageType::AuthResponse, batch_[batched_++]);
  if (batched_ == kBatch) write_batch();
}

void Writer::write_batch() {
  if (batched_ == 0) return;
  const size_t count = batched_;
  batched_ = 0;
  if (writer_ == nullptr) {
    lost_.fetch_add(count, std::memory_order_relaxed);
    return;
  }
  for (size_t i = 0; i < count; ++i) iov_[i] = {batch_[i].data(), batch_[i].size()};
  if (fstrm_writer_writev(writer_, iov_.data(), int(count)) != fstrm_res_success) {
    lost_.fetch_add(count, std::memory_order_relaxed);
    if (options_.log)
      options_.log(true, "dnstap " + options_.sink.to_string() + ": write failed; " +
                             (options_.sink.kind == Sink::Kind::Unix ? "reconnecting" : "messages are dropped from now on"));
    close_sink();
    retry_at_ms_ = now_ms() + kRetryIntervalMs;
    return;
  }
  written_.fetch_add(count, std::memory_order_relaxed);
  unflushed_ = true;
}

}  // namespace dnsd::dnstap
