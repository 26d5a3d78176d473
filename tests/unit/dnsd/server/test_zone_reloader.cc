// The reloader behind start-up and every reload: a broken file keeps its last
// good zone, a removed file stops being served, an unreadable directory gives
// nothing to publish.
#include "dnsd/server/zone_reloader.h"

#include <doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "health/health_registry.h"
#include "tests/unit/temp_dir.h"

using dnsd::ReloadReport;
using dnsd::ZoneReloader;
namespace fs = std::filesystem;

using dnsd::test::TempDir;

namespace {

std::string zone(const std::string& origin, unsigned serial) {
  return R"({"origin": ")" + origin + R"(", "soa": {"mname": "ns1", "serial": )" + std::to_string(serial) +
         R"(}, "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.1"}}})";
}

// Publishes what the reloader loads, as the server does (without health).
struct PublishedSet {
  std::shared_ptr<const dnsd::zones::ZoneSet> set = std::make_shared<dnsd::zones::ZoneSet>(
      std::vector<std::shared_ptr<const dnsd::zones::Zone>>{});
  std::shared_ptr<const dnsd::zones::ZoneSet> current() const { return set; }
};

struct Reloader {
  Reloader(std::string path, PublishedSet& store) : reloader(std::move(path)), store(store) {}
  ReloadReport reload() {
    dnsd::ZoneLoad load = reloader.load();
    if (load.set) {
      store.set = load.set;
      reloader.published(load.set);
      load.report.published = true;
    }
    return load.report;
  }
  ZoneReloader reloader;
  PublishedSet& store;
};

uint32_t serial_of(const PublishedSet& store, const std::string& origin) {
  auto set = store.current();
  for (size_t i = 0; i < set->size(); ++i)
    if (set->zone(uint32_t(i)).origin_text() == origin) return set->zone(uint32_t(i)).serial();
  return 0;
}

}  // namespace

TEST_CASE("zone reloader: publishes what loads, keeps the last good version of a broken file") {
  TempDir dir;
  dir.write("a.json", zone("a.test.", 1));
  dir.write("b.json", zone("b.test.", 1));
  PublishedSet store;
  Reloader reloader(dir.path.string(), store);

  ReloadReport first = reloader.reload();
  CHECK(first.published);
  CHECK(first.files == 2);
  CHECK(first.loaded == 2);
  CHECK(first.zones == 2);
  CHECK(first.errors.empty());

  dir.write("a.json", zone("a.test.", 2));
  dir.write("b.json", "{ not json");
  ReloadReport second = reloader.reload();
  CHECK(second.published);
  CHECK(second.loaded == 1);
  CHECK(second.failed == 1);
  CHECK(second.zones == 2);
  REQUIRE(second.kept.size() == 1);
  CHECK(second.kept[0].origin == "b.test.");
  CHECK(second.kept[0].serial == 1);
  CHECK_FALSE(second.errors.empty());
  CHECK(second.errors[0].file == (dir.path / "b.json").string());
  CHECK(serial_of(store, "a.test.") == 2);
  CHECK(serial_of(store, "b.test.") == 1);

  // Still broken on the next reload: still the version from before the break.
  CHECK(reloader.reload().kept.size() == 1);
  CHECK(serial_of(store, "b.test.") == 1);

  fs::remove(dir.path / "b.json");
  ReloadReport third = reloader.reload();
  CHECK(third.zones == 1);
  CHECK(third.kept.empty());
  CHECK(serial_of(store, "b.test.") == 0);
}

TEST_CASE("zone reloader: a file that never loaded is not served") {
  TempDir dir;
  dir.write("bad.json", "[]");
  PublishedSet store;
  Reloader reloader(dir.path.string(), store);
  ReloadReport report = reloader.reload();
  CHECK(report.published);
  CHECK(report.failed == 1);
  CHECK(report.zones == 0);
  CHECK(report.kept.empty());
}

TEST_CASE("zone reloader: an unreadable directory publishes nothing") {
  TempDir dir;
  dir.write("a.json", zone("a.test.", 7));
  PublishedSet store;
  Reloader reloader((dir.path / "missing").string(), store);
  ReloadReport report = reloader.reload();
  CHECK_FALSE(report.published);
  REQUIRE(report.errors.size() == 1);
  CHECK(store.current()->size() == 0);
}

