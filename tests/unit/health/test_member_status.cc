// The health state machine, driven result by result with a fake clock: no
// sockets, no sleeps.
#include <doctest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "health/member_status.h"

using dnsd::health::CheckResult;
using dnsd::health::FailureKind;
using dnsd::health::MemberStatus;
using dnsd::health::Transition;
using dnsd::zones::CheckSpec;
using dnsd::health::HealthState;
namespace health = dnsd::health;

namespace {

CheckSpec spec(uint32_t rise = 2, uint32_t fall = 3, uint32_t interval = 2000, uint32_t fast = 500) {
  CheckSpec s;
  s.type = dnsd::zones::CheckType::Tcp;
  s.rise = rise;
  s.fall = fall;
  s.interval_ms = interval;
  s.fast_interval_ms = fast;
  return s;
}

const CheckResult kOk = CheckResult::success("HTTP 200", 1200);
const CheckResult kFail = CheckResult::failed(FailureKind::Status, "HTTP 500", 3000);

// A status already Up (first result succeeded at t=0).
MemberStatus up_status(const CheckSpec& s) {
  MemberStatus st = health::initial_status(0);
  health::on_result(st, kOk, s, 0);
  return st;
}

}  // namespace

TEST_CASE("a new target is unknown since its creation, with no result") {
  const MemberStatus st = health::initial_status(1234);
  CHECK(st.state == HealthState::Unknown);
  CHECK(st.since_ms == 1234);
  CHECK_FALSE(st.has_result);
  CHECK(st.probes == 0);
}

TEST_CASE("the first result decides at once, whatever rise and fall say") {
  const CheckSpec s = spec(/*rise=*/5, /*fall=*/5);
  SUBCASE("a success makes it up") {
    MemberStatus st = health::initial_status(0);
    CHECK(health::on_result(st, kOk, s, 100) == Transition::Changed);
    CHECK(st.state == HealthState::Up);
    CHECK(st.since_ms == 100);
    CHECK(st.state_changes == 1);
  }
  SUBCASE("a failure makes it down, so a dead server is never served at cold start") {
    MemberStatus st = health::initial_status(0);
    CHECK(health::on_result(st, kFail, s, 100) == Transition::Changed);
    CHECK(st.state == HealthState::Down);
    CHECK(st.last_result.detail == "HTTP 500");
    CHECK(st.last_result_ms == 100);
  }
}

TEST_CASE("fall consecutive failures take an up member down; earlier ones are pending") {
  const CheckSpec s = spec(2, 3);
  MemberStatus st = up_status(s);
  CHECK(health::on_result(st, kFail, s, 1000) == Transition::ChangePending);
  CHECK(health::on_result(st, kFail, s, 1500) == Transition::ChangePending);
  CHECK(st.state == HealthState::Up);
  CHECK(st.consecutive_failures == 2);
  CHECK(health::on_result(st, kFail, s, 2000) == Transition::Changed);
  CHECK(st.state == HealthState::Down);
  CHECK(st.since_ms == 2000);
  CHECK(health::on_result(st, kFail, s, 4000) == Transition::Unchanged);
  CHECK(st.failed_probes == 4);
}

TEST_CASE("rise consecutive successes bring a down member back") {
  const CheckSpec s = spec(2, 3);
  MemberStatus st = health::initial_status(0);
  health::on_result(st, kFail, s, 0);
  CHECK(health::on_result(st, kOk, s, 2000) == Transition::ChangePending);
  CHECK(st.state == HealthState::Down);
  CHECK(health::on_result(st, kOk, s, 2500) == Transition::Changed);
  CHECK(st.state == HealthState::Up);
  CHECK(st.since_ms == 2500);
  CHECK(health::on_result(st, kOk, s, 4500) == Transition::Unchanged);
}

TEST_CASE("a success in the middle of failures resets the count") {
  const CheckSpec s = spec(2, 3);
  MemberStatus st = up_status(s);
  health::on_result(st, kFail, s, 1);
  health::on_result(st, kFail, s, 2);
  CHECK(health::on_result(st, kOk, s, 3) == Transition::Unchanged);
  CHECK(st.consecutive_failures == 0);
  CHECK(health::on_result(st, kFail, s, 4) == Transition::ChangePending);
  CHECK(health::on_result(st, kFail, s, 5) == Transition::ChangePending);
  CHECK(st.state == HealthState::Up);
}

