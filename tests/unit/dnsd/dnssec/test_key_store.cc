// The key directory: the first load makes a key and its files with the right
// modes, later loads return the same key, broken state files are errors that
// name the file and field, and rollovers and DS sightings survive a reload.
#include "dnsd/dnssec/key_store.h"

#include <doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "dnsd/dnssec/key_state_file.h"
#include "tests/unit/temp_dir.h"

namespace fs = std::filesystem;
using namespace dnsd::dnssec;
using dnsd::test::TempDir;

namespace {

constexpr int64_t kNow = 1800000000;

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<uint8_t> rdata_of(const SigningKey& key) {
  return {key.dnskey_rdata().begin(), key.dnskey_rdata().end()};
}

}  // namespace

TEST_CASE("key directory file names") {
  CHECK(KeyStore::zone_file_stem("Example.TEST.") == "example.test");
  CHECK(KeyStore::zone_file_stem("example.test") == "example.test");
  CHECK(KeyStore::zone_file_stem(".") == "root");
  CHECK(KeyStore::zone_file_stem("a/b.test.") == "");
  CHECK(KeyStore::zone_file_stem("..") == "");
  CHECK(KeyStore::zone_file_stem("") == "");
  CHECK(KeyStore::key_file_name("Example.test.", Algorithm::EcdsaP256Sha256, 123) == "Kexample.test.+013+00123.pem");
  CHECK(KeyStore::key_file_name(".", Algorithm::Ed25519, 54321) == "K.+015+54321.pem");
}

TEST_CASE("the first load creates a key and its files with the right modes; the second returns it") {
  TempDir dir;
  const fs::path keys_dir = dir.path / "keys";
  KeyStore store(keys_dir.string());
  ZoneKeys first;
  std::string error;
  REQUIRE_MESSAGE(store.load_or_create("Example.Test.", Algorithm::EcdsaP256Sha256, kNow, first, error), error);
  REQUIRE(first.records.size() == 1);
  REQUIRE(first.keys.size() == 1);
  REQUIRE(first.keys[0] != nullptr);
  const KeyRecord& record = first.records[0];
  CHECK(record.tag == first.keys[0]->key_tag());
  CHECK(record.algorithm == Algorithm::EcdsaP256Sha256);
  CHECK(record.created == kNow);
  CHECK(record.published == kNow);
  CHECK(record.active == kNow);
  CHECK(record.retired == 0);
  CHECK(record.file == KeyStore::key_file_name("example.test.", Algorithm::EcdsaP256Sha256, record.tag));
  CHECK(first.keys[0]->flags() == 257);

  CHECK(mode_of(keys_dir) == 0700);
  CHECK(mode_of(keys_dir / "example.test.keys.json") == 0600);
  CHECK(mode_of(keys_dir / record.file) == 0600);
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(keys_dir)) names.push_back(entry.path().filename().string());
  CHECK(names.size() == 2);  // no temporary file left

  const auto state = nlohmann::json::parse(read_text(keys_dir / "example.test.keys.json"));
  CHECK(state["zone"] == "example.test.");
  CHECK(state["keys"][0]["tag"] == record.tag);
  CHECK(state["keys"][0]["algorithm"] == "ecdsap256sha256");
  CHECK(state["keys"][0]["file"] == record.file);
  CHECK(state["keys"][0]["active"] == kNow);
  CHECK(state["keys"][0]["ds_seen"] == 0);

  for (bool create : {true, false}) {
    ZoneKeys again;
    if (create)
      REQUIRE_MESSAGE(store.load_or_create("example.test.", Algorithm::EcdsaP256Sha256, kNow + 100, again, error),
                      error);
    else
      REQUIRE_MESSAGE(store.load("example.test", again, error), error);
    CHECK(again.records == first.records);
    REQUIRE(again.keys.size() == 1);
    CHECK(again.keys[0]->key_tag() == record.tag);
    CHECK(rdata_of(*again.keys[0]) == rdata_of(*first.keys[0]));
  }

  // The same directory holds other zones, the root among them.
  ZoneKeys root;
  REQUIRE_MESSAGE(store.load_or_create(".", Algorithm::Ed25519, kNow, root, error), error);
  CHECK(fs::exists(keys_dir / "root.keys.json"));
  CHECK(root.records[0].file.rfind("K.+015+", 0) == 0);
}

