// ConnectionAges: when a kept-alive probe connection is old enough to close,
// and forgetting targets that went away.
#include <doctest.h>

#include "health/connection_ages.h"

using dnsd::health::ConnectionAges;

TEST_CASE("connection ages: a connection is due once it is max_age old, and a new one starts over") {
  ConnectionAges ages(30'000, 300'000);
  CHECK_FALSE(ages.due("http://a:80", 1'000));  // never opened: its probe connects anyway
  ages.opened("http://a:80", 1'000);
  CHECK_FALSE(ages.due("http://a:80", 2'000));
  CHECK_FALSE(ages.due("http://a:80", 30'999));
  CHECK(ages.due("http://a:80", 31'000));
  CHECK(ages.due("http://a:80", 32'000));  // still due until a new connection is recorded
  ages.opened("http://a:80", 33'000);
  CHECK_FALSE(ages.due("http://a:80", 34'000));
  CHECK(ages.due("http://a:80", 63'000));
  CHECK_FALSE(ages.due("http://b:80", 63'000));  // keys are independent
}

TEST_CASE("connection ages: keys not renewed for forget_after are dropped at the next sweep") {
  ConnectionAges ages(30'000, 300'000);
  ages.opened("gone", 1'000);
  ages.opened("kept", 1'000);
  CHECK(ages.size() == 2);
  for (uint64_t t = 31'000; t < 301'000; t += 30'000) {
    CHECK(ages.due("kept", t));
    ages.opened("kept", t);
  }
  CHECK(ages.size() == 2);  // "gone" was 270 s old at the last sweep
  CHECK(ages.due("kept", 301'000));
  CHECK(ages.size() == 1);  // that call swept "gone", 300 s old
  CHECK_FALSE(ages.due("gone", 301'000));
}
