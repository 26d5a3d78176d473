// Per-zone counters: one slot per worker summed on read, rcodes bucketed,
// all-down responses counted for the pool QueryResult names.
#include "dnsd/server/zone_counters.h"

#include <doctest.h>

using namespace dnsd;

TEST_CASE("zone counters sum the workers' slots") {
  auto zone = std::make_shared<ZoneQueryCounters>(3);
  auto pool = std::make_shared<PoolDownCounters>(3);
  ZoneCounters counters(zone, {pool}, 3);
  QueryResult r;
  r.action = QueryAction::Respond;
  r.zone = 0;
  counters.record(0, Transport::Udp, r);
  counters.record(2, Transport::Tcp, r);
  r.rcode = 2;
  r.all_down = true;
  r.all_down_pool = 0;
  counters.record(1, Transport::Udp, r);
  counters.record(7, Transport::Udp, r);  // no such worker: ignored
  const ZoneTotals t = counters.totals();
  CHECK(t.queries[size_t(Transport::Udp)] == 2);
  CHECK(t.queries[size_t(Transport::Tcp)] == 1);
  CHECK(t.responses[zone_rcode_bucket(0)] == 2);
  CHECK(t.responses[zone_rcode_bucket(2)] == 1);
  CHECK(counters.all_down(0)[size_t(Transport::Udp)] == 1);
  CHECK(counters.all_down(0)[size_t(Transport::Tcp)] == 0);
  CHECK(counters.all_down(5) == std::array<uint64_t, kTransportCount>{});
}

TEST_CASE("rcodes outside the per-zone set share the other bucket") {
  CHECK(std::string(zone_rcode_bucket_name(zone_rcode_bucket(0))) == "NOERROR");
  CHECK(std::string(zone_rcode_bucket_name(zone_rcode_bucket(3))) == "NXDOMAIN");
  CHECK(std::string(zone_rcode_bucket_name(zone_rcode_bucket(5))) == "REFUSED");
  CHECK(std::string(zone_rcode_bucket_name(zone_rcode_bucket(4))) == "other");
  CHECK(std::string(zone_rcode_bucket_name(zone_rcode_bucket(23))) == "other");
}
