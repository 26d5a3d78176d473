// `dnsd schema`: prints the zone file JSON Schema for editors.
#include <cstdio>
#include <cstring>

#include "dnsd/cli/commands.h"
#include "zones/zone_schema.h"

namespace dnsd {

int cmd_schema(int argc, char** argv) {
  if (argc > 1 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::printf(
        "usage: dnsd schema\n\n"
        "Prints the JSON Schema (draft 2020-12) of dnsd's zone files. Save it and point\n"
        "your editor at it, e.g. with \"$schema\": \"./zone.schema.json\" at the top of a\n"
        "zone file, or VS Code's json.schemas setting. `dnsd check` remains the full check.\n");
    return 0;
  }
  if (argc > 1) {
    std::fprintf(stderr, "dnsd schema: unexpected argument '%s' (see --help)\n", argv[1]);
    return 2;
  }
  const auto schema = zones::zone_schema_json();
  std::fwrite(schema.data(), 1, schema.size(), stdout);
  return 0;
}

}  // namespace dnsd
