// ProbeBarrier: waiting for given targets' first results returns at once, on release,
// or at the deadline with the count; targets not in it never block; cancel wakes all.
#include <doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "health/probe_barrier.h"

using dnsd::health::ProbeBarrier;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// Far enough that reaching it means the wait did not return when it should have.
Clock::time_point far() { return Clock::now() + std::chrono::seconds(20); }

}  // namespace

TEST_CASE("probe barrier: nothing pending, or ids not in it, return 0 at once") {
  ProbeBarrier barrier;
  const std::vector<uint64_t> none;
  const std::vector<uint64_t> some = {1, 2, 3};
  const auto start = Clock::now();
  CHECK(barrier.wait(none, far()) == 0);
  CHECK(barrier.wait(some, far()) == 0);
  CHECK(barrier.wait_all(far()) == 0);

  barrier.add(7);
  CHECK(barrier.pending() == 1);
  CHECK(barrier.wait(some, far()) == 0);  // 7 is not asked about
  CHECK(barrier.wait(none, far()) == 0);
  CHECK(Clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("probe barrier: add and release count pending targets; release is idempotent") {
  ProbeBarrier barrier;
  barrier.add(1);
  barrier.add(2);
  barrier.add(2);  // a set: twice is once
  CHECK(barrier.pending() == 2);
  barrier.release(1);
  CHECK(barrier.pending() == 1);
  barrier.release(1);
  barrier.release(99);
  CHECK(barrier.pending() == 1);
  const std::vector<uint64_t> ids = {1, 2};
  CHECK(barrier.wait(ids, Clock::now()) == 1);  // deadline already passed: only counts
  barrier.release(2);
  CHECK(barrier.pending() == 0);
  CHECK(barrier.wait(ids, far()) == 0);
}

TEST_CASE("probe barrier: a wait returns when another thread releases the last id") {
  ProbeBarrier barrier;
  barrier.add(1);
  barrier.add(2);
  barrier.add(3);  // not waited on; stays pending
  const std::vector<uint64_t> ids = {1, 2};
  std::atomic<bool> released{false};
  std::thread releaser([&] {
    barrier.release(1);
    released = true;
    barrier.release(2);
  });
  const auto start = Clock::now();
  const size_t left = barrier.wait(ids, far());
  const auto waited = Clock::now() - start;
  releaser.join();
  CHECK(left == 0);
  CHECK(released.load());
  CHECK(waited < std::chrono::seconds(10));
  CHECK(barrier.pending() == 1);
}

TEST_CASE("probe barrier: a wait times out at its deadline and returns how many still wait") {
  ProbeBarrier barrier;
  barrier.add(1);
  barrier.add(2);
  barrier.add(3);
  barrier.release(2);
  const std::vector<uint64_t> ids = {1, 2, 3, 4};
  const auto start = Clock::now();
  const auto deadline = start + milliseconds(60);
  CHECK(barrier.wait(ids, deadline) == 2);
  CHECK(Clock::now() >= deadline);
  CHECK(Clock::now() - start < std::chrono::seconds(10));

  const auto deadline_all = Clock::now() + milliseconds(30);
  CHECK(barrier.wait_all(deadline_all) == 2);
  CHECK(Clock::now() >= deadline_all);
}

TEST_CASE("probe barrier: wait_all waits for every pending target") {
  ProbeBarrier barrier;
  for (uint64_t id = 1; id <= 5; ++id) barrier.add(id);
  std::thread releaser([&] {
    for (uint64_t id = 5; id >= 1; --id) barrier.release(id);
  });
  const auto start = Clock::now();
  CHECK(barrier.wait_all(far()) == 0);
  CHECK(Clock::now() - start < std::chrono::seconds(10));
  releaser.join();
  CHECK(barrier.pending() == 0);
}

TEST_CASE("probe barrier: cancel wakes a waiter at once and makes later waits return immediately") {
  ProbeBarrier barrier;
  barrier.add(1);
  barrier.add(2);
  const std::vector<uint64_t> ids = {1};
  std::atomic<bool> returned{false};
  size_t left = 99;
  std::chrono::steady_clock::duration waited{};
  std::thread waiter([&] {
    const auto start = Clock::now();
    left = barrier.wait(ids, far());
    waited = Clock::now() - start;
    returned = true;
  });
  barrier.cancel();
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!returned && Clock::now() < deadline) std::this_thread::yield();
  REQUIRE(returned.load());
  waiter.join();
  CHECK(left == 1);  // still waiting: cancel does not release
  CHECK(waited < std::chrono::seconds(10));
  CHECK(barrier.pending() == 2);

  const auto start = Clock::now();
  CHECK(barrier.wait(ids, far()) == 1);
  CHECK(barrier.wait_all(far()) == 2);
  CHECK(Clock::now() - start < std::chrono::seconds(10));
}
