// Loading every zone file of a directory at once: the one place that decides
// which files are zones, in what order, and what happens when two files claim
// the same origin. `dnsd check`, `dnsd serve` and live reload all use it, so
// they agree on what a valid directory is. Any non-worker thread (loading
// parses and allocates); no globals.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "zones/json_loader.h"
#include "zones/zone_file_cache.h"
#include "zones/zone_set.h"

namespace dnsd::zones {

/// Outcome of loading a set of zone files together.
struct DirectoryLoad {
  std::vector<std::string> files;   ///< the zone files, sorted by name
  std::vector<LoadResult> results;  ///< parallel to files; a zone is null when its file has errors
  /// Every error of every file, file by file, plus directory-level ones (an
  /// unreadable directory, reported with file = the directory).
  std::vector<LoadError> errors;
  /// The warnings of the files parsed by this load, file by file. A file
  /// reused from the cache is left out: its warnings were given when it was parsed.
  std::vector<LoadError> warnings;
  /// Files whose contents had not changed, so their last result was reused.
  size_t unchanged = 0;

  /// Whether every file loaded without error.
  bool ok() const { return errors.empty(); }
  /// Files that produced a zone.
  size_t zone_count() const;
  /// A ZoneSet of the zones that loaded (ZoneSource carries each file name);
  /// the same as build_zone_set(*this).
  std::shared_ptr<const ZoneSet> zone_set() const;
};

/// The zone files directly in `dir`: names ending in ".json", not starting with
/// "." (editor lock and temp files), regular files or links to them, sorted by
/// name. Returns false and sets `error` when the directory cannot be read.
bool list_zone_files(const std::string& dir, std::vector<std::string>& files, std::string& error);

/// Loads `files` in the given order. When a file declares an origin that an
/// earlier file already has, the later file gets an error at "/origin" and no
/// zone, so the result never depends on which duplicate a reader sees first.
/// With a `cache`, files unchanged since it last saw them are not parsed again
/// (and the cache forgets files no longer listed).
DirectoryLoad load_zone_files(const std::vector<std::string>& files, const LoadOptions& options = {},
                              ZoneFileCache* cache = nullptr);

/// Loads `path`: when it is a directory, list_zone_files then load_zone_files;
/// otherwise the one file (whatever its name). An unreadable directory is one
/// error with file = the directory and pointer "".
DirectoryLoad load_zone_directory(const std::string& path, const LoadOptions& options = {});

/// A snapshot of the zones that loaded, each with its file as ZoneSource.
/// With `previous`, a file that now has errors keeps the zone it had in
/// `previous` (matched by file name), unless a zone that loaded now took its
/// origin: a broken edit never takes a zone off the air. Files absent from
/// `load` drop out. Any thread; `previous` is only read.
std::shared_ptr<const ZoneSet> build_zone_set(const DirectoryLoad& load, const ZoneSet* previous = nullptr);

}  // namespace dnsd::zones
