// A worker's query answering state: its reader of the published snapshots,
// its row of rotation counters and its stats. UDP and TCP listeners of one
// worker share one Responder, so both transports count the same way.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <span>

#include "dnsd/query/query.h"
#include "dnsd/server/query_stats.h"
#include "dnsd/server/snapshot_store.h"
#include "dnsd/xfr/transfer_endpoint.h"

namespace dnsd {

/// Turns one query into one response against the latest snapshot. Owned and
/// used by one worker thread only.
class Responder {
 public:
  /// `row` is this worker's row of every snapshot's rotation counters and its
  /// reader slot. `transfers` answers handed-off messages; nullptr drops them.
  Responder(SnapshotStore& store, unsigned row, xfr::TransferEndpoint* transfers = nullptr)
      : reader_(store.reader(row)), row_(row), transfers_(transfers) {}

  /// Answers `query` into `response` (kMaxUdpPayload bytes for UDP, kMaxMessage
  /// for TCP) and counts the outcome. No lock, no allocation.
  QueryResult answer(std::span<const uint8_t> query, std::span<uint8_t> response, Transport transport) {
    const Snapshot& snapshot = reader_.enter();
    if (snapshot.id != rotation_of_) [[unlikely]] {
      rotation_.use(snapshot.rotation, row_);
      rotation_of_ = snapshot.id;
    }
    QueryResult result = process_query(query, response, transport, snapshot, rotation_);
    stats_.record(transport, result);
    return result;
  }

  /// Answers a message answer() handed off (QueryResult::Handoff: a zone
  /// transfer or a TSIG-signed message) from `peer`, against the same
  /// snapshot. nullptr when nothing answers handed-off messages. Allocates;
  /// worker thread, right after answer().
  std::unique_ptr<xfr::ResponseStream> hand_off(std::span<const uint8_t> query, const sockaddr* peer,
                                                Transport transport) {
    if (transfers_ == nullptr) return nullptr;
    return transfers_->respond(query, peer, transport, reader_.enter(), rotation_);
  }

  /// The worker's loop is about to sleep: stop holding the snapshot, so an
  /// idle worker never keeps an old one alive. Worker thread.
  void idle() { reader_.leave(); }

  /// This worker's counters; written here, read by any thread.
  QueryStats& stats() { return stats_; }
  const QueryStats& stats() const { return stats_; }

 private:
  SnapshotStore::Reader reader_;
  unsigned row_;
  RotationState rotation_;
  uint64_t rotation_of_ = 0;  ///< id of the snapshot rotation_ points into
  QueryStats stats_;
  xfr::TransferEndpoint* transfers_;
};

}  // namespace dnsd
