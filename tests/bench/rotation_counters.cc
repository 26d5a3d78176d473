// Cost of advancing a rotation counter from several threads at once, the two
// ways dnsd could do it: one counter shared by every worker (an atomic
// fetch_add on one cache line, which bounces between cores when two workers
// answer the same name), or one row per worker (dnsd's RotationCounters: a
// relaxed load and store on a line no other thread writes). Prints ns per
// advance for 1 and 2 threads. For the whole query path's cost see
// bench_core.sh; this isolates the counter.
//
//   build/tests/rotation_counters [advances per thread, default 50,000,000]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>
#include <vector>

#include "dnsd/query/rotation.h"
#include "tests/unit/zone_fixture.h"

namespace {

double run(unsigned threads, long advances, const std::function<void(unsigned)>& body) {
  const auto begin = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(body, t);
  for (auto& t : pool) t.join();
  const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - begin).count();
  return ns / double(advances);  // wall ns per advance of one thread
}

}  // namespace

int main(int argc, char** argv) {
  const long advances = argc > 1 ? std::atol(argv[1]) : 50'000'000;
  auto zone = dnsd::test::zone_from_lines("bench.test.", {"@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60",
                                                          "@ 300 IN NS ns1", "www 60 IN A 192.0.2.1",
                                                          "www 60 IN A 192.0.2.2"});
  const dnsd::zones::ZoneSet set({zone});
  std::printf("%-32s %8s %8s\n", "counter", "1 thread", "2 threads");
  for (const char* mode : {"shared (fetch_add, one line)", "per-worker rows (load+store)"}) {
    const bool shared = mode[0] == 's';
    double ns[2];
    for (unsigned threads = 1; threads <= 2; ++threads) {
      const dnsd::RotationCounters counters(set, threads);
      std::atomic<uint32_t> one{0};
      volatile uint32_t sink = 0;
      ns[threads - 1] = run(threads, advances, [&](unsigned t) {
        dnsd::RotationState state;
        state.use(counters, t);
        uint32_t local = 0;
        for (long i = 0; i < advances; ++i)
          local += shared ? one.fetch_add(1, std::memory_order_relaxed) : state.next(0);
        sink = sink + local;
      });
    }
    std::printf("%-32s %7.2fns %7.2fns\n", mode, ns[0], ns[1]);
  }
  return 0;
}
