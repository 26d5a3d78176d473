#include "dnsd/control/unix_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dnsd {
namespace {

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  return address;
}

/// Whether a process accepts connections on the socket at `path`: true when a
/// connect succeeds, false when it is refused (stale); -1 with `error` when
/// neither can be told.
int socket_is_live(const std::string& path, std::string& error) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  const sockaddr_un address = unix_address(path);
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  const int saved = errno;
  ::close(fd);
  if (rc == 0) return 1;
  if (saved == ECONNREFUSED || saved == ENOENT) return 0;
  error = std::string("cannot tell whether the existing socket is in use: connect: ") + std::strerror(saved);
  return -1;
}

/// Clears the way for bind: nothing at `path`, or a stale socket removed.
bool make_room(const std::string& path, std::string& error) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return true;
    error = std::string("lstat: ") + std::strerror(errno);
    return false;
  }
  if (!S_ISSOCK(st.st_mode)) {
    error = std::string("exists and is not a socket (") +
            (S_ISREG(st.st_mode) ? "a regular file" : S_ISDIR(st.st_mode) ? "a directory"
                                                    : S_ISLNK(st.st_mode) ? "a symbolic link"
                                                                          : "another kind of file") +
            "); refusing to replace it: remove it or choose another path";
    return false;
  }
  const int live = socket_is_live(path, error);
  if (live < 0) return false;
  if (live > 0) {
    error = "another process is listening on this socket (choose another path, or --control none)";
    return false;
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    error = std::string("cannot remove the stale socket: ") + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace

int listen_unix_socket(const std::string& path, mode_t mode, UnixSocketFile& file, std::string& error) {
  const std::string what = "control unix:" + path + ": ";
  if (path.empty() || path.size() > kMaxUnixSocketPath || path.find('\0') != std::string::npos) {
    error = what + "a socket path must be 1 to " + std::to_string(kMaxUnixSocketPath) + " bytes";
    return -1;
  }
  if (!make_room(path, error)) {
    error = what + error;
    return -1;
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = what + "socket: " + std::strerror(errno);
    return -1;
  }
  // Linux creates the socket file with the socket's inode mode less the
  // umask: owner-only first, so nobody else can connect before the chmod.
  ::fchmod(fd, S_IRUSR | S_IWUSR);
  const sockaddr_un address = unix_address(path);
  auto fail = [&](const char* step) {
    error = what + step + ": " + std::strerror(errno);
    if (errno == EADDRINUSE) error += " (something created the path meanwhile)";
    ::close(fd);
    return -1;
  };
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) return fail("bind");
  struct stat st {};
  if (::chmod(path.c_str(), mode) != 0 || ::lstat(path.c_str(), &st) != 0) {
    const int saved = errno;
    ::unlink(path.c_str());
    errno = saved;
    return fail("chmod");
  }
  if (::listen(fd, 64) != 0) {
    const int saved = errno;
    ::unlink(path.c_str());
    errno = saved;
    return fail("listen");
  }
  file = {path, st.st_dev, st.st_ino};
  return fd;
}

void remove_unix_socket(const UnixSocketFile& file) {
  if (file.path.empty()) return;
  struct stat st {};
  if (::lstat(file.path.c_str(), &st) != 0) return;
  if (S_ISSOCK(st.st_mode) && st.st_dev == file.device && st.st_ino == file.inode) ::unlink(file.path.c_str());
}

}  // namespace dnsd