TEST_CASE("a flapping member does not flap its state") {
  const CheckSpec s = spec(2, 2);
  MemberStatus st = up_status(s);
  for (int i = 0; i < 50; ++i) health::on_result(st, i % 2 ? kOk : kFail, s, uint64_t(i) * 100);
  CHECK(st.state == HealthState::Up);
  CHECK(st.state_changes == 1);  // only the first verdict

  MemberStatus down = health::initial_status(0);
  health::on_result(down, kFail, s, 0);
  for (int i = 0; i < 50; ++i) health::on_result(down, i % 2 ? kFail : kOk, s, uint64_t(i) * 100);
  CHECK(down.state == HealthState::Down);
  CHECK(down.state_changes == 1);
}

TEST_CASE("state_changes counts real transitions") {
  const CheckSpec s = spec(1, 1);
  MemberStatus st = up_status(s);
  for (int i = 0; i < 6; ++i) health::on_result(st, i % 2 ? kOk : kFail, s, uint64_t(i));
  CHECK(st.state_changes == 7);
}

TEST_CASE("rise and fall of 0 behave as 1") {
  const CheckSpec s = spec(0, 0);
  MemberStatus st = up_status(s);
  CHECK(health::on_result(st, kFail, s, 1) == Transition::Changed);
  CHECK(health::on_result(st, kOk, s, 2) == Transition::Changed);
}

TEST_CASE("cancelled results are ignored") {
  const CheckSpec s = spec();
  MemberStatus st = up_status(s);
  const MemberStatus before = st;
  CHECK(health::on_result(st, CheckResult::failed(FailureKind::Cancelled, "cancelled"), s, 10) ==
        Transition::Unchanged);
  CHECK(st.probes == before.probes);
  CHECK(st.last_result.detail == before.last_result.detail);
}

TEST_CASE("jitter stays within +-10% and never below the floor") {
  for (uint64_t r = 0; r < 5000; ++r) {
    const uint32_t d = health::jittered(1000, r * 7919);
    CHECK(d >= 900);
    CHECK(d <= 1100);
  }
  CHECK(health::jittered(0, 12345) == health::kMinProbeDelayMs);
  CHECK(health::jittered(3, 12345) >= health::kMinProbeDelayMs);
  // Both ends are reachable: the spread is real.
  CHECK(health::jittered(1000, 0) == 900);
  CHECK(health::jittered(1000, 200) == 1100);
}

TEST_CASE("next_delay: fast while a change is pending, interval otherwise, random phase after the first result") {
  const CheckSpec s = spec(2, 3, 2000, 500);
  MemberStatus st = up_status(s);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    const uint32_t first = health::next_delay(st, Transition::Changed, s, rng());
    CHECK(first >= 1000);
    CHECK(first <= 3000);
  }
  health::on_result(st, kOk, s, 2000);
  for (int i = 0; i < 200; ++i) {
    const uint32_t steady = health::next_delay(st, Transition::Unchanged, s, rng());
    CHECK(steady >= 1800);
    CHECK(steady <= 2200);
    const uint32_t changed = health::next_delay(st, Transition::Changed, s, rng());
    CHECK(changed >= 1800);
    CHECK(changed <= 2200);
    const uint32_t pending = health::next_delay(st, Transition::ChangePending, s, rng());
    CHECK(pending >= 450);
    CHECK(pending <= 550);
  }
}

