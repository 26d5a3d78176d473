// What the zone watcher watches and which names wake it: zone files and the
// renames editors save with, never their swap, backup or temp files.
#include "dnsd/server/watch_target.h"

#include <doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/unit/temp_dir.h"

using dnsd::WatchTarget;
namespace fs = std::filesystem;

using dnsd::test::TempDir;

TEST_CASE("watch target: a directory is watched itself") {
  TempDir dir;
  WatchTarget t = WatchTarget::for_zones_path(dir.path.string() + "/");
  CHECK(t.directory == dir.path.string());
  CHECK(t.file_name.empty());
  CHECK(t.directory_name() == dir.path.filename().string());
}

TEST_CASE("watch target: a single file is watched through its directory") {
  TempDir dir;
  std::ofstream(dir.path / "a.json") << "{}";
  WatchTarget t = WatchTarget::for_zones_path((dir.path / "a.json").string());
  CHECK(t.directory == dir.path.string());
  CHECK(t.file_name == "a.json");

  WatchTarget bare = WatchTarget::for_zones_path("zone.json");
  CHECK(bare.directory == ".");
  CHECK(bare.file_name == "zone.json");

  WatchTarget root = WatchTarget::for_zones_path("/zone.json");
  CHECK(root.directory == "/");
  CHECK(root.file_name == "zone.json");
}

TEST_CASE("watch target: a file that does not exist yet is still a file in a directory") {
  WatchTarget t = WatchTarget::for_zones_path("/nonexistent-dnsd-dir/z.json");
  CHECK(t.directory == "/nonexistent-dnsd-dir");
  CHECK(t.file_name == "z.json");
}

TEST_CASE("watch target: directory mode wakes on zone files, not on editor files") {
  WatchTarget t{"/etc/dnsd/zones", ""};
  CHECK(t.concerns("example.test.json"));
  CHECK(t.concerns("a.json"));
  CHECK_FALSE(t.concerns(".example.test.json.swp"));  // vim swap
  CHECK_FALSE(t.concerns(".example.test.json.swx"));
  CHECK_FALSE(t.concerns("example.test.json~"));       // vim/emacs backup
  CHECK_FALSE(t.concerns("4913"));                      // vim's can-I-write probe
  CHECK_FALSE(t.concerns(".#example.test.json"));      // emacs lock
  CHECK_FALSE(t.concerns("example.test.json.tmp"));    // temp before rename
  CHECK_FALSE(t.concerns(".json"));
  CHECK_FALSE(t.concerns("README.md"));
  CHECK(t.concerns("..data"));  // Kubernetes ConfigMap swap
  CHECK(t.concerns("zones"));   // the directory itself moved or deleted
  CHECK(t.concerns(nullptr));
}

TEST_CASE("watch target: file mode wakes only on that file") {
  WatchTarget t{"/etc/dnsd", "example.test.json"};
  CHECK(t.concerns("example.test.json"));
  CHECK_FALSE(t.concerns("other.json"));
  CHECK_FALSE(t.concerns(".example.test.json.swp"));
  CHECK(t.concerns("..data"));
  CHECK(t.concerns("dnsd"));
}

TEST_CASE("watch target: the stamp changes with zone files, not with editor files") {
  TempDir dir;
  std::ofstream(dir.path / "a.json") << "{\"v\": 1}";
  const WatchTarget t = WatchTarget::for_zones_path(dir.path.string());
  const WatchTarget::Stamp start = t.stamp();
  CHECK(t.stamp() == start);

  std::ofstream(dir.path / ".a.json.swp") << "swap";
  std::ofstream(dir.path / "a.json~") << "backup";
  CHECK(t.stamp() == start);

  SUBCASE("rename over the file") {
    std::ofstream(dir.path / ".a.json.tmp") << "{\"v\": 1}";
    fs::rename(dir.path / ".a.json.tmp", dir.path / "a.json");
    CHECK_FALSE(t.stamp() == start);
  }
  SUBCASE("a file added") {
    std::ofstream(dir.path / "b.json") << "{}";
    CHECK_FALSE(t.stamp() == start);
  }
  SUBCASE("a file removed") {
    fs::remove(dir.path / "a.json");
    CHECK_FALSE(t.stamp() == start);
  }
  SUBCASE("the directory replaced") {
    fs::rename(dir.path, dir.path.string() + ".old");
    fs::create_directory(dir.path);
    std::ofstream(dir.path / "a.json") << "{\"v\": 1}";
    CHECK_FALSE(t.stamp() == start);
    fs::remove_all(dir.path.string() + ".old");
  }
}

TEST_CASE("watch target: a single file's stamp ignores its neighbours") {
  TempDir dir;
  std::ofstream(dir.path / "a.json") << "{}";
  const WatchTarget t = WatchTarget::for_zones_path((dir.path / "a.json").string());
  const WatchTarget::Stamp start = t.stamp();
  std::ofstream(dir.path / "b.json") << "{}";
  CHECK(t.stamp() == start);
  std::ofstream(dir.path / "a.json") << "{\"longer\": true}";
  CHECK_FALSE(t.stamp() == start);
}
