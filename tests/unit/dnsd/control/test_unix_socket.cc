// The control socket file: its mode, what it refuses to replace, a stale
// socket replaced, and removal of only its own file.
#include "dnsd/control/unix_socket.h"

#include <doctest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace {

/// A fresh directory under /tmp, removed (with what the tests leave) at the end.
struct TempDir {
  std::string path;
  TempDir() {
    char pattern[] = "/tmp/dnsd-unix-socket-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    path = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(lstat(path.c_str(), &st) == 0);
  return st.st_mode;
}

/// Binds a socket at `path` and closes it without unlinking: what a killed process leaves.
void leave_stale_socket(const std::string& path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  close(fd);
}

}  // namespace

TEST_CASE("the socket gets mode 0660 whatever the umask, and is removed") {
  TempDir dir;
  const std::string path = dir.path + "/control.sock";
  const mode_t old_umask = umask(0);
  dnsd::UnixSocketFile file;
  std::string error;
  const int fd = dnsd::listen_unix_socket(path, 0660, file, error);
  umask(old_umask);
  REQUIRE_MESSAGE(fd >= 0, error);
  CHECK(S_ISSOCK(mode_of(path)));
  CHECK((mode_of(path) & 07777) == 0660);
  CHECK(file.path == path);
  close(fd);
  dnsd::remove_unix_socket(file);
  CHECK(access(path.c_str(), F_OK) != 0);
}

TEST_CASE("a stale socket is replaced; a live one is refused") {
  TempDir dir;
  const std::string path = dir.path + "/control.sock";
  leave_stale_socket(path);
  dnsd::UnixSocketFile file;
  std::string error;
  const int fd = dnsd::listen_unix_socket(path, 0660, file, error);
  REQUIRE_MESSAGE(fd >= 0, error);

  dnsd::UnixSocketFile second;
  CHECK(dnsd::listen_unix_socket(path, 0660, second, error) == -1);
  CHECK(error.find("another process is listening") != std::string::npos);
  CHECK(error.find(path) != std::string::npos);
  close(fd);
  dnsd::remove_unix_socket(file);
}

TEST_CASE("anything else at the path is never replaced") {
  TempDir dir;
  const std::string regular = dir.path + "/file";
  std::ofstream(regular) << "keep me\n";
  const std::string directory = dir.path + "/dir";
  REQUIRE(mkdir(directory.c_str(), 0700) == 0);
  const std::string link = dir.path + "/link";
  REQUIRE(symlink(regular.c_str(), link.c_str()) == 0);

  for (const auto& [path, kind] : {std::pair{regular, "a regular file"}, std::pair{directory, "a directory"},
                                   std::pair{link, "a symbolic link"}}) {
    dnsd::UnixSocketFile file;
    std::string error;
    CHECK(dnsd::listen_unix_socket(path, 0660, file, error) == -1);
    CHECK_MESSAGE(error.find(kind) != std::string::npos, error);
    CHECK(error.find("refusing to replace it") != std::string::npos);
  }
  std::ifstream in(regular);
  std::string line;
  std::getline(in, line);
  CHECK(line == "keep me");
}

TEST_CASE("only its own socket file is removed") {
  TempDir dir;
  const std::string path = dir.path + "/control.sock";
  dnsd::UnixSocketFile file;
  std::string error;
  const int fd = dnsd::listen_unix_socket(path, 0660, file, error);
  REQUIRE_MESSAGE(fd >= 0, error);
  close(fd);
  REQUIRE(unlink(path.c_str()) == 0);
  std::ofstream(path) << "someone else's\n";
  dnsd::remove_unix_socket(file);
  CHECK(access(path.c_str(), F_OK) == 0);
}

TEST_CASE("too long a path is refused before anything is touched") {
  dnsd::UnixSocketFile file;
  std::string error;
  CHECK(dnsd::listen_unix_socket("/tmp/" + std::string(200, 'x'), 0660, file, error) == -1);
  CHECK(error.find("1 to 107 bytes") != std::string::npos);
}
