// Entry point: dispatches to a subcommand.
#include <cstdio>
#include <cstring>
#include <string_view>

#include "dnsd/cli/commands.h"

namespace {

struct Subcommand {
  const char* name;
  int (*run)(int, char**);
  const char* summary;
};

constexpr Subcommand kSubcommands[] = {
    {"serve", dnsd::cmd_serve, "answer DNS queries for the zones in a directory"},
    {"check", dnsd::cmd_check, "validate zone files without serving them"},
    {"import", dnsd::cmd_import, "convert a BIND/NSD/Knot zone file to dnsd's JSON format"},
    {"schema", dnsd::cmd_schema, "print the JSON Schema of zone files, for editors"},
    {"ctl", dnsd::cmd_ctl, "talk to a running server: status, reload, drain, undrain, explain"},
    {"keygen", dnsd::cmd_keygen, "make a zone's first DNSSEC key; print its DNSKEY and DS records"},
    {"ds", dnsd::cmd_ds, "print the DS records of a zone's DNSSEC keys, for the parent zone"},
};

void usage(FILE* out) {
  std::fprintf(out, "usage: dnsd <command> [options]\n\ncommands:\n");
  for (const auto& s : kSubcommands) std::fprintf(out, "  %-8s %s\n", s.name, s.summary);
  std::fprintf(out, "\n`dnsd <command> --help` describes each command. `dnsd --version` prints the version.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  std::string_view command = argv[1];
  if (command == "--version" || command == "-V" || command == "version") {
    std::printf("dnsd %s\n", DNSD_VERSION);
    return 0;
  }
  if (command == "--help" || command == "-h" || command == "help") {
    usage(stdout);
    return 0;
  }
  for (const auto& s : kSubcommands)
    if (command == s.name) return s.run(argc - 1, argv + 1);
  std::fprintf(stderr, "dnsd: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return 2;
}
