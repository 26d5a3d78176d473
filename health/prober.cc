#include "health/prober.h"

#include <uv.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "health/check.h"
#include "health/member_status.h"
#include "health/status_report.h"

namespace dnsd::health {

namespace {

// A status file write after a state change waits this long, so a burst of
// changes costs one write.
constexpr uint64_t kStatusCoalesceMs = 50;

struct Due {
  uint64_t at_ms;
  uint64_t seq;  // FIFO among equal times
  std::shared_ptr<const Target> target;
  bool operator>(const Due& o) const { return at_ms != o.at_ms ? at_ms > o.at_ms : seq > o.seq; }
};

}  // namespace

// Everything the prober thread owns. Fields marked (loop) are touched only on
// the prober thread once it runs.
struct Prober::Loop {
  Loop(HealthRegistry& registry, const ProberOptions& options, std::atomic<uint64_t>& started,
       std::atomic<size_t>& scheduled)
      : registry(registry), options(options), started(started), scheduled(scheduled) {
    rng.seed(options.seed ? options.seed : std::random_device{}() ^ (uint64_t(std::random_device{}()) << 32));
  }

  HealthRegistry& registry;
  const ProberOptions& options;
  uv_loop_t loop;
  uv_async_t wake;            // reconcile with the registry, or stop
  uv_timer_t scheduler;       // fires when the earliest probe is due
  uv_timer_t status_timer;    // status file writes
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t>& started;   // Prober::started_
  std::atomic<size_t>& scheduled;   // Prober::scheduled_: known.size()

  std::array<std::unique_ptr<Check>, 6> checks;                          // (loop) by CheckType
  std::unordered_map<uint64_t, std::shared_ptr<const Target>> known;     // (loop) targets being probed
  std::vector<Due> heap;                                                 // (loop) min-heap on at_ms
  std::deque<std::shared_ptr<const Target>> ready;                       // (loop) due, waiting for a slot
  size_t in_flight = 0;                                                  // (loop)
  uint64_t seq = 0;                                                      // (loop)
  std::mt19937_64 rng;                                                   // (loop)

  void run();
  void on_wake();
  void reconcile();
  void push(uint64_t at_ms, std::shared_ptr<const Target> target);
  void pump();
  void schedule_pump() { uv_timer_start(&scheduler, [](uv_timer_t* t) { static_cast<Loop*>(t->data)->pump(); }, 0, 0); }
  void launch(const std::shared_ptr<const Target>& target);
  void on_result(const std::shared_ptr<const Target>& target, const CheckResult& result);
  void status_soon();
  void write_status();
  void shutdown();
  Check* check_for(zones::CheckType type);
};

void Prober::Loop::run() {
  uv_run(&loop, UV_RUN_DEFAULT);
  for (auto& c : checks) c.reset();
  uv_run(&loop, UV_RUN_DEFAULT);  // closes anything a destructor started closing
  uv_loop_close(&loop);
}

void Prober::Loop::on_wake() {
  if (stopping.load()) {
    shutdown();
    return;
  }
  reconcile();
  pump();
}

Check* Prober::Loop::check_for(zones::CheckType type) {
  auto& slot = checks[size_t(type)];
  if (!slot) slot = make_check(type, &loop);
  return slot.get();
}

void Prober::Loop::push(uint64_t at_ms, std::shared_ptr<const Target> target) {
  heap.push_back(Due{at_ms, seq++, std::move(target)});
  std::push_heap(heap.begin(), heap.end(), std::greater<>());
}

void Prober::Loop::reconcile() {
  const auto targets = registry.targets().list();
  std::unordered_map<uint64_t, bool> present;
  const uint64_t now = monotonic_ms();
  for (const auto& t : targets) {
    if (t->spec.type == zones::CheckType::None) continue;  // static: never probed
    present[t->id] = true;
    if (known.count(t->id)) continue;
    known.emplace(t->id, t);
    const uint64_t due = now + initial_delay(t->spec, rng());
    registry.targets().set_next_probe(t->id, due);
    push(due, t);
  }
  // Forgotten targets: their heap and ready entries are skipped when reached.
  for (auto it = known.begin(); it != known.end();) it = present.count(it->first) ? std::next(it) : known.erase(it);
  scheduled.store(known.size(), std::memory_order_relaxed);
  std::array<size_t, std::tuple_size_v<decltype(checks)>> per_type{};
  for (const auto& [id, t] : known) ++per_type[size_t(t->spec.type)];
  for (size_t type = 0; type < per_type.size(); ++type)
    if (Check* check = per_type[type] ? check_for(zones::CheckType(type)) : nullptr) check->expect_targets(per_type[type]);
}

void Prober::Loop::pump() {
  const uint64_t now = monotonic_ms();
  while (!heap.empty() && heap.front().at_ms <= now) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<>());
    Due due = std::move(heap.back());
    heap.pop_back();
    if (known.count(due.target->id)) ready.push_back(std::move(due.target));
  }
  while (in_flight < options.max_in_flight && !ready.empty()) {
    auto target = std::move(ready.front());
    ready.pop_front();
    if (known.count(target->id)) launch(target);
  }
  if (heap.empty()) {
    uv_timer_stop(&scheduler);
    return;
  }
  uv_update_time(&loop);
  uv_timer_start(&scheduler, [](uv_timer_t* t) { static_cast<Loop*>(t->data)->pump(); },
                 heap.front().at_ms > now ? heap.front().at_ms - now : 0, 0);
}