TEST_CASE("load without keys, and a zone asking for another algorithm") {
  TempDir dir;
  KeyStore store(dir.path.string());
  ZoneKeys keys;
  std::string error;
  CHECK_FALSE(store.load("example.test.", keys, error));
  CHECK(error == "no keys for example.test. in " + dir.path.string());
  CHECK_FALSE(fs::exists(dir.path / "example.test.keys.json"));

  REQUIRE_MESSAGE(store.load_or_create("example.test.", Algorithm::Ed25519, kNow, keys, error), error);
  ZoneKeys other;
  CHECK_FALSE(store.load_or_create("example.test.", Algorithm::EcdsaP256Sha256, kNow, other, error));
  CHECK(error.find("example.test.keys.json: /keys/0/algorithm: ") != std::string::npos);
  CHECK(error.find(keys.records[0].file) != std::string::npos);
}

TEST_CASE("a state file naming a missing key file is an error naming it, and no key is made") {
  TempDir dir;
  KeyStore store(dir.path.string());
  ZoneKeys keys;
  std::string error;
  REQUIRE_MESSAGE(store.load_or_create("example.test.", Algorithm::EcdsaP256Sha256, kNow, keys, error), error);
  const fs::path pem = dir.path / keys.records[0].file;
  fs::rename(pem, dir.path / "moved.pem");
  ZoneKeys again;
  CHECK_FALSE(store.load_or_create("example.test.", Algorithm::EcdsaP256Sha256, kNow, again, error));
  CHECK(error.find("example.test.keys.json: /keys/0/file: ") != std::string::npos);
  CHECK(error.find(pem.string()) != std::string::npos);
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path)) files += entry.is_regular_file();
  CHECK(files == 2);  // the state file and moved.pem: nothing new

  // A key file others may read is refused too.
  fs::rename(dir.path / "moved.pem", pem);
  fs::permissions(pem, fs::perms::others_read, fs::perm_options::add);
  CHECK_FALSE(store.load("example.test.", again, error));
  CHECK(error.find(pem.string()) != std::string::npos);

  // Key files without a state file: the state was lost; refuse to make a new key.
  fs::permissions(pem, fs::perms::others_read, fs::perm_options::remove);
  fs::remove(dir.path / "example.test.keys.json");
  CHECK_FALSE(store.load_or_create("example.test.", Algorithm::EcdsaP256Sha256, kNow, again, error));
  CHECK(error.find(pem.string() + " exists") != std::string::npos);
}

TEST_CASE("a bad field in the state file is an error naming the file and its pointer") {
  TempDir dir;
  KeyStore store(dir.path.string());
  ZoneKeys keys;
  std::string error;
  REQUIRE_MESSAGE(store.load_or_create("example.test.", Algorithm::EcdsaP256Sha256, kNow, keys, error), error);
  const std::string path = (dir.path / "example.test.keys.json").string();
  const auto good = nlohmann::json::parse(read_text(path));

  struct Case {
    const char* pointer;
    nlohmann::json value;
    const char* expected;
  };
  const Case cases[] = {
      {"/keys/0/tag", "12", "/keys/0/tag: must be an integer from 0 to 65535, not a string"},
      {"/keys/0/tag", 70000, "/keys/0/tag: must be an integer from 0 to 65535"},
      {"/keys/0/algorithm", "rsasha1", "/keys/0/algorithm: unknown algorithm \"rsasha1\""},
      {"/keys/0/file", "../x.pem", "/keys/0/file: must be a file name inside the key directory"},
      {"/keys/0/retired", -5, "/keys/0/retired: must be an integer from 0"},
      {"/keys/0/published", 0, "/keys/0/published: every key must have been published"},
      {"/keys/0/activ", 1, "/keys/0/activ: unknown key"},
      {"/zone", "other.test.", "/zone: is \"other.test.\", but this file is for example.test."},
      {"/keys", "none", "/keys: must be an array, not a string"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.pointer);
    nlohmann::json bad = good;
    bad[nlohmann::json::json_pointer(c.pointer)] = c.value;
    std::ofstream(path, std::ios::trunc) << bad.dump();
    ZoneKeys out;
    CHECK_FALSE(store.load("example.test.", out, error));
    CHECK(error.rfind(path + ": ", 0) == 0);
    CHECK_MESSAGE(error.find(c.expected) != std::string::npos, error);
  }

  std::ofstream(path, std::ios::trunc) << "{\"zone\": \"example.test.\",";
  CHECK_FALSE(store.load("example.test.", keys, error));
  CHECK(error.rfind(path + ": (root): ", 0) == 0);

  nlohmann::json twice = good;
  twice["keys"].push_back(good["keys"][0]);
  std::ofstream(path, std::ios::trunc) << twice.dump();
  CHECK_FALSE(store.load("example.test.", keys, error));
  CHECK(error.find("/keys/1/tag: key tag") != std::string::npos);

  nlohmann::json wrong_tag = good;
  wrong_tag["keys"][0]["tag"] = (good["keys"][0]["tag"].get<int>() + 1) % 65536;
  std::ofstream(path, std::ios::trunc) << wrong_tag.dump();
  CHECK_FALSE(store.load("example.test.", keys, error));
  CHECK(error.find("/keys/0/tag: is ") != std::string::npos);
}

