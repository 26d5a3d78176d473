// ReloadRunner: one reload per request when idle, requests during a reload coalesced into
// one more, request_and_wait answered by a reload that started after it, stop, one at a time.
#include <doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "dnsd/server/reload_runner.h"

using dnsd::ReloadReport;
using dnsd::ReloadRunner;

namespace {

constexpr auto kPatience = std::chrono::seconds(10);

// The work function: counts calls, and lets call n finish only once allow() admits it.
// Report n has files = n, so a caller can tell which reload answered it.
class Work {
 public:
  ReloadReport operator()() {
    std::unique_lock lock(mutex_);
    const int n = ++started_;
    max_active_ = std::max(max_active_, ++active_);
    changed_.notify_all();
    changed_.wait(lock, [&] { return n <= allowed_; });
    --active_;
    ++finished_;
    changed_.notify_all();
    ReloadReport report;
    report.published = true;
    report.files = size_t(n);
    return report;
  }

  /// Lets the first `n` calls finish (INT_MAX: all).
  void allow(int n) {
    std::lock_guard lock(mutex_);
    allowed_ = n;
    changed_.notify_all();
  }
  /// Waits (with a deadline) until `started` calls have begun; false on timeout.
  bool await_started(int n) { return await([&] { return started_ >= n; }); }
  bool await_finished(int n) { return await([&] { return finished_ >= n; }); }

  int started() {
    std::lock_guard lock(mutex_);
    return started_;
  }
  int finished() {
    std::lock_guard lock(mutex_);
    return finished_;
  }
  int max_active() {
    std::lock_guard lock(mutex_);
    return max_active_;
  }

 private:
  template <class Pred>
  bool await(Pred pred) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, pred);
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  int started_ = 0, finished_ = 0, active_ = 0, max_active_ = 0;
  int allowed_ = INT_MAX;
};

// Opens the gate on the way out, so a failed REQUIRE cannot leave the runner's
// destructor joining a thread blocked in Work. Declare it after the runner.
struct OpenOnExit {
  Work& work;
  ~OpenOnExit() { work.allow(INT_MAX); }
};

// Polls `flag` until it is set or the patience runs out.
bool await_flag(const std::atomic<bool>& flag) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!flag.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  return flag.load();
}

}  // namespace

TEST_CASE("reload runner: an idle runner does one reload per request") {
  Work work;
  ReloadRunner runner([&] { return work(); });
  OpenOnExit open{work};
  runner.start();
  for (int i = 1; i <= 3; ++i) {
    CAPTURE(i);
    runner.request();
    REQUIRE(work.await_finished(i));
    CHECK(work.started() == i);
  }
  const ReloadReport report = runner.request_and_wait();
  CHECK(report.published);
  CHECK(report.files == 4u);  // the reload after the three above, and no extra one
  CHECK(work.started() == 4);
  CHECK(work.max_active() == 1);
}

TEST_CASE("reload runner: requests made while a reload runs are coalesced into exactly one more") {
  Work work;
  ReloadRunner runner([&] { return work(); });
  OpenOnExit open{work};
  work.allow(0);
  runner.start();
  runner.request();
  REQUIRE(work.await_started(1));
  for (int i = 0; i < 5; ++i) runner.request();
  work.allow(INT_MAX);
  REQUIRE(work.await_finished(2));
  // Had the five not been coalesced, this reload would be the seventh.
  const ReloadReport report = runner.request_and_wait();
  CHECK(report.files == 3u);
  CHECK(work.started() == 3);
  CHECK(work.max_active() == 1);
}

