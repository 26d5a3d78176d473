// SnapshotStore: publish/current, a Reader's snapshot is stable from enter() to
// leave(), reclaim() frees only what no reader holds, and readers racing a publisher.
#include <doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dnsd/query/snapshot.h"
#include "dnsd/server/snapshot_store.h"
#include "tests/unit/zone_fixture.h"
#include "zones/zone_set.h"

using dnsd::Snapshot;
using dnsd::SnapshotStore;
namespace zones = dnsd::zones;

namespace {

std::shared_ptr<const zones::Zone> zone_at(const std::string& origin) {
  return dnsd::test::zone_from_lines(origin, {"@ 300 IN SOA ns1 hostmaster 1 7200 900 1209600 300", "@ 300 IN NS ns1",
                                              "www 300 IN A 192.0.2.1", "www 300 IN A 192.0.2.2"});
}

// A standalone snapshot serving `zone` alone.
std::shared_ptr<const Snapshot> snapshot_of(std::shared_ptr<const zones::Zone> zone) {
  return Snapshot::standalone(
      std::make_shared<const zones::ZoneSet>(std::vector<std::shared_ptr<const zones::Zone>>{std::move(zone)}));
}

}  // namespace

TEST_CASE("snapshot store: starts with an empty snapshot; publish makes current() the new one") {
  SnapshotStore store(1);
  const auto initial = store.current();
  REQUIRE(initial != nullptr);
  CHECK(initial->zones->size() == 0);
  CHECK(store.retired() == 0);

  const auto s1 = snapshot_of(zone_at("example.test."));
  store.publish(s1);
  CHECK(store.current() == s1);
  CHECK(store.retired() == 1);  // the initial one

  const auto s2 = snapshot_of(zone_at("example.test."));
  store.publish(s2);
  CHECK(store.current() == s2);
  CHECK(store.retired() == 2);
}

TEST_CASE("snapshot store: a reader keeps the snapshot it entered until leave()") {
  SnapshotStore store(2);
  const auto s1 = snapshot_of(zone_at("one.test."));
  const auto s2 = snapshot_of(zone_at("two.test."));
  store.publish(s1);
  auto reader = store.reader(0);

  const Snapshot* first = &reader.enter();
  CHECK(first == s1.get());
  store.publish(s2);
  CHECK(&reader.enter() == s1.get());  // still the one it entered
  CHECK(&reader.enter() == s1.get());
  reader.leave();
  CHECK(&reader.enter() == s2.get());  // the next iteration sees the new one
  reader.leave();
  reader.leave();  // idempotent
  CHECK(&reader.enter() == s2.get());
  reader.leave();
}

TEST_CASE("snapshot store: reclaim frees what no reader holds and keeps what one does until it leaves") {
  SnapshotStore store(2);
  auto s1 = snapshot_of(zone_at("one.test."));
  std::weak_ptr<const Snapshot> w1 = s1;
  std::weak_ptr<const zones::ZoneSet> w1_zones = s1->zones;
  store.publish(std::move(s1));

  auto busy = store.reader(0);
  auto idle = store.reader(1);
  CHECK(busy.enter().zones->zone(0).origin_text() == "one.test.");  // entered before the publish below
  idle.enter();
  idle.leave();

  auto s2 = snapshot_of(zone_at("two.test."));
  std::weak_ptr<const Snapshot> w2 = s2;
  store.publish(std::move(s2));
  CHECK(store.retired() == 2);  // the initial snapshot and s1

  CHECK(store.reclaim() == 1);  // the initial one freed, s1 still held by `busy`
  CHECK(store.retired() == 1);
  CHECK_FALSE(w1.expired());
  CHECK_FALSE(w1_zones.expired());
  CHECK(busy.enter().zones->zone(0).origin_text() == "one.test.");  // still readable
  CHECK(store.reclaim() == 1);  // asking again changes nothing
  CHECK_FALSE(w1.expired());

  busy.leave();
  CHECK(store.reclaim() == 0);
  CHECK(store.retired() == 0);
  CHECK(w1.expired());
  CHECK(w1_zones.expired());
  CHECK_FALSE(w2.expired());  // current is never reclaimed
  CHECK(store.reclaim() == 0);  // nothing retired: still 0
}

