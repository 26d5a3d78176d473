#include "dnsd/server/zone_watcher.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "dnsd/server/log.h"
#include "dnsd/server/server.h"

namespace dnsd {
namespace {

/// How many changed names one "reloading" log line lists.
constexpr size_t kNamesLogged = 3;
/// How often to look for a zones directory that disappeared.
constexpr uint64_t kRetryMs = 1000;

}  // namespace

ZoneWatcher::ZoneWatcher(const std::string& zones_path, ReloadDebounce debounce)
    : target_(WatchTarget::for_zones_path(zones_path)), before_load_(target_.stamp()), debounce_(debounce) {}

bool ZoneWatcher::start(Server& server) {
  server_ = &server;
  uv_loop_t* loop = server.main_loop();
  uv_fs_event_init(loop, &event_);
  uv_timer_init(loop, &quiet_timer_);
  uv_timer_init(loop, &retry_timer_);
  for (uv_handle_t* h : {reinterpret_cast<uv_handle_t*>(&event_), reinterpret_cast<uv_handle_t*>(&quiet_timer_),
                         reinterpret_cast<uv_handle_t*>(&retry_timer_)})
    h->data = this;
  started_ = true;

  std::string error;
  if (!arm(error)) {
    // Serving matters more than watching (the inotify watch limit may be used
    // up by other programs): keep trying, and say how to reload meanwhile.
    log_error("cannot watch %s for zone file changes: %s; retrying every %llu ms (meanwhile reload with "
              "SIGHUP or `dnsd ctl reload`)",
              target_.directory.c_str(), error.c_str(), static_cast<unsigned long long>(kRetryMs));
    uv_timer_start(&retry_timer_, on_retry, kRetryMs, kRetryMs);
    return true;
  }
  if (target_.file_name.empty())
    log_info("watching %s for zone file changes", target_.directory.c_str());
  else
    log_info("watching %s/%s for changes", target_.directory.c_str(), target_.file_name.c_str());
  // Start-up loaded the files between the constructor and the watch: what
  // changed in that window has no event, so compare.
  if (!(target_.stamp() == before_load_)) schedule(nullptr);
  before_load_ = {};
  return true;
}

void ZoneWatcher::stop() {
  if (!started_) return;
  started_ = false;
  armed_ = false;
  for (uv_handle_t* h : {reinterpret_cast<uv_handle_t*>(&event_), reinterpret_cast<uv_handle_t*>(&quiet_timer_),
                         reinterpret_cast<uv_handle_t*>(&retry_timer_)})
    if (!uv_is_closing(h)) uv_close(h, nullptr);
  server_ = nullptr;
}

bool ZoneWatcher::arm(std::string& error) {
  // stat before the watch: if the directory is swapped in between, the next
  // event sees an identity mismatch and re-arms, rather than never noticing.
  struct stat st{};
  if (::stat(target_.directory.c_str(), &st) != 0) {
    error = std::strerror(errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    error = "not a directory";
    return false;
  }
  if (armed_) uv_fs_event_stop(&event_);
  armed_ = false;
  int rc = uv_fs_event_start(&event_, on_fs_event, target_.directory.c_str(), 0);
  if (rc != 0) {
    error = uv_strerror(rc);
    return false;
  }
  armed_ = true;
  watched_dev_ = st.st_dev;
  watched_ino_ = st.st_ino;
  return true;
}

void ZoneWatcher::check_directory() {
  struct stat st{};
  if (::stat(target_.directory.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    if (armed_) {
      uv_fs_event_stop(&event_);
      armed_ = false;
      log_warn("%s is gone; looking for it every %llu ms", target_.directory.c_str(),
               static_cast<unsigned long long>(kRetryMs));
    }
    if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&retry_timer_)))
      uv_timer_start(&retry_timer_, on_retry, kRetryMs, kRetryMs);
    return;
  }
  if (armed_ && st.st_dev == watched_dev_ && st.st_ino == watched_ino_) return;
  std::string error;
  if (arm(error)) {
    uv_timer_stop(&retry_timer_);
    log_info("%s was replaced; watching the new one", target_.directory.c_str());
  } else {
    log_warn("cannot watch %s again: %s; looking for it every %llu ms", target_.directory.c_str(), error.c_str(),
             static_cast<unsigned long long>(kRetryMs));
    if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&retry_timer_)))
      uv_timer_start(&retry_timer_, on_retry, kRetryMs, kRetryMs);
  }
}

void ZoneWatcher::on_fs_event(uv_fs_event_t* handle, const char* filename, int /*events*/, int status) {
  auto* self = static_cast<ZoneWatcher*>(handle->data);
  if (status < 0) {
    log_warn("watching %s: %s", self->target_.directory.c_str(), uv_strerror(status));
    return;
  }
  if (self->target_.concerns(filename)) self->schedule(filename);
}

void ZoneWatcher::schedule(const char* name) {
  std::string shown = name && name != target_.directory_name() ? target_.directory + "/" + name : target_.directory;
  if (std::find(changed_.begin(), changed_.end(), shown) == changed_.end()) {
    if (changed_.size() < kNamesLogged)
      changed_.push_back(std::move(shown));
    else
      more_changed_ = true;
  }
  uv_loop_t* loop = event_.loop;
  const uint64_t now = uv_now(loop);
  const uint64_t at = debounce_.on_event(now);
  uv_timer_start(&quiet_timer_, on_quiet, at > now ? at - now : 0, 0);
}

void ZoneWatcher::on_quiet(uv_timer_t* timer) { static_cast<ZoneWatcher*>(timer->data)->reload_now(); }

void ZoneWatcher::on_retry(uv_timer_t* timer) {
  auto* self = static_cast<ZoneWatcher*>(timer->data);
  std::string error;
  if (!self->arm(error)) return;  // still gone: try again next time
  uv_timer_stop(timer);
  log_info("watching %s again", self->target_.directory.c_str());
  self->schedule(nullptr);  // whatever changed while it was gone
}

void ZoneWatcher::reload_now() {
  debounce_.reset();
  std::string what;
  for (const std::string& name : changed_) what += (what.empty() ? "" : ", ") + name;
  if (more_changed_) what += " and more";
  changed_.clear();
  more_changed_ = false;
  log_info("zone files changed (%s); reloading", what.c_str());
  check_directory();
  if (server_) server_->request_reload();  // the reload thread parses; the main loop and workers go on
}

}  // namespace dnsd
