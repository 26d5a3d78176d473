// Secret-holding files are read only when their mode keeps them private.
#include <doctest.h>

#include <sys/stat.h>

#include "health/private_file.h"
#include "tests/unit/temp_dir.h"

using dnsd::health::read_private_file;

TEST_CASE("private file: a 0600 file is read whole") {
  dnsd::test::TempDir dir;
  const std::string file = dir.write("key", std::string(5000, 'k') + "\n");
  ::chmod(file.c_str(), 0600);
  std::string text, error;
  REQUIRE(read_private_file(file, 1 << 20, "a key file", text, error));
  CHECK(text.size() == 5001);
}

TEST_CASE("private file: others' access, a directory and an oversized file are refused by name") {
  dnsd::test::TempDir dir;
  const std::string file = dir.write("key", "secret\n");
  std::string text, error;
  ::chmod(file.c_str(), 0604);
  CHECK_FALSE(read_private_file(file, 1 << 20, "a key file", text, error));
  CHECK(error == file + ": holds secrets but its mode is 0604; chmod 600 (or 640) it");
  ::chmod(file.c_str(), 0620);
  CHECK_FALSE(read_private_file(file, 1 << 20, "a key file", text, error));
  ::chmod(file.c_str(), 0640);  // the group may read
  CHECK(read_private_file(file, 1 << 20, "a key file", text, error));
  text.clear();
  CHECK_FALSE(read_private_file(file, 4, "a key file", text, error));
  CHECK(error == file + ": larger than 4 bytes; not a key file");
  CHECK_FALSE(read_private_file(dir.path.string(), 1 << 20, "a key file", text, error));
  CHECK(error == dir.path.string() + ": not a regular file");
  CHECK_FALSE(read_private_file(dir.path.string() + "/missing", 1 << 20, "a key file", text, error));
  CHECK(error == dir.path.string() + "/missing: No such file or directory");
}
