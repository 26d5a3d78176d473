// The watcher's debounce: one save's burst of events is one reload, a quiet
// directory reloads soon after, and endless events still reload in bounded time.
#include "dnsd/server/reload_debounce.h"

#include <doctest.h>

using dnsd::ReloadDebounce;

TEST_CASE("reload debounce: a single event reloads after the quiet time") {
  ReloadDebounce d(100, 1000);
  CHECK_FALSE(d.pending());
  CHECK(d.on_event(5000) == 5100);
  CHECK(d.pending());
}

TEST_CASE("reload debounce: a burst (vim: create temp, write, rename, chmod) is one reload after its last event") {
  ReloadDebounce d(100, 1000);
  CHECK(d.on_event(5000) == 5100);
  CHECK(d.on_event(5001) == 5101);
  CHECK(d.on_event(5003) == 5103);
  CHECK(d.on_event(5040) == 5140);
}

TEST_CASE("reload debounce: events that never stop still reload max_delay after the first") {
  ReloadDebounce d(100, 1000);
  uint64_t at = 0;
  for (uint64_t t = 5000; t <= 7000; t += 50) at = d.on_event(t);
  CHECK(at == 6000);
}

TEST_CASE("reload debounce: after a reload the next event starts a new burst") {
  ReloadDebounce d(100, 1000);
  d.on_event(5000);
  d.on_event(5900);
  d.reset();
  CHECK_FALSE(d.pending());
  CHECK(d.on_event(9000) == 9100);
  CHECK(d.on_event(9950) == 10000);  // capped at 9000 + 1000
}

TEST_CASE("reload debounce: max_delay below quiet is raised to quiet") {
  ReloadDebounce d(200, 50);
  CHECK(d.on_event(0) == 200);
}
