#include "health/known_state_writer.h"

#include <pthread.h>

#include <chrono>

#include "health/atomic_file.h"
#include "health/known_states.h"
#include "health/status_report.h"

namespace dnsd::health {

KnownStateWriter::KnownStateWriter(TargetTable& table, std::string path, StateWriteErrors* errors,
                                   uint64_t coalesce_ms, uint64_t retry_ms)
    : table_(table), path_(std::move(path)), errors_(errors), coalesce_ms_(coalesce_ms), retry_ms_(retry_ms) {}

KnownStateWriter::~KnownStateWriter() { stop(); }

void KnownStateWriter::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  subscription_ = table_.state_changes().subscribe([this] { request_write(); });
  thread_ = std::thread([this] { run(); });
}

void KnownStateWriter::stop() {
  if (!thread_.joinable()) return;
  table_.state_changes().unsubscribe(subscription_);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  bool stale;
  {
    std::lock_guard lock(mutex_);
    stale = stale_;
  }
  if (stale) write_now();  // the last transitions before shutdown
}

void KnownStateWriter::request_write() {
  {
    std::lock_guard lock(mutex_);
    stale_ = true;
  }
  wake_.notify_all();
}

uint64_t KnownStateWriter::writes() const {
  std::lock_guard lock(mutex_);
  return writes_;
}

void KnownStateWriter::run() {
  pthread_setname_np(pthread_self(), "dnsd-statefile");
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stale_ || stopping_; });
    if (stopping_) return;
    // Collect the rest of a burst into this write.
    wake_.wait_for(lock, std::chrono::milliseconds(coalesce_ms_), [this] { return stopping_; });
    if (stopping_) return;
    stale_ = false;
    lock.unlock();
    const bool ok = write_now();
    lock.lock();
    if (ok) continue;
    stale_ = true;  // try again later, or at stop()
    wake_.wait_for(lock, std::chrono::milliseconds(retry_ms_), [this] { return stopping_; });
    if (stopping_) return;
  }
}

bool KnownStateWriter::write_now() {
  const uint64_t now = wall_clock_ms();
  const std::string text = known_states_to_json(known_states(to_wall_clock(table_.status(), now)), now);
  std::string error;
  const bool ok = write_file_atomically(path_, text, error);
  if (errors_) {
    if (ok) errors_->succeeded("health");
    else errors_->failed("health", error);
  }
  if (ok) {
    std::lock_guard lock(mutex_);
    ++writes_;
  }
  return ok;
}

}  // namespace dnsd::health
