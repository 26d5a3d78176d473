// The last step of `dnsd import`: rendering the converted zone as dnsd's JSON
// (zones/FORMAT.md). Each record becomes presentation text that is parsed back
// with the loader's own rdata parser and must give the same wire bytes; names
// are written relative to the origin where that reads back the same. The
// writer remembers which records it wrote at which JSON pointer, so that a
// load error can be traced back to a line of the zone file. Any thread; each
// writer belongs to one import.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "zones/name.h"
#include "zones/zone_converter.h"
#include "zones/zone_file_reader.h"

namespace dnsd::zones::importer {

/// Whether `name` ends in `origin` twice (www.example.test.example.test.):
/// what a zone file gives when a trailing dot was forgotten. Written
/// relative, such a name reads as a mistake to dnsd's loader, so the writer
/// writes it absolute and the converter warns about it. Any thread.
bool repeats_origin(const Name& name, const Name& origin);

/// Renders one ImportedZone as JSON text, as often as the converter asks.
/// One import's thread.
class ZoneJsonWriter {
 public:
  /// `zone` and `log` must outlive the writer; records that cannot be written
  /// are logged as skips, warnings or errors.
  ZoneJsonWriter(const ImportedZone& zone, ImportLog& log) : zone_(zone), log_(log) {}

  /// The zone as JSON, pretty-printed and ending in a newline, leaving out the
  /// records in `refused`. "" when an error was logged.
  std::string render(const Refusals& refused);

  /// The records the last render() wrote at `pointer`, or at the nearest
  /// enclosing pointer below "/records"; nullptr if none: how a load error is
  /// traced back to the zone file.
  const std::vector<const SourceRecord*>* records_at(std::string pointer) const;

 private:
  std::string name_text(const Name& name, bool relative) const;
  bool reads_back(uint16_t type, const std::string& text, const std::string& wire) const;
  std::string presentation(const ldns_rr* rr, bool relative) const;
  std::optional<std::string> record_text(const SourceRecord& r, uint16_t type);
  std::optional<std::string> txt_text(const SourceRecord& r, uint16_t type, const std::string& wire);
  std::optional<std::string> soa_name(const ldns_rdf* rdf, bool mailbox);
  uint32_t default_ttl() const;
  std::string owner_key(const ImportedOwner& owner) const;

  const ImportedZone& zone_;
  ImportLog& log_;
  /// JSON pointer of each owner, RRset and record in the last rendering -> its records.
  std::map<std::string, std::vector<const SourceRecord*>> pointers_;
};

}  // namespace dnsd::zones::importer
