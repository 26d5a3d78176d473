// rcode names: the one table the DNS check, /metrics and explain share.
#include "zones/rcode.h"

#include <doctest.h>

using dnsd::zones::rcode_name;

TEST_CASE("rcode names: mnemonics, BADVERS, BADCOOKIE, and RCODE<n> for the rest") {
  CHECK(rcode_name(0) == "NOERROR");
  CHECK(rcode_name(3) == "NXDOMAIN");
  CHECK(rcode_name(4) == "NOTIMP");
  CHECK(rcode_name(10) == "NOTZONE");
  CHECK(rcode_name(12) == "RCODE12");
  CHECK(rcode_name(16) == "BADVERS");
  CHECK(rcode_name(23) == "BADCOOKIE");
}
