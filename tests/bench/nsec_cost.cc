// Measures the NSEC chain on a zone of 200,000 names: how long NsecChain takes
// to build and how many bytes it holds, and what covering_node (the lookup
// behind every signed NXDOMAIN and wildcard answer) costs per name, in ns and
// mallocs, for random names the zone does not hold; and canonical_compare on
// its own. It checks each answer against the chain's neighbours, so a fast
// wrong answer does not pass. Times are this thread's CPU time, so other
// processes on a shared machine do not inflate them.
//
//   build/tests/nsec_cost [NAMES] [LOOKUPS] [LABEL]   (defaults 200000, 1000000, none)
//
// With LABEL, every name lies under LABEL.<origin>: the case where the label
// prefixes the chain keeps cannot tell names apart, and lookups compare names.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "dnsd/dnssec/canonical_name.h"
#include "dnsd/dnssec/nsec_chain.h"
#include "tests/bench/malloc_count.h"
#include "zones/zone_builder.h"

namespace {

using namespace dnsd;

// This thread's CPU time, not wall time, so other processes on a shared
// machine do not count against the code measured.
struct Clock {
  using time_point = double;
  static double now() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
  }
};

double ms_since(double start) { return Clock::now() - start; }

// A random hostname-like label of 3 to 12 letters and digits.
std::string random_label(std::mt19937& random) {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string label(3 + random() % 10, ' ');
  for (char& c : label) c = kAlphabet[random() % 36];
  return label;
}

// Wire name: one or two random labels under `origin`, like hosts and hosts in subzones.
std::string random_name(std::mt19937& random, const std::string& origin) {
  std::string wire;
  for (size_t labels = 1 + random() % 2; labels > 0; --labels) {
    const std::string label = random_label(random);
    wire += char(label.size());
    wire += label;
  }
  return wire + origin;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t names = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
  const size_t lookups = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000000;
  zones::Name origin;
  std::string error;
  zones::name_from_text("example.test.", zones::root_name(), origin, error);
  std::mt19937 random(2026);
  // Where the random names go: under the origin, or under LABEL.<origin>.
  std::string parent = origin.wire;
  if (argc > 3) parent = char(std::strlen(argv[3])) + std::string(argv[3]) + origin.wire;

  auto start = Clock::now();
  zones::ZoneBuilder builder(origin);
  const std::string soa = std::string("\3ns1") + origin.wire + "\12hostmaster" + origin.wire +
                          std::string("\0\0\0\1\0\0\x1c\x20\0\0\x03\x84\0\x12\x75\0\0\0\1\x2c", 20);
  builder.add_record(origin, zones::rrtype::SOA, 3600, soa);
  for (size_t i = 0; i < names; ++i)
    builder.add_record(zones::Name{random_name(random, parent)}, zones::rrtype::A, 300,
                       std::string("\xc0\x00\x02\x01", 4));
  const auto zone = builder.build(error);
  if (!zone) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  std::printf("zone: %zu nodes, built in %.0f ms\n", zone->node_count(), ms_since(start));

  start = Clock::now();
  const dnssec::NsecChain chain(*zone);
  std::printf("NsecChain: %zu names, built in %.1f ms, %zu bytes (%.1f per chain name)\n", chain.size(),
              ms_since(start), chain.bytes(), double(chain.bytes()) / double(chain.size()));

  // Names the zone does not hold, generated before timing.
  std::vector<zones::Name> queries;
  while (queries.size() < 4096) {
    zones::Name name{random_name(random, parent)};
    if (zone->find(name.data(), name.size(), zones::name_hash(name.data(), name.size())) == zones::kNone)
      queries.push_back(std::move(name));
  }

  // Every answer must be <= the name, with the next chain name > it (or the answer last).
  size_t wrong = 0;
  for (const zones::Name& q : queries) {
    const uint32_t node = chain.covering_node(*zone, q.data(), q.size());
    const zones::Node& n = zone->node(node);
    const uint32_t position = chain.position_of(node);
    bool ok = dnssec::canonical_compare(zone->node_name(n), n.name_length, q.data(), q.size()) <= 0;
    if (position + 1 < chain.size()) {
      const zones::Node& next = zone->node(chain.node_at(position + 1));
      ok = ok && dnssec::canonical_compare(zone->node_name(next), next.name_length, q.data(), q.size()) > 0;
    }
    wrong += !ok;
  }

  size_t sink = 0;
  malloc_count::calls = 0;
  malloc_count::counting = true;
  start = Clock::now();
  for (size_t i = 0; i < lookups; ++i) {
    const zones::Name& q = queries[i & (queries.size() - 1)];
    sink += chain.covering_node(*zone, q.data(), q.size());
  }
  const double elapsed = ms_since(start);
  malloc_count::counting = false;
  std::printf("covering_node, nonexistent names: %.1f ns per lookup, %zu mallocs in %zu lookups, %zu wrong\n",
              elapsed * 1e6 / double(lookups), malloc_count::calls, lookups, wrong);

  // canonical_compare alone, in cache: 1024 pairs of chain neighbours (the
  // origin and often more labels shared), copied next to each other.
  std::vector<std::string> pairs;
  for (size_t i = 0; i < 2048; ++i) {
    const zones::Node& n = zone->node(chain.node_at((i / 2) * 97 % chain.size() + i % 2));
    pairs.emplace_back(reinterpret_cast<const char*>(zone->node_name(n)), n.name_length);
  }
  const size_t compares = lookups * 4;
  start = Clock::now();
  for (size_t i = 0; i < compares; ++i) {
    const std::string& a = pairs[(i & 1023) * 2];
    const std::string& b = pairs[(i & 1023) * 2 + 1];
    sink += dnssec::canonical_compare(reinterpret_cast<const uint8_t*>(a.data()), a.size(),
                                      reinterpret_cast<const uint8_t*>(b.data()), b.size()) < 0;
  }
  std::printf("canonical_compare, chain neighbours in cache: %.1f ns per compare\n",
              ms_since(start) * 1e6 / double(compares));
  return sink == 0 || wrong != 0;
}