TEST_CASE("reload runner: request_and_wait returns the report of a reload that started after the call") {
  SUBCASE("idle") {
    Work work;
    ReloadRunner runner([&] { return work(); });
    runner.start();
    const ReloadReport report = runner.request_and_wait();
    CHECK(report.published);
    CHECK(report.files == 1u);
    CHECK(work.finished() == 1);
  }
  SUBCASE("while a reload runs: not that one, the next") {
    Work work;
    ReloadRunner runner([&] { return work(); });
    OpenOnExit open{work};
    work.allow(0);
    runner.start();
    runner.request();
    REQUIRE(work.await_started(1));

    std::atomic<bool> calling{false}, returned{false};
    ReloadReport got;
    std::thread waiter([&] {
      calling = true;
      got = runner.request_and_wait();
      returned = true;
    });
    REQUIRE(await_flag(calling));
    work.allow(1);  // reload 1 finishes; reload 2 starts and blocks
    REQUIRE(work.await_started(2));
    CHECK_FALSE(returned.load());  // reload 1 began before the call: it does not answer it
    work.allow(INT_MAX);
    waiter.join();
    CHECK(got.published);
    CHECK(got.files == 2u);
    CHECK(work.started() == 2);
  }
  SUBCASE("many callers at once share one reload") {
    Work work;
    ReloadRunner runner([&] { return work(); });
    OpenOnExit open{work};
    work.allow(0);
    runner.start();
    runner.request();
    REQUIRE(work.await_started(1));
    std::vector<ReloadReport> got(3);
    std::atomic<int> calling{0};
    std::vector<std::thread> waiters;
    for (size_t i = 0; i < got.size(); ++i)
      waiters.emplace_back([&, i] {
        ++calling;
        got[i] = runner.request_and_wait();
      });
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (calling.load() < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    work.allow(INT_MAX);
    for (auto& t : waiters) t.join();
    // Each caller's answer started after its call: reload 2 at the earliest.
    for (const ReloadReport& r : got) CHECK(r.files >= 2u);
    CHECK(work.started() <= 4);
  }
}

TEST_CASE("reload runner: stop makes a waiter return an unpublished report and lets the running reload finish") {
  Work work;
  ReloadRunner runner([&] { return work(); });
  OpenOnExit open{work};
  work.allow(0);
  runner.start();
  runner.request();
  REQUIRE(work.await_started(1));

  std::atomic<bool> returned{false};
  ReloadReport got;
  got.published = true;
  std::thread waiter([&] {
    got = runner.request_and_wait();
    returned = true;
  });
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    runner.stop();
    stopped = true;
  });
  REQUIRE(await_flag(returned));  // while reload 1 is still blocked
  waiter.join();
  CHECK_FALSE(got.published);
  REQUIRE(got.errors.size() == 1);
  CHECK(got.errors[0].message.find("shutting down") != std::string::npos);
  CHECK_FALSE(stopped.load());  // stop() waits for the reload in progress
  CHECK(work.finished() == 0);

  work.allow(INT_MAX);
  stopper.join();
  CHECK(work.finished() == 1);
  CHECK(work.started() == 1);  // the waiter's request was never run

  // After stop: waits return at once, unpublished; stop is idempotent.
  const ReloadReport late = runner.request_and_wait();
  CHECK_FALSE(late.published);
  runner.stop();
  CHECK(work.started() == 1);
}

TEST_CASE("reload runner: stop before start releases a waiter") {
  Work work;
  ReloadRunner runner([&] { return work(); });
  std::atomic<bool> returned{false};
  ReloadReport got;
  got.published = true;
  std::thread waiter([&] {
    got = runner.request_and_wait();
    returned = true;
  });
  runner.stop();
  REQUIRE(await_flag(returned));
  waiter.join();
  CHECK_FALSE(got.published);
  CHECK(work.started() == 0);
}

TEST_CASE("reload runner: never two reloads at once, and every answer started after its call") {
  Work work;
  ReloadRunner runner([&] { return work(); });
  runner.start();
  std::atomic<int> late_answers{0}, unpublished{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        if ((i + t) % 2 == 0) {
          runner.request();
          continue;
        }
        const int before = work.started();
        const ReloadReport r = runner.request_and_wait();
        if (!r.published) ++unpublished;
        if (int(r.files) <= before) ++late_answers;
      }
    });
  for (auto& t : callers) t.join();
  runner.stop();
  CHECK(work.max_active() == 1);
  CHECK(unpublished.load() == 0);
  CHECK(late_answers.load() == 0);
  CHECK(work.started() >= 1);
  CHECK(work.started() <= 100);
  CHECK(work.started() == work.finished());
}
