#include "dnsd/server/watch_target.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>

namespace dnsd {
namespace {

bool is_zone_file_name(std::string_view name) {
  constexpr std::string_view kSuffix = ".json";
  return name.size() > kSuffix.size() && name.front() != '.' &&
         name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0;
}

std::string without_trailing_slashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

WatchTarget::Stamp::Entry entry_of(std::string name, const std::string& path) {
  WatchTarget::Stamp::Entry e;
  e.name = std::move(name);
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return e;  // gone or dangling: all zero
  e.device = st.st_dev;
  e.inode = st.st_ino;
  e.size = uint64_t(st.st_size);
  e.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  e.ctime_ns = int64_t(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  return e;
}

}  // namespace

WatchTarget WatchTarget::for_zones_path(const std::string& zones_path) {
  WatchTarget target;
  struct stat st{};
  if (::stat(zones_path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    target.directory = without_trailing_slashes(zones_path);
    return target;
  }
  const std::string path = without_trailing_slashes(zones_path);
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return WatchTarget{".", path};
  return WatchTarget{slash == 0 ? std::string("/") : path.substr(0, slash), path.substr(slash + 1)};
}

std::string_view WatchTarget::directory_name() const {
  std::string_view dir(directory);
  const size_t slash = dir.rfind('/');
  return slash == std::string_view::npos ? dir : dir.substr(slash + 1);
}

bool WatchTarget::concerns(const char* name) const {
  if (name == nullptr) return true;
  const std::string_view n(name);
  if (n == "..data" || n == directory_name()) return true;
  return file_name.empty() ? is_zone_file_name(n) : n == file_name;
}

WatchTarget::Stamp WatchTarget::stamp() const {
  Stamp stamp;
  // The directory only by identity: its times change with every editor swap file.
  Stamp::Entry self = entry_of(".", directory);
  self.size = 0;
  self.mtime_ns = self.ctime_ns = 0;
  stamp.entries.push_back(self);
  std::vector<std::string> names;
  if (DIR* dir = ::opendir(directory.c_str())) {
    while (const dirent* d = ::readdir(dir))
      if (std::string_view(d->d_name) != directory_name() && concerns(d->d_name)) names.emplace_back(d->d_name);
    ::closedir(dir);
  }
  std::sort(names.begin(), names.end());
  for (std::string& name : names) {
    std::string path = directory + "/" + name;
    stamp.entries.push_back(entry_of(std::move(name), path));
  }
  return stamp;
}

}  // namespace dnsd
