// The reloader behind start-up and SIGHUP: a broken file keeps its last good
// zone, a removed file stops being served, an unreadable directory publishes
// nothing.
#include "dnsd/zone_reloader.h"

#include <doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/unit/temp_dir.h"

using dnsd::ReloadReport;
using dnsd::ZoneReloader;
using dnsd::zones::ZoneStore;
namespace fs = std::filesystem;

using dnsd::test::TempDir;

namespace {

std::string zone(const std::string& origin, unsigned serial) {
  return R"({"origin": ")" + origin + R"(", "soa": {"mname": "ns1", "serial": )" + std::to_string(serial) +
         R"(}, "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.1"}}})";
}

uint32_t serial_of(const ZoneStore& store, const std::string& origin) {
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
  ZoneStore store;
  ZoneReloader reloader(dir.path.string(), store);

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
  ZoneStore store;
  ZoneReloader reloader(dir.path.string(), store);
  ReloadReport report = reloader.reload();
  CHECK(report.published);
  CHECK(report.failed == 1);
  CHECK(report.zones == 0);
  CHECK(report.kept.empty());
}

TEST_CASE("zone reloader: an unreadable directory publishes nothing") {
  TempDir dir;
  dir.write("a.json", zone("a.test.", 7));
  ZoneStore store;
  ZoneReloader reloader((dir.path / "missing").string(), store);
  ReloadReport report = reloader.reload();
  CHECK_FALSE(report.published);
  REQUIRE(report.errors.size() == 1);
  CHECK(store.current()->size() == 0);
}

TEST_CASE("zone reloader: a single file path serves that file") {
  TempDir dir;
  dir.write("a.json", zone("a.test.", 7));
  ZoneStore store;
  ZoneReloader reloader((dir.path / "a.json").string(), store);
  ReloadReport report = reloader.reload();
  CHECK(report.published);
  CHECK(report.zones == 1);
  CHECK(serial_of(store, "a.test.") == 7);
}
