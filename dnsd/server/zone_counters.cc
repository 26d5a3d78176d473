#include "dnsd/server/zone_counters.h"

namespace dnsd {

size_t zone_rcode_bucket(uint16_t rcode) {
  switch (rcode) {
    case 0: return 0;  // NOERROR
    case 1: return 1;  // FORMERR
    case 2: return 2;  // SERVFAIL
    case 3: return 3;  // NXDOMAIN
    case 5: return 4;  // REFUSED
    default: return 5;
  }
}

const char* zone_rcode_bucket_name(size_t bucket) {
  static constexpr const char* kNames[kZoneRcodeBuckets] = {"NOERROR", "FORMERR", "SERVFAIL",
                                                            "NXDOMAIN", "REFUSED", "other"};
  return bucket < kZoneRcodeBuckets ? kNames[bucket] : "other";
}

ZoneQueryCounters::ZoneQueryCounters(unsigned workers) : workers_(workers), slots_(new Slot[workers]) {}

ZoneTotals ZoneQueryCounters::totals() const {
  ZoneTotals out;
  for (unsigned w = 0; w < workers_; ++w) {
    for (size_t t = 0; t < kTransportCount; ++t) out.queries[t] += slots_[w].queries[t].get();
    for (size_t b = 0; b < kZoneRcodeBuckets; ++b) out.responses[b] += slots_[w].responses[b].get();
  }
  return out;
}

PoolDownCounters::PoolDownCounters(unsigned workers) : workers_(workers), slots_(new Slot[workers]) {}

std::array<uint64_t, kTransportCount> PoolDownCounters::totals() const {
  std::array<uint64_t, kTransportCount> out{};
  for (unsigned w = 0; w < workers_; ++w)
    for (size_t t = 0; t < kTransportCount; ++t) out[t] += slots_[w].by_transport[t].get();
  return out;
}

}  // namespace dnsd
