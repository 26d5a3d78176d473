// Loading a directory of zone files: which files count, their order, duplicate
// origins, and keeping the last good zone of a broken file.
#include <doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/unit/temp_dir.h"
#include "zones/zone_directory.h"

using namespace dnsd::zones;
namespace fs = std::filesystem;

using dnsd::test::TempDir;

namespace {

// A fresh directory under /tmp, removed at the end of the test.
std::string zone(const std::string& origin, const std::string& address = "192.0.2.1") {
  return R"({"origin": ")" + origin + R"(", "soa": {"mname": "ns1"},
            "records": {"@": {"NS": "ns1"}, "ns1": {"A": ")" + address + R"("}}})";
}

}  // namespace

TEST_CASE("only *.json files count, hidden ones do not, and they load in name order") {
  TempDir dir;
  dir.write("b.json", zone("b.test."));
  dir.write("a.json", zone("a.test."));
  dir.write(".#a.json", "not json");
  dir.write("notes.txt", "not json");
  dir.write("json", "not json");
  fs::create_directory(dir.path / "sub.json");
  DirectoryLoad load = load_zone_directory(dir.path.string());
  CHECK(load.ok());
  REQUIRE(load.files.size() == 2);
  CHECK(load.files[0] == (dir.path / "a.json").string());
  CHECK(load.files[1] == (dir.path / "b.json").string());
  CHECK(load.zone_count() == 2);
  auto set = load.zone_set();
  REQUIRE(set->size() == 2);
  CHECK(set->source(0).file == load.files[0]);
  CHECK(set->zone(1).origin_text() == "b.test.");
}

TEST_CASE("two files with the same origin: the later one is an error at /origin and is not served") {
  TempDir dir;
  std::string first = dir.write("1.json", zone("Example.Test."));
  std::string second = dir.write("2.json", zone("example.test.", "192.0.2.2"));
  DirectoryLoad load = load_zone_directory(dir.path.string());
  REQUIRE(load.errors.size() == 1);
  CHECK(load.errors[0].file == second);
  CHECK(load.errors[0].pointer == "/origin");
  CHECK(load.errors[0].message.find("already declared by " + first) != std::string::npos);
  CHECK(load.results[0].zone);
  CHECK_FALSE(load.results[1].zone);
  CHECK(load.zone_set()->size() == 1);
}

TEST_CASE("errors of every file are collected; good files still load") {
  TempDir dir;
  dir.write("good.json", zone("good.test."));
  std::string bad = dir.write("bad.json", R"({"origin": "bad.test."})");
  DirectoryLoad load = load_zone_directory(dir.path.string());
  CHECK_FALSE(load.ok());
  CHECK(load.zone_count() == 1);
  REQUIRE_FALSE(load.errors.empty());
  CHECK(load.errors[0].file == bad);
}

TEST_CASE("a path that is a file loads that one file; a missing directory is one error") {
  TempDir dir;
  std::string file = dir.write("zone.conf", zone("one.test."));
  DirectoryLoad one = load_zone_directory(file);
  CHECK(one.ok());
  CHECK(one.files == std::vector<std::string>{file});
  DirectoryLoad missing = load_zone_directory((dir.path / "nope").string());
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].pointer == "");
  std::vector<std::string> files;
  std::string error;
  CHECK_FALSE(list_zone_files((dir.path / "nope").string(), files, error));
  CHECK(error.find("cannot read directory") == 0);
}

TEST_CASE("build_zone_set keeps the previous zone of a file that broke, and drops removed files") {
  TempDir dir;
  std::string a = dir.write("a.json", zone("a.test."));
  std::string b = dir.write("b.json", zone("b.test."));
  auto first = load_zone_directory(dir.path.string()).zone_set();
  REQUIRE(first->size() == 2);

  dir.write("a.json", "{ broken");
  fs::remove(b);
  DirectoryLoad again = load_zone_directory(dir.path.string());
  CHECK_FALSE(again.ok());
  auto second = build_zone_set(again, first.get());
  REQUIRE(second->size() == 1);
  CHECK(second->source(0).file == a);
  CHECK(second->zone_ptr(0) == first->zone_ptr(0));  // the very same immutable zone

  // A kept zone never shadows a zone that now loads with the same origin.
  dir.write("a.json", "{ broken");
  dir.write("c.json", zone("a.test."));
  auto third = build_zone_set(load_zone_directory(dir.path.string()), first.get());
  REQUIRE(third->size() == 1);
  CHECK(third->source(0).file == (dir.path / "c.json").string());
}

TEST_CASE("warnings are collected file by file, and a file reused from the cache does not repeat them") {
  TempDir dir;
  std::string quoted = R"({"origin": "q.test.", "soa": {"mname": "ns1"},
                           "records": {"@": {"NS": "ns1", "TXT": "\"v=spf1 -all\""}, "ns1": {"A": "192.0.2.1"}}})";
  std::string a = dir.write("a.json", quoted);
  dir.write("b.json", zone("b.test."));
  std::vector<std::string> files;
  std::string error;
  REQUIRE(list_zone_files(dir.path.string(), files, error));
  ZoneFileCache cache;
  DirectoryLoad first = load_zone_files(files, {}, &cache);
  CHECK(first.ok());
  CHECK(first.zone_count() == 2);
  REQUIRE(first.warnings.size() == 1);
  CHECK(first.warnings[0].file == a);
  CHECK(first.warnings[0].pointer == "/records/@/TXT");
  DirectoryLoad again = load_zone_files(files, {}, &cache);
  CHECK(again.unchanged == 2);
  CHECK(again.warnings.empty());
  CHECK(load_zone_directory(dir.path.string()).warnings.size() == 1);
}
