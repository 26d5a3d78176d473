// What a zone load or reload did, and the history of them: plain data for
// logs, the control API's status and the metrics. No server types, so the
// control plane can read reports without depending on the server.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "zones/json_loader.h"

namespace dnsd {

/// A zone file that failed while an earlier version of it still serves.
struct KeptZone {
  std::string file;
  std::string origin;  ///< presentation form, e.g. "example.test."
  uint32_t serial = 0;
};

/// What one load or reload did.
struct ReloadReport {
  /// False when nothing was published: the directory could not be read, or
  /// the server is shutting down.
  bool published = false;
  size_t files = 0;      ///< zone files found
  size_t loaded = 0;     ///< files that loaded now
  size_t unchanged = 0;  ///< files not parsed again: same bytes as at the last reload
  size_t failed = 0;     ///< files with errors (some of them kept, see kept)
  size_t zones = 0;      ///< zones in the published snapshot
  size_t new_targets = 0;       ///< checked targets the snapshot added (probed before it was published)
  size_t new_unprobed = 0;      ///< of those, how many still had no result when it was published
  std::vector<KeptZone> kept;            ///< failed files still served from their last good version
  std::vector<zones::LoadError> errors;  ///< every error, as `FILE: /pointer: message`
  std::vector<zones::LoadError> warnings;  ///< warnings of the files parsed now (zones/zone_lint.h)
};

/// Every load and reload so far (start-up included), for status and metrics.
struct ReloadHistory {
  uint64_t ok = 0;      ///< published, and every file loaded
  uint64_t failed = 0;  ///< some file failed, or nothing could be published
  ReloadReport last;    ///< the latest report; meaningful when last_at_ms != 0
  uint64_t last_at_ms = 0;        ///< Unix ms when the latest one finished; 0 before the first
  double last_duration_ms = 0;    ///< how long it took (parse, build, first probes, publish)
};

}  // namespace dnsd
