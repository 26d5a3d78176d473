// Measures what publishing a signed zone version costs after one pool member
// changes: dnsd::xfr::sign_version on a zone of 100 static hosts and one pool
// of 3, 64 or 1,000 members (max_answers 8, so the 64 and 1,000 member pools
// are answered in rotation windows, one signature each), with the version
// before reused as the publisher reuses it. For each algorithm and pool size
// it prints the first signing of the version (nothing to reuse), then the
// median, min and max over ITERATIONS versions in which one member is drained
// and then returned in turn, in ms, and the signatures each made. The static
// signatures (sign_zone) are made once, as the server makes them once per
// zone load and window.
//
//   build-bench/tests/sign_version_cost [ITERATIONS]      (default 20)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "dnsd/dnssec/signing_setup.h"
#include "dnsd/dnssec/zone_signer.h"
#include "dnsd/xfr/version_signer.h"
#include "dnsd/xfr/zone_content.h"
#include "health/health_view.h"
#include "zones/json_loader.h"
#include "zones/zone_set.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace dnsd;

/// example.test. with 100 hosts and pool "web" of `members` addresses behind www.
std::string zone_json(size_t members, const char* algorithm) {
  std::string text = R"({"origin": "example.test.", "ttl": 300, "dnssec": {"algorithm": ")" + std::string(algorithm) +
                     R"("}, "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1},
      "pools": {"web": {"ttl": 30, "max_answers": 8, "check": {"type": "none"}, "members": [)";
  for (size_t m = 0; m < members; ++m) {
    if (m) text += ", ";
    text += "\"10." + std::to_string(m / 65536) + "." + std::to_string(m / 256 % 256) + "." + std::to_string(m % 256) +
            "\"";
  }
  text += R"(]}}, "records": {"@": {"NS": ["ns1", "ns2"], "MX": "10 mail"}, "ns1": {"A": "192.0.2.1"},
      "ns2": {"A": "192.0.2.2"}, "mail": {"A": "192.0.2.25"}, "www": {"A": {"pool": "web"}})";
  for (int i = 1; i <= 100; ++i)
    text += ", \"host" + std::to_string(i) + "\": {\"A\": \"198.51.100." + std::to_string(i) + "\"}";
  return text + "}}";
}

/// A version of zone 0 of `set` with serial `serial` and the members `view` serves now.
std::shared_ptr<ZoneVersion> make_version(const zones::ZoneSet& set, const health::HealthView& view, uint32_t serial) {
  auto v = std::make_shared<ZoneVersion>();
  v->zone = set.zone_ptr(0);
  v->pools = xfr::select_pool_content(*v->zone, 0, view);
  v->serial = serial;
  const zones::Record& soa = v->zone->records(v->zone->soa())[0];
  v->soa_rdata = soa_with_serial({v->zone->rdata(soa), soa.rdata_length}, serial);
  v->history = std::make_shared<const ZoneHistory>();
  return v;
}

struct Timed {
  double ms = 0;
  size_t made = 0;
};

/// sign_version of `v` over `previous` (may be null); hangs the result on `v` as the versioner does.
bool sign(ZoneVersion& v, const std::shared_ptr<const dnssec::ZoneSignatures>& zs,
          const std::shared_ptr<const dnssec::SigningSetup>& setup, const ZoneVersion* previous, Timed& t) {
  std::string error;
  const auto start = Clock::now();
  auto sigs = xfr::sign_version(v, zs, *setup, previous, error);
  t.ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (!sigs) {
    std::fprintf(stderr, "sign_version: %s\n", error.c_str());
    return false;
  }
  std::const_pointer_cast<dnssec::VersionSignatures>(sigs)->setup = setup;
  t.made = sigs->signatures_made;
  v.signatures = std::move(sigs);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t iterations = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20;
  std::printf("%-16s %7s  %18s  %32s  %s\n", "algorithm", "members", "first version", "one member changed: median ms",
              "(min..max) signatures made");
  for (const auto& [algorithm, name] : {std::pair{dnssec::Algorithm::EcdsaP256Sha256, "ecdsap256sha256"},
                                        std::pair{dnssec::Algorithm::Ed25519, "ed25519"}}) {
    for (const size_t members : {size_t(3), size_t(64), size_t(1000)}) {
      const zones::LoadResult loaded = zones::load_zone_json(zone_json(members, name), "bench.json");
      if (!loaded.zone) {
        for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
        return 1;
      }
      const auto set = std::make_shared<const zones::ZoneSet>(std::vector{loaded.zone});
      const auto view = health::HealthView::unbound(*set);
      std::string error;
      const auto key = dnssec::SigningKey::generate(algorithm, dnssec::kCskFlags, error);
      if (!key) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 1;
      }
      auto setup = std::make_shared<dnssec::SigningSetup>();
      setup->zone_key = key;
      setup->dnskey = {key};
      setup->dnskey_signers = {key};
      setup->window = dnssec::window_at(loaded.zone->dnssec(), int64_t(std::time(nullptr)));
      const std::shared_ptr<const dnssec::SigningSetup> shared_setup = setup;
      const auto zs = dnssec::sign_zone(*loaded.zone, *setup, 1, error);
      if (!zs) {
        std::fprintf(stderr, "sign_zone: %s\n", error.c_str());
        return 1;
      }

      uint32_t serial = 1;
      std::shared_ptr<ZoneVersion> previous = make_version(*set, *view, serial);
      Timed first;
      if (!sign(*previous, zs, shared_setup, nullptr, first)) return 1;
      std::vector<double> ms;
      std::vector<size_t> made;
      for (size_t i = 0; i < iterations; ++i) {
        // Drain member i/2 on even rounds, return it on odd ones: each version differs by one member.
        const size_t m = (i / 2) % members;
        view->admin_of(0, 0, m)->state.store(uint8_t(i % 2 == 0 ? health::AdminState::Drain : health::AdminState::Auto),
                                             std::memory_order_relaxed);
        auto v = make_version(*set, *view, ++serial);
        if (v->pools == previous->pools) {
          std::fprintf(stderr, "draining member %zu did not change the served members\n", m);
          return 1;
        }
        Timed t;
        if (!sign(*v, zs, shared_setup, previous.get(), t)) return 1;
        ms.push_back(t.ms);
        made.push_back(t.made);
        previous = std::move(v);
      }
      std::vector<double> sorted = ms;
      std::sort(sorted.begin(), sorted.end());
      const auto [min_made, max_made] = std::minmax_element(made.begin(), made.end());
      std::printf("%-16s %7zu  %8.3f ms %5zu sig  %12.3f ms (%.3f..%.3f)  %zu..%zu signatures\n", name, members,
                  first.ms, first.made, sorted[sorted.size() / 2], sorted.front(), sorted.back(), *min_made,
                  *max_made);
    }
  }
  return 0;
}