TEST_CASE("zone reloader: a single file path serves that file") {
  TempDir dir;
  dir.write("a.json", zone("a.test.", 7));
  PublishedSet store;
  Reloader reloader((dir.path / "a.json").string(), store);
  ReloadReport report = reloader.reload();
  CHECK(report.published);
  CHECK(report.zones == 1);
  CHECK(serial_of(store, "a.test.") == 7);
}

TEST_CASE("zone reloader: unchanged files are not parsed again, changed ones always are") {
  TempDir dir;
  dir.write("a.json", zone("a.test.", 1));
  dir.write("b.json", zone("b.test.", 1));
  dir.write("c.json", "{ broken");
  PublishedSet store;
  Reloader reloader(dir.path.string(), store);
  ReloadReport first = reloader.reload();
  CHECK(first.unchanged == 0);
  CHECK(first.failed == 1);
  // Held, so a new zone can never be allocated where an old one was.
  auto zone_ptr = [&](const std::string& origin) -> std::shared_ptr<const dnsd::zones::Zone> {
    auto set = store.current();
    for (uint32_t i = 0; i < set->size(); ++i)
      if (set->zone(i).origin_text() == origin) return set->zone_ptr(i);
    return nullptr;
  };
  const auto a1 = zone_ptr("a.test.");
  const auto b1 = zone_ptr("b.test.");

  // Same size, written right after the last read (the same filesystem clock
  // tick, as a script would): compared by content, the change is seen.
  dir.write("b.json", zone("b.test.", 2));
  ReloadReport second = reloader.reload();
  CHECK(second.unchanged == 2);  // a.json, and c.json with its error
  CHECK(second.failed == 1);
  REQUIRE(second.errors.size() == first.errors.size());
  CHECK(second.errors[0].to_string() == first.errors[0].to_string());
  CHECK(zone_ptr("a.test.") == a1);  // the same object: not parsed again
  CHECK(zone_ptr("b.test.") != b1);
  CHECK(serial_of(store, "b.test.") == 2);

  // Fixed, removed, re-added: each is noticed.
  dir.write("c.json", zone("c.test.", 5));
  fs::remove(dir.path / "a.json");
  ReloadReport third = reloader.reload();
  CHECK(third.unchanged == 1);
  CHECK(third.failed == 0);
  CHECK(third.zones == 2);
  CHECK(serial_of(store, "c.test.") == 5);
  dir.write("a.json", zone("a.test.", 1));
  ReloadReport fourth = reloader.reload();
  CHECK(fourth.unchanged == 2);
  CHECK(zone_ptr("a.test.") != a1);  // removed in between: parsed afresh
  CHECK(serial_of(store, "a.test.") == 1);
}

TEST_CASE("zone reloader: a zone refused for a taken origin comes back, bound, when the other file goes") {
  // b.json declares the origin a.json already has, so it is refused; when
  // a.json goes, b.json's zone is served and its member is bound and tracked.
  TempDir dir;
  dir.write("a.json", zone("dup.test.", 1));
  dir.write("b.json", R"({"origin": "dup.test.", "soa": {"mname": "ns1", "serial": 2},
    "pools": {"web": {"members": ["192.0.2.7"], "check": {"type": "none"}}},
    "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.1"}, "www": {"A": {"pool": "web"}}}})");
  dnsd::health::HealthRegistry registry;
  ZoneReloader reloader(dir.path.string());
  auto reload = [&] {
    dnsd::ZoneLoad load = reloader.load();
    REQUIRE(load.set);
    registry.bind(*load.set);
    registry.sync(*load.set);
    reloader.published(load.set);
    return load;
  };
  CHECK(reload().report.failed == 1);
  CHECK(reload().report.failed == 1);
  fs::remove(dir.path / "a.json");
  dnsd::ZoneLoad last = reload();
  CHECK(last.report.failed == 0);
  REQUIRE(last.set->size() == 1);
  CHECK(last.set->zone(0).serial() == 2);
  REQUIRE(last.set->zone(0).pools().size() == 1);
  const auto status = registry.targets().status();
  REQUIRE(status.targets.size() == 1);
  CHECK(status.targets[0].refs.size() == 1);  // the published member is the one the registry tracks
}
