// Subcommands of the dnsd binary. Each lives in its own cmd_*.cc and returns
// the process exit code. Called from main() on the main thread only.
#pragma once

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

}  // namespace dnsd
