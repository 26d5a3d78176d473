// Measures what per-zone counting adds to a query: process_query followed by
// the worker's QueryStats::record, with and without the ZoneCounters::record
// the Responder does after it (queries and rcode per zone, all-down per
// pool). Rounds alternate between the two loops and the medians are printed,
// so that a busy machine skews both alike. Counts heap allocations in the
// measured loops (malloc calls, counted by a malloc wrapper in this program
// only): there must be none.
//
//   build/tests/zone_counting_cost [ITERATIONS] [ROUNDS]   (default 1000000 7)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "dnsd/query/query.h"
#include "dnsd/server/query_stats.h"
#include "dnsd/server/zone_counter_registry.h"
#include "health/health_view.h"
#include "tests/bench/malloc_count.h"
#include "tests/unit/zone_fixture.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace dnsd;

template <typename F>
double time_ns(size_t iterations, F&& body) {
  malloc_count::counting = true;
  const auto start = Clock::now();
  for (size_t i = 0; i < iterations; ++i) body();
  const double elapsed = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  malloc_count::counting = false;
  return elapsed / double(iterations);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const size_t iterations = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const size_t rounds = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 7;
  auto zone = test::zone_from_lines("example.test.", {"@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60",
                                                      "@ 300 IN NS ns1", "www 300 IN A 192.0.2.10",
                                                      "www 300 IN A 192.0.2.11"});
  auto set = std::make_shared<zones::ZoneSet>(std::vector{zone});
  ZoneCounterRegistry registry(1);
  auto snapshot = std::make_shared<const Snapshot>(set, health::HealthView::unbound(*set), 1, nullptr,
                                                   Snapshot::Versions{}, registry.for_zones(*set));
  RotationState rotation;
  rotation.resize(set->rotation_slots());
  std::vector<uint8_t> out(kMaxMessage);
  QueryStats stats;
  const unsigned row = 0;

  for (const auto& [label, name] : {std::pair{"www A (answer)", "www.example.test."},
                                    std::pair{"NXDOMAIN", "nope.example.test."}}) {
    const auto query = test::make_query(name, LDNS_RR_TYPE_A, true);
    const auto without = [&] {
      const QueryResult r = process_query(query, out, Transport::Udp, *snapshot, rotation);
      stats.record(Transport::Udp, r);
    };
    const auto with = [&] {
      const QueryResult r = process_query(query, out, Transport::Udp, *snapshot, rotation);
      stats.record(Transport::Udp, r);
      if (r.zone < snapshot->counters.size()) snapshot->counters[r.zone]->record(row, Transport::Udp, r);
    };
    without();
    with();
    std::vector<double> a, b;
    malloc_count::calls = 0;
    for (size_t i = 0; i < rounds; ++i) {
      a.push_back(time_ns(iterations, without));
      b.push_back(time_ns(iterations, with));
    }
    std::printf("%-16s process_query+record %7.1f ns   + zone counters %7.1f ns   difference %+5.1f ns   %zu mallocs\n",
                label, median(a), median(b), median(b) - median(a), malloc_count::calls);
  }
  const ZoneTotals t = snapshot->counters[0]->totals();
  std::printf("(zone counted %llu queries)\n", (unsigned long long)t.queries[0]);
  return t.queries[0] == 0;
}