TEST_CASE("a rollover and a DS sighting persist across reloads") {
  TempDir dir;
  KeyStore store(dir.path.string());
  ZoneKeys keys;
  std::string error;
  REQUIRE_MESSAGE(store.load_or_create("example.test.", Algorithm::Ed25519, kNow, keys, error), error);
  const uint16_t old_tag = keys.records[0].tag;

  const int64_t roll = kNow + 86400;
  REQUIRE_MESSAGE(store.start_rollover("example.test.", roll, keys, error), error);
  REQUIRE(keys.records.size() == 2);
  REQUIRE(keys.keys.size() == 2);
  const KeyRecord fresh = keys.records[1];
  CHECK(fresh.tag != old_tag);
  CHECK(fresh.tag == keys.keys[1]->key_tag());
  CHECK(fresh.algorithm == Algorithm::Ed25519);
  CHECK(fresh.created == roll);
  CHECK(fresh.published == roll);
  CHECK(fresh.active == 0);
  CHECK(mode_of(dir.path / fresh.file) == 0600);

  // A second rollover during this one is refused and changes nothing.
  CHECK_FALSE(store.start_rollover("example.test.", roll + 1, keys, error));
  CHECK(error.find("cannot start a rollover of example.test.: a rollover is in progress") == 0);
  CHECK(keys.records.size() == 2);

  CHECK_FALSE(store.mark_ds_seen("example.test.", uint16_t(fresh.tag + 1 == old_tag ? fresh.tag + 2 : fresh.tag + 1),
                                 roll + 50, keys, error));
  REQUIRE_MESSAGE(store.mark_ds_seen("example.test.", fresh.tag, roll + 100, keys, error), error);
  REQUIRE_MESSAGE(store.mark_ds_seen("example.test.", fresh.tag, roll + 200, keys, error), error);
  CHECK(keys.records[1].ds_seen == roll + 100);  // the first sighting counts

  ZoneKeys reloaded;
  REQUIRE_MESSAGE(store.load("example.test.", reloaded, error), error);
  CHECK(reloaded.records == keys.records);
  CHECK(rdata_of(*reloaded.keys[1]) == rdata_of(*keys.keys[1]));

  // advance_keys and save: the old key's removal persists, and it is no longer loaded.
  const KeyTimings timings{};
  REQUIRE(advance_keys(reloaded.records, timings, roll + 30 * 86400));
  REQUIRE(reloaded.records[0].removed != 0);
  REQUIRE_MESSAGE(store.save("example.test.", reloaded.records, error), error);
  ZoneKeys after;
  REQUIRE_MESSAGE(store.load("example.test.", after, error), error);
  CHECK(after.records == reloaded.records);
  CHECK(after.keys[0] == nullptr);
  CHECK(after.keys[1]->key_tag() == fresh.tag);
  CHECK_FALSE(store.mark_ds_seen("example.test.", old_tag, roll + 30 * 86400, after, error));
  CHECK(fs::exists(dir.path / after.records[0].file));  // removed keys' files stay
}

TEST_CASE("a state file listing no keys gets a first key; load alone makes none") {
  TempDir dir;
  KeyStore store(dir.path.string());
  dir.write("example.test.keys.json", key_state_text("example.test.", {}));
  ZoneKeys keys;
  std::string error;
  REQUIRE_MESSAGE(store.load("example.test.", keys, error), error);
  CHECK(keys.records.empty());
  REQUIRE_MESSAGE(store.load_or_create("example.test.", Algorithm::EcdsaP256Sha256, kNow, keys, error), error);
  REQUIRE(keys.records.size() == 1);
  CHECK(keys.records[0].active == kNow);
  ZoneKeys reloaded;
  REQUIRE_MESSAGE(store.load("example.test.", reloaded, error), error);
  CHECK(reloaded.records == keys.records);
}

TEST_CASE("state file text round-trips") {
  KeyRecord a;
  a.tag = 7;
  a.algorithm = Algorithm::Ed25519;
  a.file = "Kx.+015+00007.pem";
  a.created = a.published = a.active = 10;
  a.retired = 20;
  a.removed = 30;
  a.ds_seen = 5;
  std::vector<KeyRecord> out;
  std::string error;
  REQUIRE_MESSAGE(parse_key_state(key_state_text("x.", {a}), "f", "x.", out, error), error);
  REQUIRE(out.size() == 1);
  CHECK(out[0] == a);
  REQUIRE_MESSAGE(parse_key_state(key_state_text("x.", {}), "f", "x.", out, error), error);
  CHECK(out.empty());
}
