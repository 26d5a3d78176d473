// What the transfer plane has done, for /metrics and status: counters of
// transfers by type and result and of refusals by reason, and per secondary
// (by address) its last transfer and the serial it asked from.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace dnsd::xfr {

/// How a transfer request ended.
enum class TransferKind : uint8_t {
  Axfr,         ///< AXFR: the whole zone
  Ixfr,         ///< IXFR answered with the changes since the requester's serial
  IxfrFull,     ///< IXFR answered with the whole zone (its serial fell out of the history)
  IxfrUpToDate, ///< IXFR from a requester already at the current serial: the SOA alone
  IxfrUdpSoa,   ///< IXFR over UDP that did not fit: the SOA alone, so it retries over TCP
  Count
};
/// Why a request was refused.
enum class RefusalReason : uint8_t {
  NoTransfer,  ///< the zone has no "transfer" object
  Acl,         ///< the source address is not in transfer.allow
  Tsig,        ///< unsigned, badly signed, or signed with another key than transfer.tsig
  NotZone,     ///< not the apex of a zone dnsd serves
  Udp,         ///< AXFR over UDP
  Count
};

const char* kind_name(TransferKind kind);     ///< "axfr", "ixfr", "ixfr-full", "ixfr-uptodate", "ixfr-udp-soa"
const char* reason_name(RefusalReason reason); ///< "no-transfer", "acl", "tsig", "not-zone", "udp"

/// One secondary, as its requests show it.
struct SecondaryRecord {
  std::string address;        ///< source IP of its requests
  std::string zone;           ///< zone of the last request
  std::string last_kind;      ///< kind_name, or "refused:<reason>"
  uint32_t last_serial = 0;   ///< serial sent in the last transfer
  uint32_t asked_serial = 0;  ///< the serial its last IXFR said it has
  bool has_asked_serial = false;
  uint64_t last_at_ms = 0;    ///< unix ms
  uint64_t transfers = 0;     ///< successful transfers of this zone
  uint64_t bytes = 0;         ///< bytes sent in the last transfer
};

/// Counters and the per-secondary table. Thread-safe: workers record, control reads.
class TransferLog {
 public:
  /// A transfer of `zone` to `address` at serial `serial` was answered. Any thread.
  void transfer(TransferKind kind, const std::string& address, const std::string& zone, uint32_t serial,
                const uint32_t* asked_serial, uint64_t now_ms);
  /// The last transfer's size, once its stream finished. Any thread.
  void transfer_bytes(const std::string& address, const std::string& zone, uint64_t bytes);
  /// A request was refused. Any thread.
  void refused(RefusalReason reason, const std::string& address, const std::string& zone, uint64_t now_ms);
  /// A TSIG-signed query (not a transfer) was answered; `valid` says whether it verified. Any thread.
  void signed_query(bool valid);

  uint64_t transfers(TransferKind kind) const { return transfers_[size_t(kind)].load(std::memory_order_relaxed); }
  uint64_t refusals(RefusalReason reason) const { return refusals_[size_t(reason)].load(std::memory_order_relaxed); }
  uint64_t signed_queries(bool valid) const { return signed_[valid].load(std::memory_order_relaxed); }
  /// Every secondary seen, by zone then address. Any thread.
  std::vector<SecondaryRecord> secondaries() const;

 private:
  static constexpr size_t kMaxRows = 1024;
  SecondaryRecord& entry_locked(const std::string& address, const std::string& zone);
  std::array<std::atomic<uint64_t>, size_t(TransferKind::Count)> transfers_{};
  std::array<std::atomic<uint64_t>, size_t(RefusalReason::Count)> refusals_{};
  std::array<std::atomic<uint64_t>, 2> signed_{};
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, SecondaryRecord> peers_;  ///< by (zone, address)
};

}  // namespace dnsd::xfr
