// Converts an RFC 1035 master file (as BIND, NSD and Knot read it) into dnsd's
// JSON zone format (zones/FORMAT.md), so operators can move existing zones over
// with `dnsd import`. ldns parses the file; the importer groups RRsets, applies
// the rules dnsd's loader enforces, and writes JSON that loads back to exactly
// the same records (every record is checked by parsing its output text again,
// and the whole result by loading it). Any thread; no shared state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dnsd::zones {

/// One message about the input, located in a zone file or a file it $INCLUDEs.
struct ImportMessage {
  std::string file;     ///< path as given or as resolved for $INCLUDE
  int line = 0;         ///< 1-based line where the record starts; 0 for the file as a whole
  std::string message;  ///< what happened, in an operator's words
  /// "FILE:LINE: message", or "FILE: message" when line is 0.
  std::string to_string() const;
};

/// One record the import leaves out of the JSON because dnsd cannot serve it
/// (DNAME, DNSSEC signatures, a class other than IN, a name outside the zone,
/// ...). Duplicates are not dropped records: their data is kept once.
struct DroppedRecord {
  std::string file;    ///< where the record is
  int line = 0;        ///< 1-based line where it starts
  std::string type;    ///< e.g. "DNAME"
  std::string owner;   ///< e.g. "old.example.test."
  std::string reason;  ///< why dnsd cannot serve it
  /// "the TYPE record at OWNER: reason".
  std::string what() const;
  /// "FILE:LINE: " and what().
  std::string to_string() const;
};

/// What the caller knows that the file may not say.
struct ImportOptions {
  /// The zone's origin ("example.test."), as a server's configuration would give
  /// it; relative names before any $ORIGIN are completed with it. Empty: the
  /// file must set $ORIGIN before its first relative name, and the SOA owner
  /// becomes the origin.
  std::string origin;
};

/// Result of one import. `json` is set only when `errors` is empty.
struct ImportResult {
  std::string json;                    ///< the zone, pretty-printed, ending in a newline
  std::vector<ImportMessage> warnings; ///< records skipped or adjusted; the JSON is still valid
  /// Every record left out, in reading order; the warnings say the same, by type and reason.
  std::vector<DroppedRecord> dropped;
  std::vector<ImportMessage> errors;   ///< why there is no JSON
  bool ok() const { return errors.empty(); }
};

/// Imports the zone file at `path`. $INCLUDE paths are resolved relative to the
/// directory of the file that includes them (as Knot does).
ImportResult import_zone_file(const std::string& path, const ImportOptions& options = {});

/// Imports zone-file text; `file` names it in messages and anchors $INCLUDE.
ImportResult import_zone_text(std::string_view text, const std::string& file, const ImportOptions& options = {});

}  // namespace dnsd::zones
