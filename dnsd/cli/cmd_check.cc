// `dnsd check DIR|FILE...`: validates zone files exactly as `dnsd serve` would
// load them, without serving. Made for editors, CI and pre-reload hooks: one
// line per error or warning on stderr, and the exit code says whether all is well.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "dnsd/cli/commands.h"
#include "zones/zone_directory.h"

namespace dnsd {
namespace {

void check_usage(FILE* out) {
  std::fprintf(out,
               "usage: dnsd check [--quiet] DIR|FILE...\n"
               "\n"
               "Validates zone files without serving them. For a directory, every *.json\n"
               "file directly inside it is one zone (files starting with '.' are skipped).\n"
               "Files are checked together, so two files declaring the same origin is an error.\n"
               "\n"
               "On success prints \"ok: N zones\" and exits 0. Otherwise prints one line per\n"
               "error to stderr, as FILE: /json/pointer: message, and exits 1; the pointer\n"
               "of a problem with the whole file is shown as (root).\n"
               "Warnings (a zone that loads, but probably not as meant, such as TXT text in\n"
               "quotes) are printed as FILE: /json/pointer: warning: message and do not\n"
               "change the exit code. Bad usage exits 2. The format is described in\n"
               "zones/FORMAT.md.\n"
               "\n"
               "options:\n"
               "  -q, --quiet   print nothing on success (warnings are still printed)\n"
               "  -h, --help    show this help\n");
}

}  // namespace

int cmd_check(int argc, char** argv) {
  bool quiet = false;
  std::vector<std::string> paths;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    if (!options_done && arg[0] == '-' && arg[1] != '\0') {
      if (std::strcmp(arg, "--") == 0) {
        options_done = true;
      } else if (std::strcmp(arg, "--help") == 0 || std::strcmp(arg, "-h") == 0) {
        check_usage(stdout);
        return 0;
      } else if (std::strcmp(arg, "--quiet") == 0 || std::strcmp(arg, "-q") == 0) {
        quiet = true;
      } else {
        std::fprintf(stderr, "dnsd check: unknown option '%s'\n\n", arg);
        check_usage(stderr);
        return 2;
      }
      continue;
    }
    paths.emplace_back(arg);
  }
  if (paths.empty()) {
    std::fprintf(stderr, "dnsd check: name a zones directory or zone file\n\n");
    check_usage(stderr);
    return 2;
  }

  // Collect every file first, so duplicate origins are found across all paths.
  std::vector<std::string> files;
  std::vector<zones::LoadError> errors;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (!std::filesystem::is_directory(path, ec)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> listed;
    std::string error;
    if (!zones::list_zone_files(path, listed, error)) {
      errors.push_back(zones::LoadError{path, "", error});
      continue;
    }
    if (listed.empty()) std::fprintf(stderr, "dnsd check: warning: no *.json zone files in %s\n", path.c_str());
    files.insert(files.end(), listed.begin(), listed.end());
  }
  zones::DirectoryLoad load = zones::load_zone_files(files);
  errors.insert(errors.end(), load.errors.begin(), load.errors.end());

  for (const zones::LoadError& w : load.warnings) {
    zones::LoadError shown = w;
    shown.message = "warning: " + w.message;
    std::fprintf(stderr, "%s\n", shown.to_string().c_str());
  }
  for (const zones::LoadError& e : errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
  if (!errors.empty()) return 1;
  if (!quiet) {
    size_t count = load.zone_count();
    std::printf("ok: %zu zone%s\n", count, count == 1 ? "" : "s");
  }
  return 0;
}

}  // namespace dnsd
