// Measures what DNS cookies cost per query: ServerCookies::check on its own
// (a client cookie alone, a fresh valid cookie, one to renew, an invalid one,
// in both secret modes), and process_query with and without a COOKIE option.
// It also counts heap allocations in the measured loops (malloc calls,
// counted by a malloc wrapper in this program only): there must be none.
//
//   build/tests/cookie_cost [ITERATIONS]      (default 1000000)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dnsd/query/query.h"
#include "dnsd/query/server_cookies.h"
#include "tests/bench/malloc_count.h"
#include "tests/unit/zone_fixture.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace dnsd;

constexpr uint32_t kNow = 1700000000;
const std::vector<uint8_t> kAddress = {192, 0, 2, 1};

template <typename F>
void measure(const char* label, size_t iterations, F&& body) {
  body();  // warm up: caches, lazily derived secrets
  malloc_count::calls = 0;
  malloc_count::counting = true;
  const auto start = Clock::now();
  for (size_t i = 0; i < iterations; ++i) body();
  const auto elapsed = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  malloc_count::counting = false;
  std::printf("%-44s %8.1f ns   %zu mallocs\n", label, elapsed / double(iterations), malloc_count::calls);
}

std::vector<uint8_t> with_cookie(std::vector<uint8_t> query, const std::vector<uint8_t>& cookie) {
  query[query.size() - 1] = uint8_t(4 + cookie.size());
  query.insert(query.end(), {0, 10, 0, uint8_t(cookie.size())});
  query.insert(query.end(), cookie.begin(), cookie.end());
  return query;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t iterations = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  std::string error;
  const CookieSecret secret = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  for (const auto& [mode, secrets] : {std::pair{"fixed", CookieSecrets::fixed(secret)},
                                      std::pair{"rotating", CookieSecrets::rotating(secret)}}) {
    auto cookies = ServerCookies::create(secrets, error);
    if (!cookies) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 1;
    }
    std::vector<uint8_t> option = {0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57};
    std::array<uint8_t, 16> reply{};
    const std::string m = mode;
    measure((m + ": client cookie only (make)").c_str(), iterations,
            [&] { cookies->check(option, kAddress, kNow, reply); });
    option.insert(option.end(), reply.begin(), reply.end());
    measure((m + ": valid, fresh (verify, echo)").c_str(), iterations,
            [&] { cookies->check(option, kAddress, kNow + 60, reply); });
    measure((m + ": valid, 40 min old (verify, make)").c_str(), iterations,
            [&] { cookies->check(option, kAddress, kNow + 2400, reply); });
    auto forged = option;
    forged.back() ^= 1;
    measure((m + ": invalid (verify, make)").c_str(), iterations,
            [&] { cookies->check(forged, kAddress, kNow + 60, reply); });
  }

  // The whole query path, with and without a cookie.
  auto zone = test::zone_from_lines("example.test.", {"@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60",
                                                      "@ 300 IN NS ns1", "www 300 IN A 192.0.2.10"});
  auto set = std::make_shared<zones::ZoneSet>(std::vector{zone});
  auto snapshot = Snapshot::standalone(set);
  RotationState rotation;
  rotation.resize(set->rotation_slots());
  std::vector<uint8_t> out(kMaxMessage);
  auto cookies = ServerCookies::create(CookieSecrets::rotating(secret), error);
  QueryContext context;
  context.cookies = cookies.get();
  context.client_address = kAddress;
  context.now = kNow;
  const auto plain = test::make_query("www.example.test.", LDNS_RR_TYPE_A, true);
  const auto client_only = with_cookie(plain, {0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57});
  const QueryResult first = process_query(client_only, out, Transport::Udp, *snapshot, rotation, context);
  std::vector<uint8_t> full(out.begin() + first.length - 24, out.begin() + first.length);
  const auto valid = with_cookie(plain, full);
  size_t sink = 0;
  measure("process_query: EDNS, no cookie", iterations,
          [&] { sink += process_query(plain, out, Transport::Udp, *snapshot, rotation, context).length; });
  measure("process_query: client cookie only", iterations,
          [&] { sink += process_query(client_only, out, Transport::Udp, *snapshot, rotation, context).length; });
  measure("process_query: valid server cookie", iterations,
          [&] { sink += process_query(valid, out, Transport::Udp, *snapshot, rotation, context).length; });
  const QueryResult check = process_query(valid, out, Transport::Udp, *snapshot, rotation, context);
  std::printf("(valid cookie status: %s)\n", check.cookie == CookieStatus::Valid ? "Valid" : "NOT VALID");
  return sink == 0;
}
