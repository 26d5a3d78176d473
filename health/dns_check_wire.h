// The dns check's pure halves: the probe query it sends and the verdict on the
// reply it gets, as functions of bytes and the check's settings only (no I/O,
// no clock), so unit tests and the fuzz harness (tests/fuzz/fuzz_dns_check.cc)
// drive them directly. The probe's sockets live in dns_check.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "health/check_result.h"
#include "zones/check_spec.h"

namespace dnsd::health {

/// UDP payload size the probe's OPT record advertises (the DNS flag day 2020 value).
inline constexpr uint16_t kProbeUdpSize = 1232;

/// Wire query (no RD) with `id` for `name` (presentation form, relative names
/// taken as absolute) and `type`, class IN, with an OPT record (UDP size
/// kProbeUdpSize, version 0, DO=0, no options) when `edns`. Empty when the
/// name is invalid. Any thread.
std::vector<uint8_t> build_dns_query(uint16_t id, const std::string& name, uint16_t type, bool edns = true);

/// The probe query `spec` asks for (query_name, query_type, edns). Any thread.
std::vector<uint8_t> build_dns_query(uint16_t id, const zones::CheckSpec& spec);

/// Whether `reply` looks like the answer to query `id` (long enough, QR set,
/// same id); other datagrams are ignored. Any thread.
bool is_reply_to(const uint8_t* reply, size_t length, uint16_t id);

/// Whether a reply has the TC bit set (a UDP reply that did not fit): the
/// probe then asks again over TCP. Any thread.
bool is_truncated(const uint8_t* reply, size_t length);

/// Verdict on `reply`, received over `over`, to `query` (the exact bytes
/// sent), under `spec`'s expectations (expect_rcode, expect_answer,
/// expect_address). Success details name the rcode ("NOERROR", "NOERROR over
/// TCP"). Failures: Rcode for "rcode SERVFAIL, expected NOERROR", "truncated
/// over TCP", a reply to another question or a malformed one; Body for an
/// answer that lacks what is expected ("answer lacks 192.0.2.1", "answer has
/// no A record"). Pure; any thread.
CheckResult judge_dns_reply(const zones::CheckSpec& spec, const std::vector<uint8_t>& query, const uint8_t* reply,
                            size_t length, zones::DnsTransport over);

/// Text of a list of rcodes for messages: "NOERROR", "NOERROR or NXDOMAIN". Any thread.
std::string rcode_list_text(const std::vector<uint16_t>& rcodes);

}  // namespace dnsd::health
