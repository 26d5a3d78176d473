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

TEST_CASE("rcode from text: names in any case and RCODE<n> up to 4095") {
  using dnsd::zones::rcode_from_text;
  uint16_t rcode = 99;
  CHECK((rcode_from_text("NOERROR", rcode) && rcode == 0));
  CHECK((rcode_from_text("servfail", rcode) && rcode == 2));
  CHECK((rcode_from_text("NxDomain", rcode) && rcode == 3));
  CHECK((rcode_from_text("BADVERS", rcode) && rcode == 16));
  CHECK((rcode_from_text("BADCOOKIE", rcode) && rcode == 23));
  CHECK((rcode_from_text("RCODE12", rcode) && rcode == 12));
  CHECK((rcode_from_text("rcode4095", rcode) && rcode == 4095));
  CHECK_FALSE(rcode_from_text("RCODE4096", rcode));
  CHECK_FALSE(rcode_from_text("RCODE", rcode));
  CHECK_FALSE(rcode_from_text("RCODE1x", rcode));
  CHECK_FALSE(rcode_from_text("NOPE", rcode));
  CHECK_FALSE(rcode_from_text("", rcode));
}
