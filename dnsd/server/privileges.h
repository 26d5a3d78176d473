// Least privilege for `dnsd serve --user NAME`, for when dnsd is started as
// root by a supervisor other than systemd or in a container: it binds its
// sockets as root (port 53, a low control port), then switches for good to
// NAME's uid, gid and supplementary groups before it reads the state
// directory or the zones, starts a thread or answers a packet. Under systemd,
// User= with AmbientCapabilities=CAP_NET_BIND_SERVICE does the same without
// root at all (examples/dnsd.service).
//
// What the user needs afterwards: to read the zones (reloads read them again)
// and to write --state-dir and the --status-file's directory. dnsd makes a
// missing state directory itself, owned by the user, and refuses to start
// when the user cannot read or write what it must, rather than failing at
// the first reload or drain.
#pragma once

#include <sys/types.h>

#include <string>

namespace dnsd {

/// The account `--user` names.
struct RunAs {
  std::string name;  ///< as given, or the numeric uid's name
  uid_t uid = 0;
  gid_t gid = 0;     ///< the account's primary group
};

/// Looks `name` up in the user database (a user name, or a numeric uid).
/// False with `error` ("no such user") when there is none. Any thread.
bool find_user(const std::string& name, RunAs& out, std::string& error);

/// Why this process cannot become `user` ("" when it can: it runs as root,
/// or already is that user). Any thread.
std::string switch_problem(const RunAs& user);

/// Switches for good to `user`: supplementary groups (initgroups), then the
/// real, effective and saved gid, then uid; then checks that every id is the
/// user's and that setuid(0) now fails. False with `error` on any failure (the process must then exit).
/// glibc applies set*id to every thread, but call it on the main thread
/// before other threads start. A no-op success when already `user`.
bool drop_privileges(const RunAs& user, std::string& error);

/// Creates `dir` if missing (mode 0750), and hands it to `owner` (may be
/// null: left as made) when this process made it as root. An existing
/// directory is left as it is. False with `error` naming it. Any thread.
bool prepare_state_dir(const std::string& dir, const RunAs* owner, std::string& error);

/// Why the current user cannot create and replace files in `dir` ("" when it
/// can), e.g. "/var/lib/dnsd: Permission denied". Any thread.
std::string write_problem(const std::string& dir);

/// Why the current user cannot read the zones at `path` ("" when it can): a
/// directory must be listable and each zone file in it readable; a single
/// file readable. Names the first file that fails. Any thread.
std::string read_problem(const std::string& path);

}  // namespace dnsd
