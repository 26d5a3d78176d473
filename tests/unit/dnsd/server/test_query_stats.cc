// Per-worker query counters and their sum across workers.
#include "dnsd/server/query_stats.h"

#include <doctest.h>

#include <vector>

using namespace dnsd;

namespace {

QueryResult answered(uint16_t qtype, uint16_t rcode, bool truncated = false) {
  QueryResult r;
  r.action = QueryAction::Respond;
  r.qtype = qtype;
  r.rcode = rcode;
  r.truncated = truncated;
  return r;
}

}  // namespace

TEST_CASE("query stats: counts by transport, qtype, rcode, truncation and drops") {
  QueryStats stats;
  stats.record(Transport::Udp, answered(1, 0));
  stats.record(Transport::Udp, answered(1, 3));
  stats.record(Transport::Udp, answered(28, 0, true));
  stats.record(Transport::Tcp, answered(257, 0));       // CAA has its own bucket
  stats.record(Transport::Tcp, answered(65280, 16));    // private type, BADVERS
  stats.record(Transport::Udp, QueryResult{});          // dropped
  QueryTotals t = stats.snapshot();
  const size_t udp = size_t(Transport::Udp), tcp = size_t(Transport::Tcp);
  CHECK(t.queries[udp] == 4);
  CHECK(t.queries[tcp] == 2);
  CHECK(t.dropped[udp] == 1);
  CHECK(t.by_qtype[udp][1] == 2);
  CHECK(t.by_qtype[udp][28] == 1);
  CHECK(t.by_qtype[tcp][257] == 1);
  CHECK(t.by_qtype[tcp][kQtypeBuckets - 1] == 1);
  CHECK(t.by_rcode[udp][0] == 2);
  CHECK(t.by_rcode[udp][3] == 1);
  CHECK(t.by_rcode[tcp][16] == 1);
  CHECK(t.truncated[udp] == 1);
  CHECK(t.truncated[tcp] == 0);
}

TEST_CASE("query stats: sum over workers") {
  QueryStats a, b;
  a.record(Transport::Udp, answered(1, 0));
  b.record(Transport::Udp, answered(1, 0));
  b.record(Transport::Tcp, answered(15, 0));
  a.tcp_accepted();
  b.tcp_accepted();
  b.udp_send_error(3);
  a.rrl_dropped();
  b.rrl_dropped();
  b.rrl_slipped();
  std::vector<const QueryStats*> workers{&a, &b};
  QueryTotals t = QueryStats::sum(workers);
  CHECK(t.queries[size_t(Transport::Udp)] == 2);
  CHECK(t.by_qtype[size_t(Transport::Tcp)][15] == 1);
  CHECK(t.tcp_accepted == 2);
  CHECK(t.udp_send_errors == 3);
  CHECK(t.rrl_dropped == 2);
  CHECK(t.rrl_slipped == 1);
}

TEST_CASE("query stats: responses by cookie status, BADCOOKIE by its own rcode") {
  QueryStats a, b;
  QueryResult valid = answered(1, 0);
  valid.cookie = CookieStatus::Valid;
  QueryResult bad = answered(1, 23);
  bad.cookie = CookieStatus::Invalid;
  a.record(Transport::Udp, valid);
  a.record(Transport::Udp, bad);
  b.record(Transport::Tcp, valid);
  b.record(Transport::Udp, answered(1, 0));
  b.record(Transport::Udp, QueryResult{});  // dropped: no response, not counted by cookie
  std::vector<const QueryStats*> workers{&a, &b};
  QueryTotals t = QueryStats::sum(workers);
  CHECK(t.cookies[size_t(CookieStatus::Valid)] == 2);
  CHECK(t.cookies[size_t(CookieStatus::Invalid)] == 1);
  CHECK(t.cookies[size_t(CookieStatus::None)] == 1);
  CHECK(t.cookies[size_t(CookieStatus::ClientOnly)] == 0);
  CHECK(t.by_rcode[size_t(Transport::Udp)][23] == 1);
}
