// A worker's query answering state: its reader of the published snapshots,
// its row of rotation counters, its server cookies and its stats. UDP and TCP
// listeners of one worker share one Responder, so both transports count the
// same way.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <memory>
#include <span>
#include <vector>

#include "dnsd/dnstap/ring.h"
#include "dnsd/query/query.h"
#include "dnsd/query/server_cookies.h"
#include "dnsd/server/query_stats.h"
#include "dnsd/server/snapshot_store.h"
#include "dnsd/server/zone_counters.h"
#include "dnsd/xfr/transfer_endpoint.h"

namespace dnsd {

/// The address bytes server cookies bind to: 4 for IPv4, 16 for IPv6, an
/// IPv4-mapped IPv6 peer (a dual-stack socket) counting as IPv4, so its
/// cookie is the one an IPv4 socket would make. Empty for anything else.
/// Points into `peer`. Any thread.
inline std::span<const uint8_t> cookie_address(const sockaddr* peer) {
  if (peer == nullptr) return {};
  if (peer->sa_family == AF_INET)
    return {reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(peer)->sin_addr), 4};
  if (peer->sa_family != AF_INET6) return {};
  const auto* address = reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in6*>(peer)->sin6_addr);
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  if (std::equal(kMapped, kMapped + 12, address)) return {address + 12, 4};
  return {address, 16};
}

/// Unix time in whole seconds, as server cookies carry it. The transports
/// read it once per UDP batch or TCP read. Any thread.
inline uint32_t unix_seconds() { return uint32_t(std::time(nullptr)); }

/// Turns one query into one response against the latest snapshot. Owned and
/// used by one worker thread only.
class Responder {
 public:
  /// `row` is this worker's row of every snapshot's rotation counters and its
  /// reader slot. `transfers` answers handed-off messages; nullptr drops them.
  Responder(SnapshotStore& store, unsigned row, xfr::TransferEndpoint* transfers = nullptr)
      : reader_(store.reader(row)), row_(row), transfers_(transfers) {}

  /// Makes and checks server cookies with `cookies` (nullptr: none) and
  /// answers NSID requests with `nsid` (empty: none, at most kMaxNsidLength
  /// bytes). Main thread, before the worker starts.
  void identify(std::unique_ptr<ServerCookies> cookies, std::vector<uint8_t> nsid) {
    cookies_ = std::move(cookies);
    nsid_ = std::move(nsid);
  }

  /// Answers `query` from `peer` (nullptr: unknown, so no server cookie) at
  /// unix time `now` into `response` (kMaxUdpPayload bytes for UDP,
  /// kMaxMessage for TCP) and counts the outcome. No lock, no allocation.
  QueryResult answer(std::span<const uint8_t> query, std::span<uint8_t> response, Transport transport,
                     const sockaddr* peer = nullptr, uint32_t now = 0) {
    const Snapshot& snapshot = reader_.enter();
    if (snapshot.id != rotation_of_) [[unlikely]] {
      rotation_.use(snapshot.rotation, row_);
      rotation_of_ = snapshot.id;
    }
    QueryContext context;
    context.client_address = cookie_address(peer);
    context.now = now;
    context.cookies = cookies_.get();
    context.nsid = nsid_;
    QueryResult result = process_query(query, response, transport, snapshot, rotation_, context);
    stats_.record(transport, result);
    if (result.zone < snapshot.counters.size()) snapshot.counters[result.zone]->record(row_, transport, result);
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

  /// Where this worker's transports record exchanges for dnstap (nullptr:
  /// dnstap is off). Set on the main thread before the worker starts.
  void set_dnstap(dnstap::Ring* ring) { dnstap_ = ring; }
  dnstap::Ring* dnstap() const { return dnstap_; }

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
  std::unique_ptr<ServerCookies> cookies_;
  std::vector<uint8_t> nsid_;
  dnstap::Ring* dnstap_ = nullptr;
};

}  // namespace dnsd
