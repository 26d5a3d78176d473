// A listening UNIX stream socket at a filesystem path, for `--control
// unix:PATH`: the socket file's mode is the access control (0660 like knotc's
// and nsd-control's sockets: the owner and dnsd's group may connect).
//
// Created safely: a path that exists and is not a socket (a regular file, a
// directory, a symlink) is never replaced; a socket someone still listens on
// is refused as in use; a stale socket (nobody accepts on it, e.g. left by a
// killed dnsd) is replaced. The file never has a wider mode than 0600 before
// it gets its final one. Removed again by remove_unix_socket only while it is
// still the socket this process bound.
#pragma once

#include <sys/types.h>

#include <string>

namespace dnsd {

/// Largest path a sockaddr_un holds (sun_path without its NUL).
inline constexpr size_t kMaxUnixSocketPath = 107;

/// Which file a bound socket is, so that shutdown removes only its own.
struct UnixSocketFile {
  std::string path;
  dev_t device = 0;
  ino_t inode = 0;
};

/// Binds and listens on a UNIX stream socket at `path` with `mode`, as
/// described above. Returns the listening descriptor (close-on-exec) and
/// fills `file`, or -1 with `error` naming the path and the reason. Main thread.
int listen_unix_socket(const std::string& path, mode_t mode, UnixSocketFile& file, std::string& error);

/// Unlinks `file.path` if it is still the socket `file` recorded (not a file
/// something else put there since). Any thread; call after closing the socket.
void remove_unix_socket(const UnixSocketFile& file);

}  // namespace dnsd
