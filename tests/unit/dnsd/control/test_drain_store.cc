// --state-dir's drains.json: a round trip, a missing file, a broken one.
#include "dnsd/control/drain_store.h"

#include <doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/temp_dir.h"

namespace fs = std::filesystem;

using dnsd::test::TempDir;

TEST_CASE("drains round-trip and the file is replaced whole") {
  TempDir dir;
  dnsd::DrainStore store((dir.path / "state").string());  // created on first save
  std::vector<dnsd::DrainRecord> in{{"example.test.", "web", "192.0.2.1", 1795342560000},
                                    {"example.test.", "api", "2001:db8::1", 1795342561000}};
  std::string error;
  REQUIRE_MESSAGE(store.save(in, error), error);
  std::vector<dnsd::DrainRecord> out;
  REQUIRE_MESSAGE(store.load(out, error), error);
  REQUIRE(out.size() == 2);
  CHECK(out[1].address == "2001:db8::1");
  CHECK(out[1].since_ms == 1795342561000);
  REQUIRE(store.save({}, error));
  REQUIRE(store.load(out, error));
  CHECK(out.empty());
  for (const auto& entry : fs::directory_iterator(dir.path / "state"))
    CHECK(entry.path().filename() == "drains.json");  // no temporary file left
}

TEST_CASE("a missing file is no drains; a broken one is an error naming it") {
  TempDir dir;
  dnsd::DrainStore store(dir.path.string());
  std::vector<dnsd::DrainRecord> out{{"x.", "p", "a", 1}};
  std::string error;
  CHECK(store.load(out, error));
  CHECK(out.empty());
  std::ofstream(store.path()) << "{\"version\": 1, \"drains\": [{\"zone\": 3}]}";
  CHECK_FALSE(store.load(out, error));
  CHECK(error.find(store.path()) == 0);
  std::ofstream(store.path()) << "{\"version\": 2, \"drains\": []}";
  CHECK_FALSE(store.load(out, error));
}
