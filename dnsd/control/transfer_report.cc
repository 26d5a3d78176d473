#include "dnsd/control/transfer_report.h"

#include <map>

#include "dnsd/control/iso_time.h"
#include "dnsd/xfr/serial.h"

namespace dnsd {
namespace {

using json = nlohmann::json;

json when(uint64_t ms) { return ms ? json(iso_time(ms)) : json(nullptr); }

/// "192.0.2.53:53" -> "192.0.2.53"; "[2001:db8::1]:53" -> "2001:db8::1".
std::string host_of(const std::string& target) {
  if (!target.empty() && target[0] == '[') return target.substr(1, target.find(']') - 1);
  const size_t colon = target.rfind(':');
  return colon == std::string::npos ? target : target.substr(0, colon);
}

/// Serials from `known` to `current`, in RFC 1982 terms; 0 when not behind.
uint64_t behind(uint32_t current, uint32_t known) {
  return xfr::serial_newer(current, known) ? uint64_t(uint32_t(current - known)) : 0;
}

void counter(std::string& out, const char* name, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n";
}
void sample(std::string& out, const char* name, const std::string& labels, uint64_t value) {
  out += std::string(name) + "{" + labels + "} " + std::to_string(value) + "\n";
}

}  // namespace

json zone_transfer_json(const Snapshot& snapshot, uint32_t z) {
  const zones::Zone& zone = snapshot.zones->zone(z);
  const ZoneVersion& v = *snapshot.versions[z];
  const ZoneHistory& h = *v.history;
  json policy = nullptr;
  const zones::TransferPolicy& p = zone.transfer();
  if (p.enabled) {
    json allow = json::array(), notify = json::array();
    for (const auto& a : p.allow) allow.push_back(a.to_string());
    for (const auto& n : p.notify) notify.push_back(n.text);
    policy = {{"allow", allow}, {"notify", notify}, {"tsig", p.tsig_key.empty() ? json(nullptr) : json(p.tsig_key)}};
  }
  return {{"serial", v.serial},
          {"file_serial", zone.serial()},
          {"version_at", when(v.created_ms)},
          {"versions_kept", h.changes.size() + 1},
          {"oldest_ixfr_serial", h.changes.empty() ? v.serial : h.changes.front()->from_serial},
          {"history_bytes", h.bytes()},
          {"transfer", policy}};
}

json secondaries_json(const Snapshot& snapshot, const TransferInputs& in, uint64_t now_ms) {
  std::map<std::string, uint32_t> serial_of;  // zone origin -> served serial
  for (uint32_t z = 0; z < snapshot.zones->size(); ++z)
    serial_of[snapshot.zones->zone(z).origin_text()] = snapshot.versions[z]->serial;

  // One row per (zone, host): NOTIFY targets and transfer requesters meet by address.
  std::map<std::pair<std::string, std::string>, json> rows;
  const auto row = [&rows](const std::string& zone, const std::string& host) -> json& {
    json& r = rows[{zone, host}];
    if (r.is_null()) r = {{"zone", zone}, {"address", host}, {"notify", nullptr}, {"transfer", nullptr}};
    return r;
  };
  for (const xfr::NotifyPeerStatus& n : in.notifies) {
    json& r = row(n.zone, host_of(n.target));
    r["notify"] = {{"target", n.target},       {"serial_sent", n.serial_sent}, {"serial_acked", n.serial_acked},
                   {"sent", when(n.last_sent_ms)}, {"acked", when(n.last_ack_ms)}, {"pending", n.pending},
                   {"attempts", n.attempts},   {"error", n.last_error.empty() ? json(nullptr) : json(n.last_error)}};
  }
  if (in.log)
    for (const xfr::SecondaryRecord& s : in.log->secondaries()) {
      json& r = row(s.zone, s.address);
      r["transfer"] = {{"last", s.last_kind},
                       {"serial", s.last_serial},
                       {"asked_serial", s.has_asked_serial ? json(s.asked_serial) : json(nullptr)},
                       {"at", when(s.last_at_ms)},
                       {"age_s", s.last_at_ms && now_ms > s.last_at_ms ? double(now_ms - s.last_at_ms) / 1000 : 0.0},
                       {"transfers", s.transfers},
                       {"bytes", s.bytes}};
    }
  json out = json::array();
  for (auto& [key, r] : rows) {
    const auto current = serial_of.find(key.first);
    if (current == serial_of.end()) {
      r["behind"] = nullptr;  // a zone no longer served
    } else {
      // What the secondary is known to hold: the serial of its last transfer.
      const json& t = r["transfer"];
      const bool known = t.is_object() && t["last"].get<std::string>().rfind("refused", 0) != 0;
      r["serial"] = current->second;
      r["behind"] = known ? json(behind(current->second, t["serial"].get<uint32_t>())) : json(nullptr);
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::string transfer_metrics(const TransferInputs& in) {
  std::string out;
  counter(out, "dnsd_transfers_total", "Zone transfers answered, by type (ixfr-full: IXFR answered with the whole zone).");
  for (size_t k = 0; k < size_t(xfr::TransferKind::Count); ++k) {
    const auto kind = xfr::TransferKind(k);
    sample(out, "dnsd_transfers_total", std::string("type=\"") + xfr::kind_name(kind) + "\"",
           in.log ? in.log->transfers(kind) : 0);
  }
  counter(out, "dnsd_transfer_refusals_total", "Zone transfer requests refused, by reason.");
  for (size_t r = 0; r < size_t(xfr::RefusalReason::Count); ++r) {
    const auto reason = xfr::RefusalReason(r);
    sample(out, "dnsd_transfer_refusals_total", std::string("reason=\"") + xfr::reason_name(reason) + "\"",
           in.log ? in.log->refusals(reason) : 0);
  }
  counter(out, "dnsd_tsig_messages_total", "TSIG-signed messages received, by whether the signature verified.");
  sample(out, "dnsd_tsig_messages_total", "result=\"valid\"", in.log ? in.log->signed_queries(true) : 0);
  sample(out, "dnsd_tsig_messages_total", "result=\"invalid\"", in.log ? in.log->signed_queries(false) : 0);
  counter(out, "dnsd_notify_total", "NOTIFY messages to secondaries, by outcome (failed: gave up after every retry or an error reply).");
  sample(out, "dnsd_notify_total", "result=\"sent\"", in.notify_counters.sent);
  sample(out, "dnsd_notify_total", "result=\"retried\"", in.notify_counters.retried);
  sample(out, "dnsd_notify_total", "result=\"acked\"", in.notify_counters.acked);
  sample(out, "dnsd_notify_total", "result=\"failed\"", in.notify_counters.failed);
  return out;
}

}  // namespace dnsd
