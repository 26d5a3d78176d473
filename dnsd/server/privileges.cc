#include "dnsd/server/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "zones/zone_directory.h"

namespace dnsd {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

bool find_user(const std::string& name, RunAs& out, std::string& error) {
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? size_t(size) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  uid_t uid = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), uid);
  const bool numeric = !name.empty() && ec == std::errc() && end == name.data() + name.size();
  for (;;) {
    const int rc = numeric ? ::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found)
                           : ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (rc == ERANGE) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (rc != 0) {
      error = "--user " + name + ": cannot read the user database: " + errno_text(rc);
      return false;
    }
    break;
  }
  if (found == nullptr) {
    error = "--user " + name + ": no such user";
    return false;
  }
  out.name = entry.pw_name;
  out.uid = entry.pw_uid;
  out.gid = entry.pw_gid;
  return true;
}

std::string switch_problem(const RunAs& user) {
  if (::geteuid() == 0) return "";
  if (::getuid() == user.uid && ::geteuid() == user.uid && ::getgid() == user.gid && ::getegid() == user.gid)
    return "";
  return "--user " + user.name + ": dnsd must start as root to switch users (it runs as uid " +
         std::to_string(::geteuid()) + ")";
}

bool drop_privileges(const RunAs& user, std::string& error) {
  const std::string who = "--user " + user.name + ": ";
  if (::geteuid() != 0) {
    error = switch_problem(user);
    return error.empty();
  }
  // Groups first: once the uid is not root, they can no longer be changed.
  if (::initgroups(user.name.c_str(), user.gid) != 0) {
    error = who + "initgroups: " + errno_text(errno);
    return false;
  }
  if (::setresgid(user.gid, user.gid, user.gid) != 0) {
    error = who + "setresgid(" + std::to_string(user.gid) + "): " + errno_text(errno);
    return false;
  }
  if (::setresuid(user.uid, user.uid, user.uid) != 0) {
    error = who + "setresuid(" + std::to_string(user.uid) + "): " + errno_text(errno);
    return false;
  }
  // Check rather than trust: every id, and that there is no way back.
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  if (::getresuid(&ruid, &euid, &suid) != 0 || ::getresgid(&rgid, &egid, &sgid) != 0 || ruid != user.uid ||
      euid != user.uid || suid != user.uid || rgid != user.gid || egid != user.gid || sgid != user.gid) {
    error = who + "the switch did not take on every id";
    return false;
  }
  if (user.uid != 0 && (::setuid(0) == 0 || ::seteuid(0) == 0)) {
    error = who + "root could still be regained after the switch";
    return false;
  }
  return true;
}

bool prepare_state_dir(const std::string& dir, const RunAs* owner, std::string& error) {
  if (::mkdir(dir.c_str(), 0750) != 0) {
    if (errno == EEXIST) {
      struct stat st{};
      if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return true;
      error = dir + ": exists and is not a directory";
      return false;
    }
    error = dir + ": cannot create: " + errno_text(errno);
    return false;
  }
  if (owner != nullptr && ::geteuid() == 0 && ::chown(dir.c_str(), owner->uid, owner->gid) != 0) {
    error = dir + ": cannot hand it to " + owner->name + ": " + errno_text(errno);
    return false;
  }
  return true;
}

std::string write_problem(const std::string& dir) {
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0) return dir + ": " + errno_text(errno);
  if (!S_ISDIR(st.st_mode)) return dir + ": not a directory";
  // access() checks the real ids, which after drop_privileges are the effective ones too.
  if (::access(dir.c_str(), W_OK | X_OK) != 0) return dir + ": " + errno_text(errno);
  return "";
}

std::string read_problem(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return path + ": " + errno_text(errno);
  if (!S_ISDIR(st.st_mode)) return ::access(path.c_str(), R_OK) == 0 ? "" : path + ": " + errno_text(errno);
  if (::access(path.c_str(), R_OK | X_OK) != 0) return path + ": " + errno_text(errno);
  std::vector<std::string> files;
  std::string error;
  if (!zones::list_zone_files(path, files, error)) return path + ": " + error;
  for (const std::string& file : files)
    if (::access(file.c_str(), R_OK) != 0) return file + ": " + errno_text(errno);
  return "";
}

}  // namespace dnsd
