// Remembers each zone file's bytes and load result, so a reload parses only
// the files whose contents changed. With hundreds of zones, saving one of them
// costs the parse of one. Files are compared by content, not by timestamps:
// two writes within one filesystem clock tick, or a copy that keeps the
// mtime, can never hide a change. A result is also tied to the TSIG key set
// it was checked against, so a changed key set re-checks every file. Owned by
// the reloader; one thread at a time (the reload thread).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "zones/json_loader.h"

namespace dnsd::zones {

/// Per-file load results keyed by path and contents.
class ZoneFileCache {
 public:
  /// The result of loading `path`: the remembered one when the file's bytes
  /// and options.tsig_keys are the same as last time (a broken file keeps
  /// reporting its errors), else
  /// a fresh parse. `reused` tells which. A file that cannot be read is
  /// forgotten and its read error returned.
  LoadResult load(const std::string& path, const LoadOptions& options, bool& reused);
  /// Forgets files not in `files` (removed from the directory).
  void retain(const std::vector<std::string>& files);
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string text;
    std::optional<std::set<std::string>> tsig_keys;  ///< the key set the result was checked against
    LoadResult result;
  };
  std::map<std::string, Entry> entries_;
};

}  // namespace dnsd::zones
