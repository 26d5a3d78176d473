// Rotation counters: each worker row starts at its index and sits on cache lines of
// its own, a state advances only its row, and a kept Zone's counters survive a new set.
#include <doctest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dnsd/query/rotation.h"
#include "tests/unit/zone_fixture.h"
#include "zones/zone_set.h"

using dnsd::RotationCounters;
using dnsd::RotationState;
namespace zones = dnsd::zones;

namespace {

// A zone at `origin` with `rotating` RRsets of two A records each: one rotation slot apiece.
std::shared_ptr<const zones::Zone> zone_with_slots(const std::string& origin, unsigned rotating) {
  std::vector<std::string> lines = {"@ 300 IN SOA ns1 hostmaster 1 7200 900 1209600 300", "@ 300 IN NS ns1"};
  for (unsigned i = 0; i < rotating; ++i) {
    lines.push_back("w" + std::to_string(i) + " 300 IN A 192.0.2.1");
    lines.push_back("w" + std::to_string(i) + " 300 IN A 192.0.2.2");
  }
  auto zone = dnsd::test::zone_from_lines(origin, lines);
  REQUIRE(zone->rotation_slots() == rotating);
  return zone;
}

zones::ZoneSet set_of(std::vector<std::shared_ptr<const zones::Zone>> zs) { return zones::ZoneSet(std::move(zs)); }

uintptr_t address(const void* p) { return reinterpret_cast<uintptr_t>(p); }

}  // namespace

TEST_CASE("rotation: every row starts at its row index, on cache lines of its own") {
  struct Case {
    unsigned slots;
    unsigned rows;
  };
  const Case cases[] = {{0, 1}, {1, 4}, {3, 2}, {16, 3}, {17, 3}, {40, 5}};
  for (const Case& c : cases) {
    CAPTURE(c.slots);
    CAPTURE(c.rows);
    const auto set = set_of({zone_with_slots("example.test.", c.slots)});
    const RotationCounters counters(set, c.rows);
    REQUIRE(counters.rows() == c.rows);
    REQUIRE(counters.slots() == c.slots);
    for (unsigned r = 0; r < c.rows; ++r)
      for (unsigned s = 0; s < c.slots; ++s) CHECK(counters.row(r)[s].load() == r);
    // A row never shares a 64-byte line with another row: the rows start on line
    // boundaries and are a whole number of lines apart.
    CHECK(address(counters.row(0)) % 64 == 0);
    if (c.rows > 1) {
      const uintptr_t stride = address(counters.row(1)) - address(counters.row(0));
      CHECK(stride % 64 == 0);
      CHECK(stride >= c.slots * sizeof(std::atomic<uint32_t>));
      CHECK(stride > 0);
      for (unsigned r = 1; r < c.rows; ++r) CHECK(address(counters.row(r)) - address(counters.row(r - 1)) == stride);
    }
  }
}

TEST_CASE("rotation: zero rows are taken as one") {
  const auto set = set_of({zone_with_slots("example.test.", 2)});
  const RotationCounters counters(set, 0);
  CHECK(counters.rows() == 1);
  CHECK(counters.row(0)[1].load() == 0u);
}

TEST_CASE("rotation: RotationState::next returns and advances its own row only") {
  const auto set = set_of({zone_with_slots("example.test.", 3)});
  const RotationCounters counters(set, 2);
  RotationState w0, w1;
  w0.use(counters, 0);
  w1.use(counters, 1);
  CHECK(w0.size() == 3u);

  CHECK(w0.next(2) == 0u);
  CHECK(w0.next(2) == 1u);
  CHECK(w0.next(2) == 2u);
  CHECK(w0.next(0) == 0u);
  CHECK(counters.row(0)[2].load() == 3u);
  CHECK(counters.row(0)[0].load() == 1u);
  CHECK(counters.row(0)[1].load() == 0u);  // other slots of the row untouched
  for (unsigned s = 0; s < 3; ++s) CHECK(counters.row(1)[s].load() == 1u);  // the other row untouched

  CHECK(w1.next(2) == 1u);
  CHECK(w1.next(2) == 2u);
  CHECK(counters.row(0)[2].load() == 3u);

  // A slot out of range answers 0 and writes nothing.
  CHECK(w0.next(3) == 0u);
  CHECK(w0.next(1000) == 0u);
  CHECK(counters.row(1)[0].load() == 1u);

  // A row index past the last wraps round.
  RotationState w3;
  w3.use(counters, 3);
  CHECK(w3.next(0) == 1u);  // row 1
  CHECK(counters.row(1)[0].load() == 2u);
}