TEST_CASE("initial delays are short and spread") {
  const CheckSpec s = spec(2, 3, 1000, 250);
  std::mt19937_64 rng(1);
  uint32_t lo = UINT32_MAX, hi = 0;
  for (int i = 0; i < 2000; ++i) {
    const uint32_t d = health::initial_delay(s, rng());
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  CHECK(hi <= health::kInitialSpreadMs);
  CHECK(lo < 20);
  CHECK(hi > health::kInitialSpreadMs - 20);
  // An interval shorter than the spread window bounds it.
  const CheckSpec quick = spec(2, 3, 50, 20);
  for (int i = 0; i < 100; ++i) CHECK(health::initial_delay(quick, rng()) <= 50);
}

namespace {

// Drives one target through a simulated timeline: the backend dies at `death`;
// returns when the state machine marks it down.
uint64_t simulate_detection(const CheckSpec& s, uint64_t death, std::mt19937_64& rng) {
  MemberStatus st = health::initial_status(0);
  uint64_t now = health::initial_delay(s, rng());
  while (true) {
    const CheckResult& r = now >= death ? kFail : kOk;
    const Transition t = health::on_result(st, r, s, now);
    if (st.state == HealthState::Down) return now;
    now += health::next_delay(st, t, s, rng());
  }
}

}  // namespace

TEST_CASE("fast re-check: detection takes about (fall-1) x fast_interval after the first failed probe") {
  // HAProxy-style timing (the bench_failover.py settings): interval 1 s, fast 0.25 s, fall 2.
  const CheckSpec s = spec(2, 2, 1000, 250);
  std::mt19937_64 rng(42);
  std::vector<uint64_t> delays;
  for (int trial = 0; trial < 500; ++trial) {
    const uint64_t death = 5000 + rng() % 1000;
    delays.push_back(simulate_detection(s, death, rng) - death);
  }
  std::sort(delays.begin(), delays.end());
  // Worst case: a full (jittered) interval until the first failed probe, plus one fast re-check.
  CHECK(delays.back() <= 1100 + 275);
  // Median well under a second, what fast re-checks are for (probe latency excluded).
  CHECK(delays[delays.size() / 2] < 1000);

  // Without the fast re-check it would take (fall-1) more full intervals.
  CheckSpec slow = s;
  slow.fast_interval_ms = slow.interval_ms;
  std::vector<uint64_t> slow_delays;
  for (int trial = 0; trial < 500; ++trial) {
    const uint64_t death = 5000 + rng() % 1000;
    slow_delays.push_back(simulate_detection(slow, death, rng) - death);
  }
  std::sort(slow_delays.begin(), slow_delays.end());
  CHECK(slow_delays[slow_delays.size() / 2] > delays[delays.size() / 2] + 500);
}

TEST_CASE("10,000 targets at a 1 s interval spread evenly: no probe bursts") {
  const CheckSpec s = spec(2, 3, 1000, 250);
  std::mt19937_64 rng(3);
  const size_t n = 10000;
  std::vector<MemberStatus> st(n, health::initial_status(0));
  std::vector<uint64_t> next(n);
  for (size_t i = 0; i < n; ++i) next[i] = health::initial_delay(s, rng());
  // Every first probe lands inside the start-up window.
  CHECK(*std::max_element(next.begin(), next.end()) <= health::kInitialSpreadMs);
  // Run 10 simulated seconds (all probes succeed), counting probes per 100 ms bucket in the last 2 s.
  std::vector<size_t> bucket(20, 0);
  for (size_t i = 0; i < n; ++i) {
    while (next[i] < 10000) {
      const Transition t = health::on_result(st[i], kOk, s, next[i]);
      if (next[i] >= 8000) ++bucket[(next[i] - 8000) / 100];
      next[i] += health::next_delay(st[i], t, s, rng());
    }
  }
  // A uniform spread puts 1,000 probes in each 100 ms bucket (10,000/s).
  for (size_t b : bucket) {
    CHECK(b > 800);
    CHECK(b < 1200);
  }
}

TEST_CASE("a restored state is served as it was; Down needs rise successes, Up goes at the first failure") {
  const CheckSpec s = spec(/*rise=*/3, /*fall=*/3);
  SUBCASE("agreeing: nothing changes, since stays") {
    MemberStatus st = health::initial_status(100);
    st.state = HealthState::Down;
    st.since_ms = 40;
    st.restored = true;
    CHECK(health::on_result(st, kFail, s, 200) == Transition::Unchanged);
    CHECK(st.state == HealthState::Down);
    CHECK(st.since_ms == 40);
    CHECK_FALSE(st.restored);
    CHECK(st.state_changes == 0);
  }
  SUBCASE("restored down, found alive: back after rise successes, as if dnsd had never stopped") {
    MemberStatus st = health::initial_status(100);
    st.state = HealthState::Down;
    st.restored = true;
    CHECK(health::on_result(st, kOk, s, 200) == Transition::ChangePending);
    CHECK_FALSE(st.restored);
    CHECK(health::on_result(st, kOk, s, 300) == Transition::ChangePending);
    CHECK(st.state == HealthState::Down);
    CHECK(health::on_result(st, kOk, s, 400) == Transition::Changed);
    CHECK(st.state == HealthState::Up);
    CHECK(st.since_ms == 400);
    // From then on the usual hysteresis: fall=3 failures to go down.
    CHECK(health::on_result(st, kFail, s, 500) == Transition::ChangePending);
    CHECK(health::on_result(st, kFail, s, 600) == Transition::ChangePending);
    CHECK(health::on_result(st, kFail, s, 700) == Transition::Changed);
  }
  SUBCASE("restored up, found dead: out at the first failure, not after fall") {
    MemberStatus st = health::initial_status(100);
    st.state = HealthState::Up;
    st.restored = true;
    CHECK(health::on_result(st, kFail, s, 200) == Transition::Changed);
    CHECK(st.state == HealthState::Down);
  }
}
