// Live reload: a Service that watches the zones directory and reloads shortly
// after a zone file changes, is added or is removed, however it was saved: in
// place, by rename over the old file (vim, most editors, atomic deploy tools),
// or by delete and create. inotify, through libuv's uv_fs_event on the
// server's main loop, reports the events; ReloadDebounce turns each save's
// burst of events into one reload; Server::request_reload() hands it to the
// reload thread, which parses, validates and publishes a new snapshot, so the
// main loop and the workers never wait, workers never see half a zone, and a
// broken file keeps its last good version.
//
// A single zone file (--zones FILE) is watched through its directory, filtered
// by name (watch_target.h). If the directory itself is moved or deleted, or
// cannot be watched, the watcher retries once a second and reloads when its
// watch is back. Not seen:
// edits to the target of a symlinked zone file that lives in another
// directory, and changes lost to an inotify queue overflow; SIGHUP or
// `dnsd ctl reload` covers those.
//
// Threads: everything runs on the main thread (start, stop, the callbacks).
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <string>
#include <vector>

#include "dnsd/server/reload_debounce.h"
#include "dnsd/server/service.h"
#include "dnsd/server/watch_target.h"

namespace dnsd {

/// Watches the zones path and calls Server::request_reload() on changes.
class ZoneWatcher : public Service {
 public:
  /// Construct before Server::run() (its first load): the watcher notes the
  /// zone files' state now, and start() reloads if they changed before its
  /// watch was armed. `debounce`: how long to wait for a burst of events to
  /// end (default 100 ms of quiet, at most 1 s). Main thread.
  explicit ZoneWatcher(const std::string& zones_path, ReloadDebounce debounce = ReloadDebounce());

  const char* name() const override { return "watcher"; }
  /// Starts watching. Never fails start-up: when the directory cannot be
  /// watched (e.g. the inotify watch limit is used up) it logs an error and
  /// retries once a second. Main thread.
  bool start(Server& server) override;
  /// Closes the watch and timers; the Server's main loop finishes the closing
  /// before this object is destroyed. Main thread.
  void stop() override;

 private:
  static void on_fs_event(uv_fs_event_t* handle, const char* filename, int events, int status);
  static void on_quiet(uv_timer_t* timer);
  static void on_retry(uv_timer_t* timer);

  /// (Re)starts the inotify watch on target_.directory and remembers which
  /// directory (device, inode) it watches. False with `error` on failure.
  bool arm(std::string& error);
  /// Re-arms when the watched directory was replaced; starts looking for it
  /// once a second when it is gone.
  void check_directory();
  /// Notes a change to `name` and (re)starts the debounce timer.
  void schedule(const char* name);
  /// The debounce timer fired: log what changed and reload.
  void reload_now();

  Server* server_ = nullptr;
  WatchTarget target_;
  WatchTarget::Stamp before_load_;  ///< the zone files as they were before the first load
  ReloadDebounce debounce_;
  uv_fs_event_t event_{};
  uv_timer_t quiet_timer_{};  ///< fires the debounced reload
  uv_timer_t retry_timer_{};  ///< while the directory is gone, looks for it again
  bool started_ = false;
  bool armed_ = false;
  dev_t watched_dev_ = 0;
  ino_t watched_ino_ = 0;
  std::vector<std::string> changed_;  ///< distinct names changed in this burst (first few)
  bool more_changed_ = false;         ///< more names changed than changed_ holds
};

}  // namespace dnsd
