// Measures what one RRSIG costs to make with RrsigMaker, single thread, for
// each algorithm dnsd signs with: an A RRset of 1 record and one of 8, in µs
// per signature, with the heap allocations per signature (malloc calls,
// counted by a malloc wrapper in this program only; OpenSSL's own) and the
// size of the RRSIG rdata.
//
//   build/tests/sign_cost [ITERATIONS]      (default 20000)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dnsd/dnssec/rrsig_maker.h"
#include "tests/bench/malloc_count.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace dnsd::dnssec;

// "example.test." and "www.example.test." in wire form.
const std::vector<uint8_t> kApex = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0};
const std::vector<uint8_t> kOwner = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0};

}  // namespace

int main(int argc, char** argv) {
  const size_t iterations = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20000;
  std::vector<std::vector<uint8_t>> addresses;
  for (uint8_t i = 1; i <= 8; ++i) addresses.push_back({192, 0, 2, i});
  std::vector<RdataView> rdatas;
  for (const auto& a : addresses) rdatas.push_back({a.data(), uint16_t(a.size())});

  for (const Algorithm algorithm : {Algorithm::EcdsaP256Sha256, Algorithm::Ed25519}) {
    std::string error;
    const auto key = SigningKey::generate(algorithm, kCskFlags, error);
    if (!key) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 1;
    }
    RrsigMaker maker(key, kApex.data(), kApex.size(), {1764547200, 1767225600});
    std::vector<uint8_t> out;
    out.reserve(maker.rrsig_size());
    for (const size_t records : {size_t(1), size_t(8)}) {
      const std::span<const RdataView> rrset(rdatas.data(), records);
      out.clear();
      if (!maker.sign(kOwner.data(), kOwner.size(), 1, 300, rrset, out, error)) {  // warm up the buffers
        std::fprintf(stderr, "%s\n", error.c_str());
        return 1;
      }
      malloc_count::calls = 0;
      malloc_count::counting = true;
      const auto start = Clock::now();
      bool ok = true;
      for (size_t i = 0; i < iterations; ++i) {
        out.clear();
        ok &= maker.sign(kOwner.data(), kOwner.size(), 1, 300, rrset, out, error);
      }
      const double elapsed = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
      malloc_count::counting = false;
      if (!ok) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 1;
      }
      std::printf("%-16s A RRset of %zu record%s %8.1f µs/signature %6.1f mallocs/signature  RRSIG rdata %zu bytes\n",
                  algorithm_name(algorithm), records, records == 1 ? ": " : "s:", elapsed / double(iterations),
                  double(malloc_count::calls) / double(iterations), out.size());
    }
  }
  return 0;
}
