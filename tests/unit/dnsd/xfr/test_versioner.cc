// Versions and serials: a new version only when served content changes, the
// zone file's serial as a floor, serials that survive a restart through the
// state file, and a bounded history of changes.
#include <doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "dnsd/xfr/serial.h"
#include "dnsd/xfr/versioner.h"
#include "dnsd/xfr/zone_content.h"
#include "tests/unit/dnsd/xfr/xfr_fixture.h"
#include "tests/unit/temp_dir.h"

using namespace dnsd;
using health::HealthState;

namespace {

struct Clock {
  uint64_t ms = 1'700'000'000'000;
  std::function<uint64_t()> fn() {
    return [this] { return ms; };
  }
};

/// A versioner publishing snapshots of one zone set, as the server does.
struct Publisher {
  xfr::Versioner versioner;
  std::shared_ptr<const Snapshot> current;
  xfr::Advance last;
  Publisher(std::string state_file, Clock& clock, xfr::HistoryLimits limits = {})
      : versioner(std::move(state_file), limits, clock.fn()) {
    std::string error;
    REQUIRE(versioner.load(error));
  }
  const ZoneVersion& publish(std::shared_ptr<const zones::ZoneSet> set,
                             std::shared_ptr<const health::HealthView> view, bool saved = true) {
    last = versioner.advance(*set, *view, current.get());
    CHECK(last.error.empty() == saved);
    current = std::make_shared<const Snapshot>(set, view, 1, current.get(), last.versions);
    return *current->versions[0];
  }
  const ZoneVersion& again(bool saved = true) { return publish(current->zones, current->health, saved); }
};

/// Makes writes of `file` fail while it lives, leaving the file as it is: a
/// directory where write_file_atomically puts its temporary file.
struct FailingWrites {
  std::filesystem::path blocker;
  explicit FailingWrites(const std::string& file) : blocker(file + ".tmp." + std::to_string(::getpid())) {
    std::filesystem::create_directory(blocker);
  }
  ~FailingWrites() { std::filesystem::remove(blocker); }
};

}  // namespace

