// ConnectionAges: when a kept-alive probe connection is old enough to close,
// and forgetting targets that went away.
#include <doctest.h>

#include <set>
#include <string>

#include "health/connection_ages.h"

using dnsd::health::ConnectionAges;

TEST_CASE("connection ages: a connection is due once it is its max age old, and a new one starts over") {
  ConnectionAges ages(30'000, 300'000);
  const uint64_t age = ages.max_age("http://a:80");
  CHECK(age >= 15'000);
  CHECK(age <= 30'000);
  CHECK_FALSE(ages.due("http://a:80", 1'000));  // never opened: its probe connects anyway
  ages.opened("http://a:80", 1'000);
  CHECK_FALSE(ages.due("http://a:80", 2'000));
  CHECK_FALSE(ages.due("http://a:80", 1'000 + age - 1));
  CHECK(ages.due("http://a:80", 1'000 + age));
  CHECK_FALSE(ages.due("http://a:80", 2'000 + age));  // once: the next probe connects anew anyway
  ages.opened("http://a:80", 3'000 + age);
  CHECK_FALSE(ages.due("http://a:80", 4'000 + age));
  CHECK(ages.due("http://a:80", 3'000 + 2 * age));
  CHECK_FALSE(ages.due("http://b:80", 3'000 + 2 * age));  // keys are independent
}

TEST_CASE("connection ages: keys get different max ages, so connections opened together renew spread out") {
  ConnectionAges ages(30'000, 300'000);
  std::set<uint64_t> distinct;
  for (int i = 0; i < 100; ++i) {
    const uint64_t age = ages.max_age("http://127.3.0." + std::to_string(i) + ":80");
    CHECK(age >= 15'000);
    CHECK(age <= 30'000);
    distinct.insert(age);
  }
  CHECK(distinct.size() > 90);
}

TEST_CASE("connection ages: keys not renewed for forget_after are dropped at the next sweep") {
  ConnectionAges ages(30'000, 300'000);
  ages.opened("gone", 1'000);
  ages.opened("kept", 1'000);
  CHECK(ages.size() == 2);
  for (uint64_t t = 31'000; t < 301'000; t += 30'000) {
    CHECK(ages.due("kept", t));  // 30 s old: due whatever its max age
    ages.opened("kept", t);
  }
  CHECK(ages.size() == 2);  // "gone" was 270 s old at the last sweep
  CHECK(ages.due("kept", 301'000));
  CHECK(ages.size() == 1);  // that call swept "gone", 300 s old
  CHECK_FALSE(ages.due("gone", 301'000));
}
