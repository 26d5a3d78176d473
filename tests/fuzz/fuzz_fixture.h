// What the fuzz harnesses share: one set of zones with every kind of answer
// (static records, pools with members down, wildcards, a delegation with
// glue, CNAME chains, MX and SRV, transfer policies with and without TSIG),
// published as a snapshot with zone versions and IXFR history; the TSIG key
// the seeds are signed with; the fixed clock; and the abort that reports a
// broken property. Built once per process on first use; harness thread only.
#pragma once

#include <cstdint>
#include <memory>

#include "dnsd/query/query.h"
#include "dnsd/query/rotation.h"
#include "dnsd/query/snapshot.h"
#include "dnsd/xfr/tsig_keyring.h"

namespace dnsd::fuzz {

/// The fixture's wall clock, unix ms. tests/fuzz/make_seeds.py signs its TSIG
/// seeds at this time, so they stay valid; zone serials derive from it too.
inline constexpr uint64_t kNowMs = 1'700'000'000'000;
/// The serials the fixture's zones went through, oldest first (IXFR seeds ask from these).
inline constexpr uint32_t kFirstSerial = 1'700'000'000, kCurrentSerial = 1'700'000'002;
/// The one TSIG key of the keyring (hmac-sha256), as `dig -y` takes it.
inline constexpr const char* kKeyName = "fuzz-key.";
inline constexpr const char* kKeySecret = "ZnV6ei1rZXktc2VjcmV0LWZ1enota2V5LXNlY3JldCE=";

/// The published snapshot every harness answers from: zones example.test.
/// (transfers from 127.0.0.1, TSIG optional), signed.test. (transfers from
/// 127.0.0.1 with kKeyName only), closed.test. (no transfers) and
/// child.example.test., three versions of history, some pool members down.
const Snapshot& snapshot();

/// The keyring holding kKeyName.
std::shared_ptr<const xfr::TsigKeyring> keyring();

/// Points `rotation` at fresh private counters for snapshot(), all at 0, so
/// the same input gives the same answer on every run.
void reset_rotation(RotationState& rotation);

/// The context process_query gets in the harnesses: server cookies with a
/// fixed secret, a fixed client (192.0.2.1) and time, and an NSID, so COOKIE
/// and NSID options are answered and every run of an input is the same.
/// Features that read QueryContext add their state here. One thread.
QueryContext make_query_context();

/// Reports a broken property and aborts, so libFuzzer saves the input.
[[noreturn]] void property_failed(const char* condition, const char* file, int line);

}  // namespace dnsd::fuzz

/// Aborts with the condition's text when `condition` is false.
#define FUZZ_CHECK(condition) \
  ((condition) ? void(0) : ::dnsd::fuzz::property_failed(#condition, __FILE__, __LINE__))