void Prober::Loop::launch(const std::shared_ptr<const Target>& target) {
  Check* check = check_for(target->spec.type);
  if (!check) return;
  ++in_flight;
  started.fetch_add(1, std::memory_order_relaxed);
  check->start(target->spec, target->address, [this, target](CheckResult result) { on_result(target, result); });
}

void Prober::Loop::on_result(const std::shared_ptr<const Target>& target, const CheckResult& result) {
  --in_flight;
  if (stopping.load()) return;
  const auto outcome = registry.targets().record_result(target->id, result, monotonic_ms(), rng());
  if (outcome && options.on_probe_result) options.on_probe_result(*target, result);
  if (!outcome) {
    known.erase(target->id);
    scheduled.store(known.size(), std::memory_order_relaxed);
  } else {
    push(outcome->next_probe_ms, target);
    if (outcome->event) {
      if (options.on_state_change) options.on_state_change(*outcome->event);
      status_soon();
    }
  }
  schedule_pump();  // a slot is free; start waiting probes from the loop, not from inside a check
}

void Prober::Loop::status_soon() {
  if (options.status_file.empty()) return;
  if (uv_timer_get_due_in(&status_timer) > kStatusCoalesceMs)
    uv_timer_start(&status_timer, [](uv_timer_t* t) { static_cast<Loop*>(t->data)->write_status(); },
                   kStatusCoalesceMs, options.status_file_period_ms);
}

void Prober::Loop::write_status() {
  std::string error;
  const bool ok = write_status_file(options.status_file, registry.targets().status(), error);
  if (options.on_status_file_write) options.on_status_file_write(ok, error);
  else if (!ok && options.on_warning) options.on_warning("health: cannot write status file: " + error);
}

void Prober::Loop::shutdown() {
  for (auto& c : checks)
    if (c) c->close();
  uv_close(reinterpret_cast<uv_handle_t*>(&wake), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&scheduler), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&status_timer), nullptr);
  heap.clear();
  ready.clear();
  known.clear();
  scheduled.store(0, std::memory_order_relaxed);
}

Prober::Prober(HealthRegistry& registry, ProberOptions options) : registry_(registry), options_(std::move(options)) {}

Prober::~Prober() { stop(); }

void Prober::start() {
  if (loop_) return;
  loop_ = std::make_unique<Loop>(registry_, options_, started_, scheduled_);
  Loop& l = *loop_;
  uv_loop_init(&l.loop);
  uv_async_init(&l.loop, &l.wake, [](uv_async_t* a) { static_cast<Loop*>(a->data)->on_wake(); });
  l.wake.data = &l;
  uv_timer_init(&l.loop, &l.scheduler);
  l.scheduler.data = &l;
  uv_timer_init(&l.loop, &l.status_timer);
  l.status_timer.data = &l;
  if (!options_.status_file.empty())
    uv_timer_start(&l.status_timer, [](uv_timer_t* t) { static_cast<Loop*>(t->data)->write_status(); }, 0,
                   options_.status_file_period_ms);
  registry_.targets().set_change_listener([&l] { uv_async_send(&l.wake); });
  uv_async_send(&l.wake);  // first reconcile: targets bound before start
  l.thread = std::thread([&l] { l.run(); });
}

size_t Prober::run_initial_round(std::chrono::milliseconds timeout) {
  start();
  return registry_.barrier().wait_all(std::chrono::steady_clock::now() + timeout);
}

size_t Prober::wait_for_first_results(std::span<const uint64_t> targets, std::chrono::milliseconds timeout) {
  return registry_.barrier().wait(targets, std::chrono::steady_clock::now() + timeout);
}

std::chrono::milliseconds Prober::initial_round_budget(std::chrono::milliseconds cap) const {
  uint64_t longest = 0;
  size_t count = 0;
  for (const auto& t : registry_.targets().list()) {
    if (t->spec.type == zones::CheckType::None) continue;
    longest = std::max<uint64_t>(longest, t->spec.timeout_ms);
    ++count;
  }
  const size_t slots = std::max<size_t>(options_.max_in_flight, 1);
  const uint64_t waves = (count + slots - 1) / slots;
  const uint64_t budget = kInitialSpreadMs + waves * longest + 250;
  return std::min(std::chrono::milliseconds(budget), cap);
}

void Prober::stop() {
  if (!loop_) return;
  // No listener calls after this returns, so the async handle can close safely.
  registry_.targets().set_change_listener({});
  loop_->stopping.store(true);
  uv_async_send(&loop_->wake);
  loop_->thread.join();
  loop_.reset();
}

HealthSnapshot Prober::status() const { return registry_.targets().status(); }

uint64_t Prober::probes_started() const { return started_.load(std::memory_order_relaxed); }

size_t Prober::scheduled_targets() const { return scheduled_.load(std::memory_order_relaxed); }

}  // namespace dnsd::health