TEST_CASE("serial arithmetic follows RFC 1982") {
  CHECK(xfr::serial_newer(2, 1));
  CHECK(xfr::serial_newer(0, 0xFFFFFFFF));
  CHECK_FALSE(xfr::serial_newer(1, 1));
  CHECK_FALSE(xfr::serial_newer(0x80000000u, 0));  // exactly half way: undefined, not newer
  CHECK(xfr::next_serial(7, 3) == 8);
  CHECK(xfr::next_serial(7, 2026120101) == 2026120101);  // the operator's floor wins when newer
  CHECK(xfr::next_serial(0xFFFFFFFF, 0) == 0);            // wraps
  CHECK(xfr::next_serial(10, 0, 1'700'000'000) == 1'700'000'000);  // a clock ahead wins
  // A floor 2^31 or more ahead is approached in a step a secondary still calls newer.
  const uint32_t step = xfr::next_serial(5, 5 + 0x90000000u);
  CHECK(xfr::serial_newer(step, 5));
}

TEST_CASE("a health change makes a new version whose change lists the pool records") {
  test::TempDir dir;
  Clock clock;
  Publisher p((dir.path / "serials.json").string(), clock);
  auto set = test::set_of(test::pool_zone(5));
  auto view = health::HealthView::unbound(*set);
  const ZoneVersion& first = p.publish(set, view);
  CHECK(first.serial == 5);  // the zone file's serial, the first time
  CHECK(first.pools.members.size() == 3);
  CHECK(p.last.changed == std::vector<uint32_t>{0});

  // Nothing changed: the same version, no new serial.
  const ZoneVersion& same = p.again();
  CHECK(&same == &first);
  CHECK(p.last.changed.empty());

  test::set_member(*view, 1, HealthState::Down);
  const ZoneVersion& second = p.again();
  CHECK(second.serial == 6);
  CHECK(second.pools.served(0).size() == 2);
  CHECK(second.fingerprint == xfr::content_fingerprint(second));  // kept up from the change alone
  REQUIRE(second.history->changes.size() == 1);
  const ZoneChange& change = *second.history->changes[0];
  CHECK(change.from_serial == 5);
  CHECK(change.to_serial == 6);
  CHECK(change.removed.size() == 1);
  CHECK(change.added.size() == 0);
  RecordView r;
  RecordList::Cursor cursor(change.removed);
  REQUIRE(cursor.next(r));
  CHECK(r.type == zones::rrtype::A);
  CHECK(std::vector<uint8_t>(r.rdata, r.rdata + r.rdata_length) == std::vector<uint8_t>{192, 0, 2, 2});

  // Back up: the record returns.
  test::set_member(*view, 1, HealthState::Up);
  const ZoneVersion& third = p.again();
  CHECK(third.serial == 7);
  CHECK(third.history->changes.back()->added.size() == 1);
  CHECK(third.history->find_from(5) == 0);
  CHECK(third.history->find_from(6) == 1);
  CHECK(third.history->find_from(4) == ZoneHistory::npos);
}

TEST_CASE("max_answers and rotation do not shape what is transferred; serve-none leaves the RRset out") {
  Clock clock;
  Publisher p("", clock);
  auto set = test::set_of(test::pool_zone(1, "", R"(, "when_all_down": "serve-none")"));
  auto view = health::HealthView::unbound(*set);
  CHECK(p.publish(set, view).pools.served(0).size() == 3);  // max_answers is 1
  for (size_t m = 0; m < 3; ++m) test::set_member(*view, m, HealthState::Down);
  const ZoneVersion& none = p.again();
  CHECK(none.pools.served(0).empty());
  xfr::ZoneWalker walker(none);
  RecordView r;
  while (walker.next(r)) CHECK(r.type != zones::rrtype::A - 1000);  // walks; www has no A
  size_t a_records = 0;
  xfr::ZoneWalker count(none);
  while (count.next(r)) a_records += r.type == zones::rrtype::A;
  CHECK(a_records == 1);  // only ns1
}

TEST_CASE("without a state file the first serial is at least the unix time") {
  Clock clock;
  Publisher p("", clock);
  auto set = test::set_of(test::pool_zone(1));
  CHECK(p.publish(set, health::HealthView::unbound(*set)).serial == 1'700'000'000);
  // A zone file serial ahead of the clock is the floor.
  Publisher q("", clock);
  auto ahead = test::set_of(test::pool_zone(2026120101));
  CHECK(q.publish(ahead, health::HealthView::unbound(*ahead)).serial == 2026120101u);
}

TEST_CASE("a restart with the state file continues the serial, and keeps it when nothing changed") {
  test::TempDir dir;
  Clock clock;
  const std::string file = (dir.path / "serials.json").string();
  uint32_t served = 0;
  {
    Publisher p(file, clock);
    auto set = test::set_of(test::pool_zone(1));
    auto view = health::HealthView::unbound(*set);
    p.publish(set, view);
    test::set_member(*view, 0, HealthState::Down);
    served = p.again().serial;
    CHECK(served == 2);
  }
  {
    // Same content after the restart (the member is still down): same serial.
    Publisher p(file, clock);
    auto set = test::set_of(test::pool_zone(1));
    auto view = health::HealthView::unbound(*set);
    test::set_member(*view, 0, HealthState::Down);
    CHECK(p.publish(set, view).serial == served);
  }
  {
    // Different content: the next serial, never the zone file's 1 again.
    Publisher p(file, clock);
    auto set = test::set_of(test::pool_zone(1));
    CHECK(p.publish(set, health::HealthView::unbound(*set)).serial == served + 1);
  }
  {
    // A zone file serial ahead of the state is the new floor.
    Publisher p(file, clock);
    auto set = test::set_of(test::pool_zone(100));
    CHECK(p.publish(set, health::HealthView::unbound(*set)).serial == 100);
  }
}

TEST_CASE("a corrupt state file is an error, not a silent restart from the zone file's serial") {
  test::TempDir dir;
  Clock clock;
  const std::string file = (dir.path / "serials.json").string();
  std::ofstream(file) << "{not json";
  xfr::Versioner v(file, {}, clock.fn());
  std::string error;
  CHECK_FALSE(v.load(error));
  CHECK(error.find("serials.json") != std::string::npos);
}

TEST_CASE("a zone edit diffs every record; an identical reload keeps the serial") {
  Clock clock;
  Publisher p("", clock);
  auto set = test::set_of(test::pool_zone(1, R"(, "txt": {"TXT": "one"})"));
  const uint32_t first = p.publish(set, health::HealthView::unbound(*set)).serial;

  auto same = test::set_of(test::pool_zone(1, R"(, "txt": {"TXT": "one"})"));
  CHECK(p.publish(same, health::HealthView::unbound(*same)).serial == first);
  CHECK(p.last.changed.empty());

  auto edited = test::set_of(test::pool_zone(1, R"(, "txt": {"TXT": "two"}, "new": {"A": "192.0.2.9"})"));
  const ZoneVersion& v = p.publish(edited, health::HealthView::unbound(*edited));
  CHECK(v.serial == first + 1);
  const ZoneChange& change = *v.history->changes.back();
  CHECK(change.removed.size() == 1);  // TXT "one"
  CHECK(change.added.size() == 2);    // TXT "two", new A
}

TEST_CASE("the history keeps at most max_changes versions") {
  Clock clock;
  Publisher p("", clock, xfr::HistoryLimits{3, 1 << 20});
  auto set = test::set_of(test::pool_zone(1));
  auto view = health::HealthView::unbound(*set);
  p.publish(set, view);
  for (int i = 0; i < 10; ++i) {
    test::set_member(*view, 0, i % 2 ? HealthState::Up : HealthState::Down);
    p.again();
  }
  const ZoneHistory& h = *p.current->versions[0]->history;
  REQUIRE(h.changes.size() == 3);
  for (size_t i = 1; i < h.changes.size(); ++i) CHECK(h.changes[i]->from_serial == h.changes[i - 1]->to_serial);
  CHECK(h.changes.back()->to_serial == p.current->versions[0]->serial);
}

TEST_CASE("an unwritable state file holds new serials: nothing is served under a serial the file lacks") {
  test::TempDir dir;
  Clock clock;
  const std::string file = (dir.path / "serials.json").string();
  Publisher p(file, clock);
  auto set = test::set_of(test::pool_zone(1));
  auto view = health::HealthView::unbound(*set);
  p.publish(set, view);
  test::set_member(*view, 0, HealthState::Down);
  const ZoneVersion& saved = p.again();
  REQUIRE(saved.serial == 2);
  {
    FailingWrites fail(file);
    // A health change: the zone keeps serving version 2 as it was (what secondaries have).
    test::set_member(*view, 1, HealthState::Down);
    const ZoneVersion& held = p.again(/*saved=*/false);
    CHECK(&held == &saved);
    CHECK(p.last.held == std::vector<uint32_t>{0});
    CHECK(p.last.changed.empty());
    CHECK(p.last.error.find("serials.json") != std::string::npos);
    CHECK(p.last.error.find("1 zone held at the serial the file has") != std::string::npos);
    // A zone edit: the new records are published (answers), the version stays.
    auto edited = test::set_of(test::pool_zone(1, R"(, "txt": {"TXT": "edited"})"));
    auto edited_view = health::HealthView::unbound(*edited);
    CHECK(&p.publish(edited, edited_view, /*saved=*/false) == &saved);
    CHECK(p.current->zones == edited);

    // A restart meanwhile continues from the file: the saved serial, held, never below it.
    Publisher restarted(file, clock);
    const ZoneVersion& fresh = restarted.publish(edited, edited_view, /*saved=*/false);
    CHECK(fresh.serial == 2);
    CHECK(fresh.held);
    CHECK(fresh.history->changes.empty());
    CHECK(restarted.again(/*saved=*/false).serial == 2);
  }
  // Writable again: the next advance moves on, with the change from what was served.
  const ZoneVersion& next = p.again();
  CHECK(next.serial == 3);
  CHECK_FALSE(next.held);
  CHECK(p.last.changed == std::vector<uint32_t>{0});
  CHECK(p.last.held.empty());
  REQUIRE(next.history->changes.size() == 2);
  CHECK(next.history->changes.back()->from_serial == 2);

  // And a restart now continues from 3.
  Publisher restarted(file, clock);
  CHECK(restarted.publish(p.current->zones, p.current->health).serial == 3);
}

TEST_CASE("a version held at start-up moves on once the file is writable, with no history from it") {
  test::TempDir dir;
  Clock clock;
  const std::string file = (dir.path / "serials.json").string();
  {
    Publisher p(file, clock);
    auto set = test::set_of(test::pool_zone(10));
    p.publish(set, health::HealthView::unbound(*set));  // 10 saved
  }
  Publisher p(file, clock);
  auto set = test::set_of(test::pool_zone(10, R"(, "txt": {"TXT": "new"})"));
  auto view = health::HealthView::unbound(*set);
  {
    FailingWrites fail(file);
    const ZoneVersion& held = p.publish(set, view, /*saved=*/false);
    CHECK(held.serial == 10);  // the file's, though the content differs
    CHECK(held.held);
    CHECK(p.last.changed == std::vector<uint32_t>{0});  // the first version of the run
  }
  const ZoneVersion& next = p.again();
  CHECK(next.serial == 11);
  CHECK_FALSE(next.held);
  CHECK(next.history->changes.empty());  // secondaries at 10 may hold other content: AXFR, not IXFR
  CHECK(p.last.changed == std::vector<uint32_t>{0});
}
