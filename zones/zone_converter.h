// The middle step of `dnsd import`: the records the reader found become dnsd's
// zone model (owners and RRsets), with the rules dnsd's loader enforces
// applied up front. What dnsd cannot serve is skipped with a warning; what no
// server should load is an error. The model is then rendered by the writer and
// loaded as `dnsd check` would; records the loader still refuses are skipped
// with its reason and the zone rendered again, so the output always loads.
// Any thread; every object here belongs to one import.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "zones/json_loader.h"
#include "zones/name.h"
#include "zones/zone_file_reader.h"
#include "zones/zone_importer.h"

namespace dnsd::zones::importer {

/// One RRset being collected: the records of one type at one owner, after
/// duplicates are dropped and the TTLs made one.
struct ImportedRRset {
  uint16_t type = 0;
  uint32_t ttl = 0;                          ///< the lowest TTL given (RFC 2181 5.2)
  std::vector<const SourceRecord*> records;  ///< file order, duplicates removed
  std::vector<std::string> canonical;        ///< parallel to records
};

/// One owner name with its RRsets: one key of the JSON "records" object.
struct ImportedOwner {
  Name name;  ///< as first written (case kept)
  std::map<uint16_t, ImportedRRset> rrsets;  ///< by type: the output order
};

/// The converted zone, what the writer renders: the origin, the SOA (which
/// gets its own JSON object) and every other record grouped by owner.
struct ImportedZone {
  Name origin;                                  ///< as given or as the SOA owner writes it
  const SourceRecord* soa = nullptr;            ///< set once the converter found exactly one
  std::map<std::string, ImportedOwner> owners;  ///< by lowercased wire name
};

/// Records dnsd's loader refused in an earlier rendering, with its reason:
/// the writer leaves them out of the next one.
using Refusals = std::map<const SourceRecord*, std::string>;

/// A message located at the record `r`, so the operator can find it. Any thread.
inline ImportMessage at(const SourceRecord& r, std::string message) {
  return ImportMessage{r.file, r.line, std::move(message)};
}

/// The warnings and errors of one import. Skipped records are tallied by type
/// and reason and reported once with a count, so a signed zone's thousands of
/// RRSIGs make one warning, not thousands. One import's thread.
class ImportLog {
  struct SkipTally {
    std::string file;  ///< where the first such record is
    int line = 0;
    std::string first_owner;
    std::string type;
    size_t count = 0;
  };

 public:
  /// Messages go to `result`, which must outlive the log.
  explicit ImportLog(ImportResult& result) : result_(result) {}

  /// Whether no error has been logged: the import can still give JSON.
  bool ok() const { return result_.ok(); }
  /// Logs a reason there will be no JSON.
  void error(ImportMessage m) { result_.errors.push_back(std::move(m)); }
  /// Logs a record skipped or adjusted; the JSON stays valid.
  void warning(ImportMessage m) { result_.warnings.push_back(std::move(m)); }

  /// Counts `r` as skipped for `reason` (one of the result's dropped
  /// records); reported by report_skips().
  void skip(const SourceRecord& r, const std::string& reason);
  /// Turns the skip tallies into warnings, one per type and reason.
  void report_skips();
  /// Puts the messages in reading order: `zone_file` first, then included
  /// files, each by line.
  void sort(const std::string& zone_file);

  /// The warnings and skips logged so far, to go back to with rewind() so
  /// that rendering again does not repeat what the last rendering said.
  struct Mark {
    size_t warnings = 0;
    size_t dropped = 0;
    std::map<std::string, SkipTally> skips;
  };
  /// Where the log stands now.
  Mark mark() const;
  /// Forgets warnings, skips and dropped records logged after `mark`.
  void rewind(const Mark& mark);

 private:
  ImportResult& result_;
  std::map<std::string, SkipTally> skips_;  ///< by type and reason
};

class ZoneJsonWriter;

/// Turns the records of one zone file into an ImportedZone, applies the
/// loader's rules, and drives the writer until the JSON loads; sets
/// `result.json` when it does. One import's thread; run() once per converter.
class ZoneConverter {
 public:
  /// `file` is the zone file as named in messages; `result` must outlive the converter.
  ZoneConverter(const std::string& file, ImportResult& result) : file_(file), log_(result), result_(result) {}

  /// Converts `records`, read in file order. `origin` is the zone's origin
  /// when the caller gave one; without it the SOA owner is the origin.
  void run(std::vector<SourceRecord> records, std::optional<Name> origin);

 private:
  // Finds the one SOA and settles the origin; false after an error.
  bool find_soa();
  // Groups records into owners and RRsets, skipping what dnsd cannot serve.
  void collect();
  void warn_if_origin_repeats(const SourceRecord& r);
  void add_to_rrset(ImportedOwner& owner, uint16_t type, const SourceRecord& r);
  // The loader's whole-zone rules: CNAME alone, DS only at a delegation, NS at the apex.
  void check_rules();
  // Renders and loads until the loader accepts the JSON.
  void convert();
  bool refuse(const std::vector<LoadError>& errors, const ZoneJsonWriter& writer);

  std::string file_;
  ImportLog log_;
  ImportResult& result_;
  bool origin_known_ = false;
  std::vector<SourceRecord> records_;  ///< owned here; the model points into it
  ImportedZone zone_;
  Refusals refused_;
};

}  // namespace dnsd::zones::importer
