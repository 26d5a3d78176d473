// `dnsd import ZONEFILE [--origin NAME] [--output FILE] [--strict]`: converts a
// BIND, NSD or Knot zone file into dnsd's JSON zone format, so an existing zone
// moves over in one step. Warnings (records skipped or adjusted) and errors go
// to stderr as FILE:LINE: message, then one line sums up the records dropped;
// the JSON goes to stdout or --output. With --strict a dropped record fails
// the import instead.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "dnsd/cli/commands.h"
#include "zones/zone_importer.h"

namespace dnsd {
namespace {

void import_usage(FILE* out) {
  std::fprintf(out,
               "usage: dnsd import [--origin NAME] [--output FILE] [--strict] ZONEFILE\n"
               "\n"
               "Converts an RFC 1035 zone file (BIND, NSD or Knot format) into dnsd's JSON\n"
               "zone format (zones/FORMAT.md) and prints it, or writes it to FILE.\n"
               "$ORIGIN, $TTL and $INCLUDE are followed; $INCLUDE paths are relative to the\n"
               "including file. ZONEFILE '-' reads standard input.\n"
               "\n"
               "What dnsd cannot serve is skipped with a warning: RRSIG, NSEC, NSEC3 and\n"
               "NSEC3PARAM (dnsd does not sign), DNAME, records outside the zone, and\n"
               "duplicates. DNSKEY, DS and CDS are kept as data. Every record is checked to\n"
               "load back byte for byte, and the output always passes `dnsd check`.\n"
               "\n"
               "Warnings and errors are printed to stderr as FILE:LINE: message, and a last\n"
               "line counts the records dropped by type. Exits 0 on success (warnings\n"
               "allowed), 1 when the zone cannot be converted (or, with --strict, when a\n"
               "record would be dropped), 2 on bad usage.\n"
               "\n"
               "options:\n"
               "  --origin NAME   the zone's name, as a server's configuration would give it;\n"
               "                  needed when the file uses relative names before any $ORIGIN\n"
               "                  (default: $ORIGIN, and the SOA owner becomes the origin)\n"
               "  --output FILE   write the JSON to FILE (replaced atomically) instead of stdout\n"
               "  --strict        fail, writing nothing, if any record would be dropped; each\n"
               "                  one is named as FILE:LINE (for CI and scripted migrations)\n"
               "  -h, --help      show this help\n");
}

// Writes next to `path` and renames over it, so a reader never sees half a zone.
bool write_atomically(const std::string& path, const std::string& text, std::string& error) {
  std::string temp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out || !(out << text) || !(out.flush())) {
      error = std::string("cannot write ") + temp + ": " + std::strerror(errno);
      std::remove(temp.c_str());
      return false;
    }
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    error = std::string("cannot rename ") + temp + " to " + path + ": " + std::strerror(errno);
    std::remove(temp.c_str());
    return false;
  }
  return true;
}

// "2 records: 1 DNAME, 1 RRSIG": how many records were dropped, by type.
std::string dropped_summary(const std::vector<zones::DroppedRecord>& dropped) {
  std::map<std::string, size_t> by_type;
  for (const zones::DroppedRecord& d : dropped) ++by_type[d.type];
  std::string out = std::to_string(dropped.size()) + (dropped.size() == 1 ? " record: " : " records: ");
  bool first = true;
  for (const auto& [type, count] : by_type) {
    out += (first ? "" : ", ") + std::to_string(count) + " " + type;
    first = false;
  }
  return out;
}

}  // namespace

int cmd_import(int argc, char** argv) {
  zones::ImportOptions options;
  std::string input, output;
  bool strict = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* option, std::string& out) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "dnsd import: %s needs a value\n\n", option);
        return false;
      }
      out = argv[++i];
      return true;
    };
    if (arg == "--help" || arg == "-h") {
      import_usage(stdout);
      return 0;
    } else if (arg == "--origin") {
      if (!value("--origin", options.origin)) return import_usage(stderr), 2;
    } else if (arg.rfind("--origin=", 0) == 0) {
      options.origin = arg.substr(std::strlen("--origin="));
    } else if (arg == "--output" || arg == "-o") {
      if (!value("--output", output)) return import_usage(stderr), 2;
    } else if (arg.rfind("--output=", 0) == 0) {
      output = arg.substr(std::strlen("--output="));
    } else if (arg == "--strict") {
      strict = true;
    } else if (arg.size() > 1 && arg[0] == '-') {
      std::fprintf(stderr, "dnsd import: unknown option '%s'\n\n", arg.c_str());
      import_usage(stderr);
      return 2;
    } else if (input.empty()) {
      input = arg;
    } else {
      std::fprintf(stderr, "dnsd import: one zone file at a time (got '%s' and '%s')\n\n", input.c_str(),
                   arg.c_str());
      import_usage(stderr);
      return 2;
    }
  }
  if (input.empty()) {
    std::fprintf(stderr, "dnsd import: name the zone file to convert\n\n");
    import_usage(stderr);
    return 2;
  }

  zones::ImportResult result;
  if (input == "-") {
    std::string text(std::istreambuf_iterator<char>(std::cin), {});
    result = zones::import_zone_text(text, "<stdin>", options);
  } else {
    result = zones::import_zone_file(input, options);
  }
  for (const zones::ImportMessage& w : result.warnings) {
    zones::ImportMessage shown = w;
    shown.message = "warning: " + w.message;
    std::fprintf(stderr, "%s\n", shown.to_string().c_str());
  }
  for (const zones::ImportMessage& e : result.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
  if (!result.ok()) return 1;
  if (!result.dropped.empty() && strict) {
    for (const zones::DroppedRecord& d : result.dropped) {
      zones::ImportMessage shown{d.file, d.line, "error: would drop " + d.what()};
      std::fprintf(stderr, "%s\n", shown.to_string().c_str());
    }
    std::fprintf(stderr, "dnsd import: --strict: would drop %s; nothing written\n",
                 dropped_summary(result.dropped).c_str());
    return 1;
  }
  if (!result.dropped.empty())
    std::fprintf(stderr, "dnsd import: dropped %s (see warnings above); --strict fails instead\n",
                 dropped_summary(result.dropped).c_str());

  if (output.empty()) {
    std::fwrite(result.json.data(), 1, result.json.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
  }
  std::string error;
  if (!write_atomically(output, result.json, error)) {
    std::fprintf(stderr, "dnsd import: %s\n", error.c_str());
    return 1;
  }
  return 0;
}

}  // namespace dnsd