TEST_CASE("rotation: private counters start at 0 and are not any row's") {
  RotationState state;
  CHECK(state.size() == 0u);
  CHECK(state.next(0) == 0u);  // no counters: always 0
  state.resize(3);
  CHECK(state.size() == 3u);
  CHECK(state.next(0) == 0u);
  CHECK(state.next(0) == 1u);
  CHECK(state.next(2) == 0u);
  CHECK(state.next(3) == 0u);

  // Switching from a row to private counters leaves the row alone.
  const auto set = set_of({zone_with_slots("example.test.", 1)});
  const RotationCounters counters(set, 2);
  state.use(counters, 1);
  CHECK(state.next(0) == 1u);
  state.resize(1);
  CHECK(state.next(0) == 0u);
  CHECK(state.next(0) == 1u);
  CHECK(counters.row(1)[0].load() == 2u);
}

TEST_CASE("rotation: a kept Zone object's counters carry over to a new set, wherever it moves") {
  const auto a = zone_with_slots("a.test.", 2);
  const auto b = zone_with_slots("b.test.", 3);
  const auto set1 = set_of({a, b});
  const RotationCounters before(set1, 2);
  // Advance b's slots in both rows to distinct values.
  for (unsigned r = 0; r < 2; ++r)
    for (uint32_t s = 0; s < 3; ++s) before.row(r)[set1.rotation_base(1) + s].store(100 * (r + 1) + s);
  before.row(0)[set1.rotation_base(0) + 1].store(77);  // a's counters

  struct Case {
    const char* name;
    std::vector<std::shared_ptr<const zones::Zone>> zones;
    uint32_t b_index;
  };
  const auto c = zone_with_slots("c.test.", 4);
  const Case cases[] = {
      {"same place", {a, b}, 1},
      {"moved to the front", {b, a}, 0},
      {"after a new zone", {c, b}, 1},
  };
  for (const Case& k : cases) {
    CAPTURE(k.name);
    const auto set2 = set_of(k.zones);
    const RotationCounters after(set2, 2, &before, &set1);
    const uint32_t base = set2.rotation_base(k.b_index);
    for (unsigned r = 0; r < 2; ++r)
      for (uint32_t s = 0; s < 3; ++s) CHECK(after.row(r)[base + s].load() == 100 * (r + 1) + s);
    for (uint32_t z = 0; z < set2.size(); ++z) {
      if (&set2.zone(z) == a.get()) {
        CHECK(after.row(0)[set2.rotation_base(z) + 1].load() == 77u);
        CHECK(after.row(1)[set2.rotation_base(z) + 1].load() == 1u);
      }
      if (&set2.zone(z) == c.get())  // new: rows start at their index
        for (unsigned r = 0; r < 2; ++r)
          for (uint32_t s = 0; s < 4; ++s) CHECK(after.row(r)[set2.rotation_base(z) + s].load() == r);
    }
  }
}

TEST_CASE("rotation: a new Zone object with the same origin and records starts afresh") {
  const auto b = zone_with_slots("b.test.", 2);
  const auto set1 = set_of({b});
  const RotationCounters before(set1, 3);
  for (unsigned r = 0; r < 3; ++r)
    for (uint32_t s = 0; s < 2; ++s) before.row(r)[s].store(50 + r);

  const auto reloaded = zone_with_slots("b.test.", 2);  // same text, another object
  const auto set2 = set_of({reloaded});
  const RotationCounters after(set2, 3, &before, &set1);
  for (unsigned r = 0; r < 3; ++r)
    for (uint32_t s = 0; s < 2; ++s) CHECK(after.row(r)[s].load() == r);

  // Without a previous set nothing carries over either.
  const RotationCounters fresh(set1, 3, &before, nullptr);
  for (unsigned r = 0; r < 3; ++r) CHECK(fresh.row(r)[0].load() == r);
}

TEST_CASE("rotation: with more rows than before, the new rows start at their index") {
  const auto b = zone_with_slots("b.test.", 1);
  const auto set = set_of({b});
  const RotationCounters before(set, 1);
  before.row(0)[0].store(9);
  const RotationCounters after(set, 3, &before, &set);
  CHECK(after.row(0)[0].load() == 9u);
  CHECK(after.row(1)[0].load() == 1u);
  CHECK(after.row(2)[0].load() == 2u);
}
