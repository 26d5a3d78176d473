#include "dnsd/server/reload_runner.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace dnsd {

namespace {
/// The reload thread's nice value: when it and a worker (nice 0) compete for
/// a CPU, the worker gets three quarters of it; a reload on a saturated
/// server still progresses at a quarter of its speed rather than starving.
constexpr int kReloadNice = 5;
}  // namespace

ReloadRunner::ReloadRunner(std::function<ReloadReport()> work) : work_(std::move(work)) {}

ReloadRunner::~ReloadRunner() { stop(); }

void ReloadRunner::start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "dnsd-reload");
    // A reload is batch work: when it and a worker want the same CPU, the
    // worker should win, so parsing a large zone does not delay answers.
    // SCHED_BATCH also tells the scheduler not to preempt for it.
    sched_param param{};
    pthread_setschedparam(pthread_self(), SCHED_BATCH, &param);
    setpriority(PRIO_PROCESS, pid_t(syscall(SYS_gettid)), kReloadNice);
    run();
  });
}

void ReloadRunner::request() {
  {
    std::lock_guard lock(mutex_);
    ++requested_;
  }
  wake_.notify_one();
}

ReloadReport ReloadRunner::request_and_wait() {
  std::unique_lock lock(mutex_);
  const uint64_t ticket = ++requested_;
  wake_.notify_one();
  done_.wait(lock, [&] { return stopping_ || completed_ >= ticket; });
  if (completed_ >= ticket) return last_;
  ReloadReport stopped;
  stopped.errors.push_back({"", "", "not reloaded: the server is shutting down"});
  return stopped;
}

void ReloadRunner::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || requested_ > completed_; });
    if (stopping_) return;
    // Every request made so far is answered by this one reload: it starts after them.
    const uint64_t ticket = requested_;
    lock.unlock();
    ReloadReport report = work_();
    lock.lock();
    last_ = std::move(report);
    completed_ = ticket;
    done_.notify_all();
  }
}

void ReloadRunner::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  done_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace dnsd
