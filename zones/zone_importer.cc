// `dnsd import` in three steps, each in its own file:
//   read    - zone_file_reader: ldns parses the master file record by record
//             ($ORIGIN, $TTL, parentheses, comments); $INCLUDE is followed;
//   convert - zone_converter: records are grouped into owners and RRsets, and
//             the rules dnsd's loader enforces are applied: what dnsd cannot
//             serve is skipped with a warning, what no server should load is
//             an error;
//   write   - zone_json_writer: each record becomes presentation text that
//             reads back as the same wire bytes; the converter then loads the
//             JSON as `dnsd check` would, so output always loads.
#include <exception>
#include <optional>
#include <string>

// After the standard headers: ldns's headers redefine bool, true and false.
#include "zones/zone_converter.h"
#include "zones/zone_file_reader.h"
#include "zones/zone_importer.h"

namespace dnsd::zones {
namespace {

void import(std::string_view text, const std::string& file, const ImportOptions& options, ImportResult& result) {
  importer::RdfPtr origin = importer::start_origin(options.origin);
  if (!origin) {
    result.errors.push_back(ImportMessage{file, 0, "--origin \"" + options.origin + "\" is not a valid domain name"});
    return;
  }
  importer::ZoneFileReader reader(result);
  reader.read(file, text, origin.get(), importer::kDefaultTtl, 0);
  if (!result.ok()) return;
  std::optional<Name> known_origin;
  if (!options.origin.empty()) known_origin = importer::name_of(origin.get());
  importer::ZoneConverter(file, result).run(std::move(reader.records()), known_origin);
}

}  // namespace

std::string ImportMessage::to_string() const {
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ": " + message;
}

std::string DroppedRecord::what() const { return "the " + type + " record at " + owner + ": " + reason; }

std::string DroppedRecord::to_string() const { return ImportMessage{file, line, what()}.to_string(); }

ImportResult import_zone_text(std::string_view text, const std::string& file, const ImportOptions& options) {
  ImportResult result;
  try {
    import(text, file, options, result);
  } catch (const std::exception& e) {
    result.errors.push_back(ImportMessage{file, 0, std::string("internal error: ") + e.what()});
  }
  if (!result.ok()) result.json.clear();
  return result;
}

ImportResult import_zone_file(const std::string& path, const ImportOptions& options) {
  std::string text, error;
  if (!importer::read_text_file(path, text, error)) {
    ImportResult result;
    result.errors.push_back(ImportMessage{path, 0, error});
    return result;
  }
  return import_zone_text(text, path, options);
}

}  // namespace dnsd::zones
