// Loads the zones directory and publishes it as a snapshot, at start-up and on
// every reload (SIGHUP, the zone watcher, `dnsd ctl reload`). A file
// that fails to load never takes its zone away: the last good version of that
// file keeps serving until the file is fixed, the way CoreDNS and Knot reload.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "zones/json_loader.h"
#include "zones/zone.h"
#include "zones/zone_file_cache.h"
#include "zones/zone_set.h"
#include "zones/zone_store.h"

namespace dnsd {

/// A zone file that failed while an earlier version of it still serves.
struct KeptZone {
  std::string file;
  std::string origin;  ///< presentation form, e.g. "example.test."
  uint32_t serial = 0;
};

/// What one load or reload did. Plain data for logs, status and metrics.
struct ReloadReport {
  /// False when the directory itself could not be read; nothing was published.
  bool published = false;
  size_t files = 0;   ///< zone files found
  size_t loaded = 0;  ///< files that loaded now
  size_t unchanged = 0;  ///< files not parsed again: same bytes as at the last reload
  size_t failed = 0;  ///< files with errors (some of them kept, see kept)
  size_t zones = 0;   ///< zones in the published snapshot
  std::vector<KeptZone> kept;           ///< failed files still served from their last good version
  std::vector<zones::LoadError> errors;  ///< every error, as `FILE: /pointer: message`
};

/// Code that must run around every publish: the prober probes members a load
/// just bound before they are served, and learns what is published after.
/// Both run on the reloading thread, under the reloader's mutex.
struct PublishHooks {
  std::function<void(const zones::ZoneSet&)> before;  ///< after loading, before publishing
  std::function<void(const zones::ZoneSet&)> after;   ///< right after publishing
};

/// Owns "the last good zone of each file". Reloads are serialised by a mutex,
/// so any non-worker thread (main loop, control API, watcher) may call reload().
class ZoneReloader {
 public:
  /// `store` outlives the reloader; `options` bind pool members to live health state.
  ZoneReloader(std::string path, zones::ZoneStore& store, zones::LoadOptions options = {},
               PublishHooks hooks = {});

  /// Loads the directory (or single file) and publishes a snapshot of every zone
  /// that loaded, plus the last good version of every file that now fails. Files
  /// removed from the directory stop being served. Only files whose contents
  /// changed are parsed again. Blocks while parsing. Any
  /// non-worker thread; never called on the query path.
  ReloadReport reload();

  /// The directory or file being served.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  zones::ZoneStore& store_;
  zones::LoadOptions options_;
  PublishHooks hooks_;
  std::mutex mutex_;
  /// The snapshot this reloader published last (its zones are each file's last
  /// good version); guarded by mutex_.
  std::shared_ptr<const zones::ZoneSet> published_;
  /// Each file's last bytes and load result; guarded by mutex_.
  zones::ZoneFileCache cache_;
};

}  // namespace dnsd
