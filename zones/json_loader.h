// Reads one zone from its JSON file (format: zones/FORMAT.md) and builds it.
// JSON and rdata errors stop here and become "FILE: /json/pointer: message";
// nothing past the loader throws.
#pragma once

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "zones/zone.h"

namespace dnsd::zones {

/// One problem found in a zone file, located by RFC 6901 JSON pointer.
struct LoadError {
  std::string file;     ///< path as given
  std::string pointer;  ///< e.g. "/records/www/A/1"; "" for the whole document
  std::string message;  ///< what is wrong, in words an operator understands
  /// "FILE: /pointer: message", the one format every tool prints; the whole
  /// document's pointer "" is shown as "(root)".
  std::string to_string() const;
};

/// How a pointer is shown to people: itself, or "(root)" for "" (the whole
/// document), which would otherwise print as an empty field. Any thread.
std::string pointer_for_display(const std::string& pointer);

/// How a load runs. Zone data is plain data: nothing here binds live state.
struct LoadOptions {
  /// When set and true, the load stops early with a "cancelled" error (a
  /// server shutting down during a long reload). Read with relaxed loads.
  const std::atomic<bool>* cancel = nullptr;
  /// When set, the TSIG keys the server knows (canonical names: lowercase,
  /// one trailing dot), and a zone's "transfer"/"tsig" must name one of them.
  /// Unset (as for `dnsd check`), any well-formed key name passes.
  const std::set<std::string>* tsig_keys = nullptr;
  /// False skips the one-pass streaming read (zones/zone_stream_reader.h) and
  /// always reads the file through its whole JSON document, the way errors
  /// are found: tests load files both ways and compare.
  bool stream = true;
};

/// The message of the one error a cancelled load reports.
inline constexpr const char* kLoadCancelled = "load cancelled: the server is shutting down";

/// Result of loading one file: a zone, or the errors that prevented it.
struct LoadResult {
  std::shared_ptr<const Zone> zone;  ///< null when errors is non-empty
  std::vector<LoadError> errors;
  /// Things that load but are probably not what the author meant (zones/zone_lint.h);
  /// they never stop a zone from loading.
  std::vector<LoadError> warnings;
};

/// Parses and validates JSON text; `file` names it in errors. Any thread; no globals.
LoadResult load_zone_json(std::string_view text, const std::string& file, const LoadOptions& options = {});

/// Reads a zone file's bytes into `text`. False, with the reason as the one
/// error of `failure` (file = path, pointer ""), when it is a directory or
/// cannot be opened or read. Any thread.
bool read_zone_file(const std::string& path, std::string& text, LoadResult& failure);

/// Reads and loads one file.
LoadResult load_zone_file(const std::string& path, const LoadOptions& options = {});

}  // namespace dnsd::zones