TEST_CASE("snapshot store: a reader that entered after a publish does not pin the older snapshot") {
  SnapshotStore store(1);
  auto s1 = snapshot_of(zone_at("one.test."));
  std::weak_ptr<const Snapshot> w1 = s1;
  store.publish(std::move(s1));
  store.publish(snapshot_of(zone_at("two.test.")));

  auto reader = store.reader(0);
  CHECK(reader.enter().zones->zone(0).origin_text() == "two.test.");
  CHECK(store.reclaim() == 0);  // the reader holds only the current one
  CHECK(w1.expired());
  reader.leave();
}

TEST_CASE("snapshot store: an idle reader (entered and left) pins nothing") {
  SnapshotStore store(3);
  auto s1 = snapshot_of(zone_at("one.test."));
  std::weak_ptr<const Snapshot> w1 = s1;
  store.publish(std::move(s1));
  for (unsigned i = 0; i < 3; ++i) {
    auto reader = store.reader(i);
    CHECK(&reader.enter() == w1.lock().get());
    reader.leave();
  }
  store.publish(snapshot_of(zone_at("two.test.")));
  CHECK(store.retired() == 2);
  CHECK(store.reclaim() == 0);
  CHECK(store.retired() == 0);
  CHECK(w1.expired());
}

TEST_CASE("snapshot store: retired() counts each publish and reclaim() returns what stays") {
  SnapshotStore store(2);
  auto r0 = store.reader(0);
  auto r1 = store.reader(1);
  std::vector<std::weak_ptr<const Snapshot>> published;
  for (int i = 0; i < 4; ++i) {
    auto s = snapshot_of(zone_at("n" + std::to_string(i) + ".test."));
    published.push_back(s);
    store.publish(std::move(s));
    if (i == 0) r0.enter();  // holds n0
    if (i == 2) r1.enter();  // holds n2
  }
  CHECK(store.retired() == 4);  // initial, n0, n1, n2
  CHECK(store.reclaim() == 2);  // n0 and n2 stay
  CHECK(store.retired() == 2);
  CHECK_FALSE(published[0].expired());
  CHECK(published[1].expired());
  CHECK_FALSE(published[2].expired());
  r0.leave();
  CHECK(store.reclaim() == 1);
  CHECK(published[0].expired());
  r1.leave();
  CHECK(store.reclaim() == 0);
  CHECK(published[2].expired());
  CHECK_FALSE(published[3].expired());
}

TEST_CASE("snapshot store: readers racing a publisher that reclaims never see a freed snapshot") {
  // Under ASan a use after free here is a crash; without it the checks on the
  // read fields catch garbage. Each reader only ever moves forward in time.
  constexpr unsigned kReaders = 3;
  SnapshotStore store(kReaders);
  const std::vector<std::shared_ptr<const zones::Zone>> zone_pool = {zone_at("a.test."), zone_at("b.test.")};
  store.publish(snapshot_of(zone_pool[0]));

  std::atomic<bool> stop{false};
  std::atomic<unsigned> failures{0};
  std::atomic<uint64_t> reads{0};
  std::vector<std::thread> readers;
  for (unsigned i = 0; i < kReaders; ++i) {
    readers.emplace_back([&, i] {
      auto reader = store.reader(i);
      uint64_t last_id = 0, n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        const Snapshot& s = reader.enter();
        const bool ok = s.id >= last_id && s.zones->size() == 1 && s.rotation.rows() == 1 &&
                        s.zones->zone(0).origin_text().size() == 7 && &reader.enter() == &s;
        if (!ok) failures.fetch_add(1);
        last_id = s.id;
        reader.leave();
        ++n;
      }
      reads.fetch_add(n);
    });
  }

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  unsigned publishes = 0;
  while (std::chrono::steady_clock::now() < deadline || publishes < 1000) {
    store.publish(snapshot_of(zone_pool[publishes % 2]));
    ++publishes;
    if (publishes % 4 == 0) store.reclaim();
  }
  stop = true;
  for (auto& t : readers) t.join();

  CHECK(failures.load() == 0);
  CHECK(publishes >= 1000);
  CHECK(reads.load() > 0);
  CHECK(store.reclaim() == 0);  // every reader has left
  CHECK(store.retired() == 0);
}
