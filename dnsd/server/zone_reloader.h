// Loads the zones directory (or one zone file) into a ZoneSet, at start-up and
// on every reload. A file that fails to load never takes its zone away: the
// last good version of that file stays in the set until the file is fixed, the
// way CoreDNS and Knot reload. Publishing is the server's job.
#pragma once

#include <memory>
#include <string>

#include "dnsd/server/reload_report.h"
#include "zones/json_loader.h"
#include "zones/transfer_policy.h"
#include "zones/zone_file_cache.h"
#include "zones/zone_set.h"

namespace dnsd {

/// The catalog zone (RFC 9432) `dnsd serve --catalog` adds: its name and who
/// may transfer it and hears of its versions.
struct CatalogConfig {
  std::string name;  ///< empty: no catalog
  zones::TransferPolicy transfer;
};

/// A ZoneSet ready to publish, with what loading it did.
struct ZoneLoad {
  std::shared_ptr<const zones::ZoneSet> set;  ///< null when nothing could be read
  ReloadReport report;                        ///< published stays false: the publisher sets it
};

/// Owns "the last good zone of each file". One thread at a time (the reload
/// thread, or the main thread before it starts).
class ZoneReloader {
 public:
  /// Serves the zone files at `path`, plus `catalog` when it has a name.
  explicit ZoneReloader(std::string path, CatalogConfig catalog = {});

  /// Loads the directory (or single file) into a set of every zone that
  /// loaded, plus the last good version of every file that now fails. Files
  /// removed from the directory are left out. Only files whose contents
  /// changed are parsed again. Blocks while parsing; never on the query path.
  ZoneLoad load(const zones::LoadOptions& options = {});

  /// Records that `set` (from load()) was published: its zones are now each
  /// file's last good version.
  void published(std::shared_ptr<const zones::ZoneSet> set) { published_ = std::move(set); }

  /// The directory or file being served.
  const std::string& path() const { return path_; }

 private:
  /// Appends the catalog zone listing every zone of `set` (the same Zone
  /// object while the list stays the same, so it only gets a new version
  /// when the list changes).
  std::shared_ptr<const zones::ZoneSet> with_catalog(const zones::ZoneSet& set, ReloadReport& report);

  std::string path_;
  CatalogConfig catalog_;
  std::vector<std::string> catalog_members_;
  std::shared_ptr<const zones::Zone> catalog_zone_;
  std::shared_ptr<const zones::ZoneSet> published_;
  zones::ZoneFileCache cache_;  ///< each file's last bytes and load result
};

}  // namespace dnsd
