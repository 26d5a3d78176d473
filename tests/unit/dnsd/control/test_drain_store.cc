// --state-dir's drains.json: a round trip, address-wide drains, a missing
// file, a broken one.
#include "dnsd/control/drain_store.h"

#include <doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

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

TEST_CASE("address-wide drains round-trip in \"addresses\"; a file without that key has none") {
  TempDir dir;
  dnsd::DrainStore store(dir.path.string());
  std::vector<dnsd::DrainRecord> in{{"example.test.", "web", "192.0.2.1", 1795342560000},
                                    {"", "", "192.0.2.1", 1795342559000}};
  std::string error;
  REQUIRE_MESSAGE(store.save(in, error), error);
  {
    std::ifstream file(store.path());
    const auto doc = nlohmann::json::parse(file);
    CHECK(doc["drains"].size() == 1);
    CHECK(doc["addresses"] == nlohmann::json::parse(R"([{"address": "192.0.2.1", "since_ms": 1795342559000,
                                                           "since": "2026-11-22T10:15:59.000Z"}])"));
  }
  std::vector<dnsd::DrainRecord> out;
  REQUIRE_MESSAGE(store.load(out, error), error);
  REQUIRE(out.size() == 2);
  CHECK_FALSE(out[0].every_pool());
  CHECK(out[1].every_pool());
  CHECK(out[1].address == "192.0.2.1");
  CHECK(out[1].since_ms == 1795342559000);

  std::ofstream(store.path()) << R"({"version": 1, "drains": [{"zone": "a.", "pool": "p", "address": "192.0.2.1"}]})";
  REQUIRE_MESSAGE(store.load(out, error), error);
  REQUIRE(out.size() == 1);
  CHECK_FALSE(out[0].every_pool());

  for (const char* broken : {R"({"version": 1, "drains": [], "addresses": [{"since_ms": 1}]})",
                             R"({"version": 1, "drains": [], "addresses": [{"address": ""}]})",
                             R"({"version": 1, "drains": [{"zone": "", "pool": "", "address": "192.0.2.1"}]})"}) {
    CAPTURE(broken);
    std::ofstream(store.path()) << broken;
    CHECK_FALSE(store.load(out, error));
    CHECK(error.find(store.path()) == 0);
  }
}
