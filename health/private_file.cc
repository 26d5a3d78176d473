#include "health/private_file.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace dnsd::health {
namespace {

/// "64 KiB", "1 MiB": a size limit as people write it.
std::string size_text(size_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

bool read_private_file(const std::string& path, size_t max_size, const char* what, std::string& text,
                       std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  bool ok = ::fstat(fd, &st) == 0;
  if (!ok) {
    error = path + ": " + std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    error = path + ": not a regular file";
    ok = false;
  } else if ((st.st_mode & (S_IRWXO | S_IWGRP)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", unsigned(st.st_mode & 07777));
    error = path + ": holds secrets but its mode is " + mode + "; chmod 600 (or 640) it";
    ok = false;
  } else if (size_t(st.st_size) > max_size) {
    error = path + ": larger than " + size_text(max_size) + "; not " + what;
    ok = false;
  }
  char buffer[4096];
  while (ok) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = path + ": " + std::strerror(errno);
      ok = false;
    }
    if (n <= 0) break;
    text.append(buffer, size_t(n));
  }
  explicit_bzero(buffer, sizeof buffer);
  ::close(fd);
  return ok;
}

}  // namespace dnsd::health
