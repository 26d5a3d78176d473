// Loads every zone file of a directory: the unit `dnsd serve`, `dnsd check`
// and live reload all work with. Runs on a loader/control thread, never a worker.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "zones/json_loader.h"
#include "zones/zone_set.h"

namespace dnsd::zones {

/// Outcome of loading a directory (or a single file).
struct DirectoryLoad {
  std::vector<std::string> files;     ///< every *.json considered, sorted
  std::vector<LoadResult> results;    ///< parallel to files
  std::vector<LoadError> errors;      ///< every error of every file, plus directory-level ones
                                      ///< (unreadable dir, two files with the same origin)
  /// True when every file loaded and no directory-level error occurred.
  bool ok() const { return errors.empty(); }
  /// A ZoneSet of the zones that loaded (ZoneSource carries each file name).
  std::shared_ptr<const ZoneSet> zone_set() const;
};

/// Loads `path`: every *.json directly inside it if it is a directory, or the one file. Any non-worker thread.
DirectoryLoad load_zone_directory(const std::string& path, const LoadOptions& options = {});

}  // namespace dnsd::zones
