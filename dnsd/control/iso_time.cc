#include "dnsd/control/iso_time.h"

#include <cstdio>
#include <ctime>

namespace dnsd {

std::string iso_time(uint64_t unix_ms) {
  const time_t seconds = time_t(unix_ms / 1000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char out[40];
  size_t n = strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(out + n, sizeof out - n, ".%03uZ", unsigned(unix_ms % 1000));
  return out;
}

}  // namespace dnsd
