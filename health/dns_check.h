// dns check: a member is up when it answers a UDP query for the check's
// query_name/query_type with rcode NOERROR (an empty answer is fine: the
// server is alive and authoritative enough to say so).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "health/probe_session.h"

namespace dnsd::health {

/// UDP query probes on one loop. Loop thread only.
class DnsCheck : public SessionCheck {
 public:
  explicit DnsCheck(uv_loop_t* loop);
  void start(const zones::CheckSpec& spec, const std::string& address, Done done) override;

 private:
  uint16_t next_id_;
};

/// Wire query (no RD, no EDNS) with `id` for `name` (presentation form,
/// relative names taken as absolute) and `type`, class IN. Empty when the name
/// is invalid. Any thread.
std::vector<uint8_t> build_dns_query(uint16_t id, const std::string& name, uint16_t type);

/// Verdict on `reply` to a query with `id`: success "NOERROR", Rcode failure
/// "rcode REFUSED" (etc.), or Rcode "malformed reply". Any thread.
CheckResult judge_dns_reply(const uint8_t* reply, size_t length, uint16_t id);

/// Whether `reply` looks like the answer to query `id` (long enough, QR set,
/// same id); other datagrams are ignored. Any thread.
bool is_reply_to(const uint8_t* reply, size_t length, uint16_t id);

}  // namespace dnsd::health
