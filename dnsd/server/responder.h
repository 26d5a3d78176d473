// A worker's query answering state: its view of the zone snapshots, the
// snapshot's shared rotation counters and its stats. UDP and TCP listeners of
// one worker share one Responder, so both transports count the same way.
#pragma once

#include <cstdint>
#include <span>

#include "dnsd/query/query.h"
#include "dnsd/server/query_stats.h"
#include "zones/zone_store.h"

namespace dnsd {

/// Turns one query into one response against the latest snapshot. Owned and
/// used by one worker thread only.
class Responder {
 public:
  explicit Responder(const zones::ZoneStore& store) : reader_(store) {}

  /// Answers `query` into `response` (kMaxUdpPayload bytes for UDP, kMaxMessage
  /// for TCP) and counts the outcome. No lock, no allocation.
  QueryResult answer(std::span<const uint8_t> query, std::span<uint8_t> response, Transport transport) {
    const zones::ZoneSet& zones = reader_.get();
    if (reader_.generation() != rotation_generation_) [[unlikely]] {
      rotation_.share(zones);
      rotation_generation_ = reader_.generation();
    }
    QueryResult result = process_query(query, response, transport, zones, rotation_);
    stats_.record(transport, result);
    return result;
  }

  /// This worker's counters; written here, read by any thread.
  QueryStats& stats() { return stats_; }
  const QueryStats& stats() const { return stats_; }

 private:
  zones::ZoneStore::Reader reader_;
  RotationState rotation_;
  uint64_t rotation_generation_ = UINT64_MAX;
  QueryStats stats_;
};

}  // namespace dnsd
