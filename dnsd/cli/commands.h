// Subcommands of the dnsd binary. Each lives in its own cmd_*.cc and returns
// the process exit code. Called from main() on the main thread only.
#pragma once

#include <cstdio>

namespace dnsd {

/// `dnsd serve`: run the server until SIGTERM/SIGINT.
int cmd_serve(int argc, char** argv);
/// `dnsd check DIR|FILE`: validate zone files; exit 1 and one line per error if any.
int cmd_check(int argc, char** argv);
/// `dnsd import ZONEFILE`: convert an RFC 1035 zone file to dnsd's JSON format.
int cmd_import(int argc, char** argv);
/// `dnsd schema`: print the zone file JSON Schema for editors.
int cmd_schema(int argc, char** argv);
/// `dnsd ctl COMMAND`: status, reload, drain, undrain, explain through the control API.
int cmd_ctl(int argc, char** argv);
/// `dnsd keygen ZONE`: make a zone's first DNSSEC key; print its DNSKEY and DS.
int cmd_keygen(int argc, char** argv);
/// `dnsd ds ZONE`: print the DS records of a zone's keys for the parent.
int cmd_ds(int argc, char** argv);

/// For a getopt_long loop (with a leading ':' in its optstring) that returned
/// ':' or an unknown option: says which on stderr as "dnsd COMMAND: ...", then
/// the usage, and returns the exit code for bad usage (2).
inline int option_error(const char* command, int getopt_result, char** argv, int optind,
                        void (*usage)(std::FILE*)) {
  if (getopt_result == ':')
    std::fprintf(stderr, "dnsd %s: %s needs a value\n\n", command, argv[optind - 1]);
  else
    std::fprintf(stderr, "dnsd %s: unknown option '%s'\n\n", command, argv[optind - 1]);
  usage(stderr);
  return 2;
}

}  // namespace dnsd
