// The first step of `dnsd import`: reading an RFC 1035 master file into ldns
// records, in file order, each with the file and line it came from. ldns
// parses record by record ($ORIGIN, $TTL, parentheses, comments); $INCLUDE,
// which ldns reports but does not follow, is followed here. Also holds the
// small ldns helpers the converter and the writer share. Any thread; each
// reader belongs to one import.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

// After the standard headers: ldns's headers redefine bool, true and false.
#include "zones/ldns.h"

#include "zones/name.h"
#include "zones/zone_importer.h"

namespace dnsd::zones::importer {

/// ldns's own default when a file has no $TTL (LDNS_DEFAULT_TTL).
inline constexpr uint32_t kDefaultTtl = 3600;
/// Completes relative names while no origin is known, so that a file using one
/// without $ORIGIN or --origin is reported instead of landing under the root.
inline constexpr const char* kNoOrigin = "origin-unknown.dnsd-import.invalid.";

/// Frees an ldns_rdf, so that ldns values are owned like any other. Any thread.
struct RdfFree {
  void operator()(ldns_rdf* p) const { ldns_rdf_deep_free(p); }
};
/// Frees an ldns_rr. Any thread.
struct RrFree {
  void operator()(ldns_rr* p) const { ldns_rr_free(p); }
};
/// An owned ldns name or rdata field.
using RdfPtr = std::unique_ptr<ldns_rdf, RdfFree>;
/// An owned ldns record.
using RrPtr = std::unique_ptr<ldns_rr, RrFree>;

/// A dname rdf as dnsd's Name (wire form, case kept), so dnsd's name rules
/// apply to what ldns read. Any thread.
Name name_of(const ldns_rdf* rdf);

/// An rdf in ldns's presentation form ("" if ldns cannot print it), for
/// messages and for the text the writer tries first. Any thread.
std::string rdf_text(const ldns_rdf* rdf);

/// A record's uncompressed wire rdata, the rdfs back to back: what dnsd's
/// loader must reproduce from the JSON. Any thread.
std::string rdata_wire(const ldns_rr* rr);

/// The origin the reader starts with: `option` (the --origin value, a final
/// dot added if missing), or kNoOrigin when `option` is empty; null if
/// `option` is not a name. Any thread.
RdfPtr start_origin(const std::string& option);

/// Reads a whole file into `text`; false with `error` set (strerror's words)
/// if it cannot. Used for the zone file and for every $INCLUDE. Any thread.
bool read_text_file(const std::string& path, std::string& text, std::string& error);

/// One record as ldns read it, and where, so that every later message can
/// point at the operator's own line.
struct SourceRecord {
  RrPtr rr;          ///< the record; class IN (others are skipped while reading)
  std::string file;  ///< the zone file or the $INCLUDEd file it came from
  int line = 0;      ///< 1-based line where the record starts
};

/// Reads a master file and the files it includes into records, in file order.
/// Syntax errors and unsupported directives go to the result's errors, records
/// of a class other than IN to its warnings and dropped records. One import's thread.
class ZoneFileReader {
 public:
  /// `result` receives the messages; it must outlive the reader.
  explicit ZoneFileReader(ImportResult& result) : result_(result) {}

  /// Reads `text`, the contents of `file`, starting at `origin` with default
  /// TTL `ttl`; `depth` counts the $INCLUDEs that led here (0 for the zone file).
  void read(const std::string& file, std::string_view text, const ldns_rdf* origin, uint32_t ttl, int depth);

  /// Everything read so far, in file order with included files in place.
  std::vector<SourceRecord>& records() { return records_; }

 private:
  void include(const std::string& file, int line, std::string_view text, size_t start, const ldns_rdf* origin,
               uint32_t ttl, int depth);
  void error(const std::string& file, int line, std::string message);
  void warning(const std::string& file, int line, std::string message);

  ImportResult& result_;
  std::vector<SourceRecord> records_;
};

}  // namespace dnsd::zones::importer
