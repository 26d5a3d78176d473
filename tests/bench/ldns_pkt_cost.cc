// Measures, in one process and on one query mix, what answering costs through
// dnsd's query path (wire reader, lookup, packet writer) and through ldns's
// packet objects (ldns_wire2pkt, an ldns_pkt built from the same records,
// ldns_pkt2wire), so the choice of a hand-written hot path rests on a number.
// It also counts the heap allocations of each path (malloc calls, counted by
// a malloc wrapper in this program only).
//
//   build/tests/bench/ldns_pkt_cost [ITERATIONS]      (default 200000 per query)
#include "zones/ldns.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dnsd/query/query.h"
#include "tests/bench/malloc_count.h"
#include "tests/unit/zone_fixture.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Case {
  const char* label;
  std::string name;
  ldns_rr_type type;
};

// The ldns way: parse the query into an ldns_pkt, build the response packet
// from ldns_rr clones of the answer (as a server keeping its zone in ldns
// objects would), and render it to wire.
size_t answer_with_ldns(const std::vector<uint8_t>& query, const ldns_rr_list* answer, ldns_rr* soa) {
  ldns_pkt* q = nullptr;
  if (ldns_wire2pkt(&q, query.data(), query.size()) != LDNS_STATUS_OK) std::abort();
  ldns_pkt* r = ldns_pkt_new();
  ldns_pkt_set_id(r, ldns_pkt_id(q));
  ldns_pkt_set_qr(r, true);
  ldns_pkt_set_aa(r, true);
  ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(q), 0)));
  if (answer) {
    for (size_t i = 0; i < ldns_rr_list_rr_count(answer); ++i)
      ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, ldns_rr_clone(ldns_rr_list_rr(answer, i)));
  } else {
    ldns_pkt_set_rcode(r, LDNS_RCODE_NXDOMAIN);
    ldns_pkt_push_rr(r, LDNS_SECTION_AUTHORITY, ldns_rr_clone(soa));
  }
  if (ldns_pkt_edns(q)) {
    ldns_pkt_set_edns_udp_size(r, 1232);
    ldns_pkt_set_edns_do(r, ldns_pkt_edns_do(q));
  }
  uint8_t* wire = nullptr;
  size_t size = 0;
  if (ldns_pkt2wire(&wire, r, &size) != LDNS_STATUS_OK) std::abort();
  std::free(wire);
  ldns_pkt_free(r);
  ldns_pkt_free(q);
  return size;
}

ldns_rr_list* rrs(const std::vector<std::string>& lines) {
  ldns_rr_list* list = ldns_rr_list_new();
  for (const auto& line : lines) {
    ldns_rr* rr = nullptr;
    if (ldns_rr_new_frm_str(&rr, line.c_str(), 300, nullptr, nullptr) != LDNS_STATUS_OK) std::abort();
    ldns_rr_list_push_rr(list, rr);
  }
  return list;
}

}  // namespace

int main(int argc, char** argv) {
  const long iterations = argc > 1 ? std::atol(argv[1]) : 200000;
  using namespace dnsd;
  auto zone = test::zone_from_lines("bench.test.", {
      "@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60", "@ 300 IN NS ns1", "ns1 300 IN A 192.0.2.53",
      "www 60 IN A 192.0.2.1", "www 60 IN A 192.0.2.2", "www 60 IN A 192.0.2.3", "www 60 IN A 192.0.2.4"});
  const auto snapshot = Snapshot::standalone(std::make_shared<const zones::ZoneSet>(std::vector{zone}));
  const Snapshot& set = *snapshot;
  RotationState rotation;
  rotation.use(set.rotation, 0);
  std::vector<uint8_t> out(kMaxMessage);

  ldns_rr_list* www = rrs({"www.bench.test. 60 IN A 192.0.2.1", "www.bench.test. 60 IN A 192.0.2.2",
                           "www.bench.test. 60 IN A 192.0.2.3", "www.bench.test. 60 IN A 192.0.2.4"});
  ldns_rr_list* soa_list = rrs({"bench.test. 60 IN SOA ns1.bench.test. hostmaster.bench.test. 1 3600 600 86400 60"});
  const Case cases[] = {{"www A (4 records)", "www.bench.test.", LDNS_RR_TYPE_A},
                        {"NXDOMAIN", "nx.bench.test.", LDNS_RR_TYPE_A}};

  std::printf("%-18s %14s %14s %8s %16s %16s\n", "query", "dnsd ns/query", "ldns ns/query", "ratio",
              "dnsd mallocs/q", "ldns mallocs/q");
  for (const Case& c : cases) {
    const std::vector<uint8_t> query = test::make_query(c.name, c.type, true);
    const ldns_rr_list* answer = c.type == LDNS_RR_TYPE_A && c.name.rfind("www", 0) == 0 ? www : nullptr;
    size_t sink = 0;
    for (int warm = 0; warm < 1000; ++warm) {
      sink += process_query(query, out, Transport::Udp, set, rotation).length;
      sink += answer_with_ldns(query, answer, ldns_rr_list_rr(soa_list, 0));
    }
    malloc_count::calls = 0;
    malloc_count::counting = true;
    auto t0 = Clock::now();
    for (long i = 0; i < iterations; ++i) sink += process_query(query, out, Transport::Udp, set, rotation).length;
    auto t1 = Clock::now();
    malloc_count::counting = false;
    const double dnsd_mallocs = double(malloc_count::calls) / double(iterations);
    malloc_count::calls = 0;
    malloc_count::counting = true;
    auto t2 = Clock::now();
    for (long i = 0; i < iterations; ++i) sink += answer_with_ldns(query, answer, ldns_rr_list_rr(soa_list, 0));
    auto t3 = Clock::now();
    malloc_count::counting = false;
    const double ldns_mallocs = double(malloc_count::calls) / double(iterations);
    const double dnsd_ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / double(iterations);
    const double ldns_ns = std::chrono::duration<double, std::nano>(t3 - t2).count() / double(iterations);
    std::printf("%-18s %14.0f %14.0f %7.1fx %16.1f %16.1f\n", c.label, dnsd_ns, ldns_ns, ldns_ns / dnsd_ns,
                dnsd_mallocs, ldns_mallocs);
    if (sink == 0) std::puts("");  // keeps the loops from being optimised away
  }
  ldns_rr_list_deep_free(www);
  ldns_rr_list_deep_free(soa_list);
  return 0;
}
