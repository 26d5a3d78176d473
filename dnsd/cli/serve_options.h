// The command line of `dnsd serve`: its usage text and the parsing of its
// flags into the settings of the server, the control API and the health
// service, each checked with a message that names the flag.
#pragma once

#include <cstdio>
#include <optional>

#include "dnsd/control/control_options.h"
#include "dnsd/server/health_service.h"
#include "dnsd/server/privileges.h"
#include "dnsd/server/server.h"

namespace dnsd {

/// Everything `dnsd serve` was told on the command line.
struct ServeOptions {
  ServerConfig server;
  bool watch = true;
  bool control_enabled = true;
  ControlOptions control;
  HealthServiceOptions health;
  std::optional<RunAs> run_as;  ///< --user
};

/// Prints `dnsd serve`'s usage to `out`. Main thread.
void serve_usage(FILE* out);

/// Parses and checks the command line into `o`. Returns -1 to go on, or the
/// exit code: 0 after --help, 2 after a usage error (already printed).
int parse_serve_options(int argc, char** argv, ServeOptions& o);

}  // namespace dnsd
