#include "dnsd/xfr/transfer_log.h"

namespace dnsd::xfr {

const char* kind_name(TransferKind kind) {
  switch (kind) {
    case TransferKind::Axfr: return "axfr";
    case TransferKind::Ixfr: return "ixfr";
    case TransferKind::IxfrFull: return "ixfr-full";
    case TransferKind::IxfrUpToDate: return "ixfr-uptodate";
    case TransferKind::IxfrUdpSoa: return "ixfr-udp-soa";
    case TransferKind::Count: break;
  }
  return "unknown";
}

const char* reason_name(RefusalReason reason) {
  switch (reason) {
    case RefusalReason::NoTransfer: return "no-transfer";
    case RefusalReason::Acl: return "acl";
    case RefusalReason::Tsig: return "tsig";
    case RefusalReason::NotZone: return "not-zone";
    case RefusalReason::Udp: return "udp";
    case RefusalReason::Count: break;
  }
  return "unknown";
}

SecondaryRecord& TransferLog::entry_locked(const std::string& address, const std::string& zone) {
  SecondaryRecord& e = peers_[{zone, address}];
  e.address = address;
  e.zone = zone;
  return e;
}

void TransferLog::transfer(TransferKind kind, const std::string& address, const std::string& zone, uint32_t serial,
                           const uint32_t* asked_serial, uint64_t now_ms) {
  transfers_[size_t(kind)].fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  SecondaryRecord& e = entry_locked(address, zone);
  e.last_kind = kind_name(kind);
  e.last_serial = serial;
  e.has_asked_serial = asked_serial != nullptr;
  e.asked_serial = asked_serial ? *asked_serial : 0;
  e.last_at_ms = now_ms;
  e.bytes = 0;
  if (kind != TransferKind::IxfrUdpSoa) ++e.transfers;
}

void TransferLog::transfer_bytes(const std::string& address, const std::string& zone, uint64_t bytes) {
  std::lock_guard lock(mutex_);
  entry_locked(address, zone).bytes = bytes;
}

void TransferLog::refused(RefusalReason reason, const std::string& address, const std::string& zone,
                          uint64_t now_ms) {
  refusals_[size_t(reason)].fetch_add(1, std::memory_order_relaxed);
  if (reason == RefusalReason::NotZone) return;  // not a secondary of any zone of ours
  std::lock_guard lock(mutex_);
  // Refused sources may be anyone (or spoofed, over UDP): they get a row only while there is room.
  if (peers_.size() >= kMaxRows && !peers_.count({zone, address})) return;
  SecondaryRecord& e = entry_locked(address, zone);
  e.last_kind = std::string("refused:") + reason_name(reason);
  e.last_at_ms = now_ms;
}

void TransferLog::signed_query(bool valid) { signed_[valid].fetch_add(1, std::memory_order_relaxed); }

std::vector<SecondaryRecord> TransferLog::secondaries() const {
  std::lock_guard lock(mutex_);
  std::vector<SecondaryRecord> out;
  for (const auto& [key, e] : peers_) out.push_back(e);
  return out;
}

}  // namespace dnsd::xfr
