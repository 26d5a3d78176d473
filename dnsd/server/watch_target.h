// What the zone watcher watches, and which file events can change the zones.
// inotify (under uv_fs_event) reports changes to the names in a directory, so
// a zones directory is watched itself and a single zone file through its
// directory: that is the only way to see a save by rename, which replaces the
// file's inode. Names that cannot be zone files (editor swap, backup and temp
// files) are ignored, so vim's swap file writes do not trigger reloads. Pure
// apart from one stat(); any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dnsd {

/// The directory to watch and, for a single zone file, its name in it.
struct WatchTarget {
  std::string directory;  ///< watched with uv_fs_event; no trailing slash
  std::string file_name;  ///< the one zone file's name; empty when serving a whole directory

  /// The target for `dnsd serve --zones PATH`: PATH itself when it is (or links
  /// to) a directory; otherwise PATH's directory ("." when it has none), with
  /// file_name = PATH's last component.
  static WatchTarget for_zones_path(const std::string& zones_path);

  /// Whether an event on `name` (a name in `directory`, as uv_fs_event reports
  /// it; null when unknown) may change what is served:
  ///  - directory mode: a zone file name (`*.json`, not starting with '.', as
  ///    zones::list_zone_files lists them); file mode: exactly file_name;
  ///  - `..data`, the link Kubernetes swaps to update a mounted ConfigMap;
  ///  - the directory's own name, which inotify reports when the directory
  ///    itself is moved or deleted (the watcher then re-arms);
  ///  - an unknown name (null), to be safe.
  bool concerns(const char* name) const;

  /// The directory's last path component (what inotify reports for events on
  /// the directory itself).
  std::string_view directory_name() const;

  /// One stat() of the directory and of every name concerns() accepts in it.
  /// Two stamps differ when a zone file was written, replaced, added or removed
  /// between them (barring two same-size writes within one file system clock
  /// tick). The watcher compares a stamp taken before the first load with one
  /// taken once its watch is armed, so a change in between is not missed.
  struct Stamp {
    struct Entry {
      std::string name;
      uint64_t device = 0, inode = 0, size = 0;
      int64_t mtime_ns = 0, ctime_ns = 0;
      bool operator==(const Entry&) const = default;
    };
    std::vector<Entry> entries;  ///< the directory itself first, then its zone files by name
    bool operator==(const Stamp&) const = default;
  };
  Stamp stamp() const;
};

}  // namespace dnsd
