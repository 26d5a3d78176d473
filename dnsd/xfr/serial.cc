#include "dnsd/xfr/serial.h"

namespace dnsd::xfr {
static_assert(serial_newer(1, 0) && !serial_newer(0, 1) && serial_newer(0, 0xFFFFFFFFu), "RFC 1982 wrap");
static_assert(next_serial(5, 3) == 6 && next_serial(5, 100) == 100 && next_serial(0xFFFFFFFFu, 0) == 0,
              "floor and wrap");
}  // namespace dnsd::xfr
