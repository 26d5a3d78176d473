// Instants as the control API writes them: ISO 8601 UTC with milliseconds.
#pragma once

#include <cstdint>
#include <string>

namespace dnsd {

/// "2026-11-22T10:15:03.120Z" for Unix time `unix_ms`. Pure; any thread.
std::string iso_time(uint64_t unix_ms);

}  // namespace dnsd
