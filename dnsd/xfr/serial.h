// SOA serial numbers: RFC 1982 arithmetic, and the rule that picks the serial
// of each new version. Pure functions: the versioner, the IXFR responder and
// the tests call them with plain numbers.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace dnsd::xfr {

/// True when serial `a` is newer than `b` in RFC 1982 arithmetic (SERIAL_BITS
/// 32). Undefined pairs (exactly 2^31 apart) compare as not newer. Any thread.
constexpr bool serial_newer(uint32_t a, uint32_t b) {
  return a != b && uint32_t(a - b) < 0x80000000u;
}

/// The serial of the version after `previous`: `previous` + 1, unless the
/// operator's `floor` (the zone file's serial) or `clock` (unix seconds, 0 to
/// ignore) is newer, in which case that one. RFC 1982 addition never moves a
/// serial by 2^31 or more, so a floor that far ahead is reached in steps of
/// at most 2^31 - 1: secondaries never see a serial they would call older.
/// Any thread.
constexpr uint32_t next_serial(uint32_t previous, uint32_t floor, uint32_t clock = 0) {
  uint32_t next = previous + 1;
  for (const uint32_t candidate : {floor, clock}) {
    if (candidate == 0 || !serial_newer(candidate, next)) continue;
    const uint32_t step = candidate - previous;
    next = step < 0x80000000u ? candidate : previous + 0x7FFFFFFFu;
  }
  return next;
}

}  // namespace dnsd::xfr
