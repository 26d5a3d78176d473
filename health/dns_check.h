// dns check: a member is up when it answers a query for the check's
// query_name/query_type with an rcode in expect_rcode (NOERROR by default; an
// empty answer is fine unless expect_answer or expect_address asks for more).
// The query carries EDNS (UDP size 1232, DO=0) unless "edns" is false. It goes
// over UDP, and again over TCP (2-byte length framing, same address and port,
// same overall timeout) when the UDP reply is truncated; "transport": "tcp"
// uses TCP from the start. The verdict is dns_check_wire.h's judge_dns_reply.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "health/dns_check_wire.h"
#include "health/probe_session.h"

namespace dnsd::health {

/// DNS query probes (UDP, TCP) on one loop. Loop thread only.
class DnsCheck : public SessionCheck {
 public:
  explicit DnsCheck(uv_loop_t* loop);
  void start(const zones::CheckSpec& spec, const std::string& address, Done done) override;

 private:
  uint16_t next_id_;
};

}  // namespace dnsd::health
