// `dnsd serve`: run the Server, its services and the control API with the
// settings serve_options.h parsed from the command line.
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dnsd/cli/commands.h"
#include "dnsd/cli/serve_options.h"
#include "dnsd/control/control_server.h"
#include "dnsd/server/health_service.h"
#include "dnsd/server/log.h"
#include "dnsd/server/fd_limit.h"
#include "dnsd/server/privileges.h"
#include "dnsd/server/server.h"
#include "dnsd/server/transfer_service.h"
#include "dnsd/server/zone_watcher.h"
#include "health/health_registry.h"
#include "health/known_states.h"
#include "health/state_write_errors.h"

namespace dnsd {
namespace {

/// Whether `who` (dnsd as it runs now) can write in --state-dir; logs why not.
bool state_dir_writable(const std::string& state_dir, const std::string& who) {
  if (state_dir.empty()) return true;
  const std::string problem = write_problem(state_dir);
  if (problem.empty()) return true;
  log_error("--state-dir: %s cannot write in %s; give it the directory or choose another", who.c_str(),
            problem.c_str());
  return false;
}

/// What runs once every socket is bound: with --user, the switch, then the
/// checks that the user can do dnsd's work, so a wrong owner stops start-up
/// with a clear line instead of failing at the first reload, drain or health
/// change. Main thread (Server::run's after_bind).
bool after_bind(const std::optional<RunAs>& run_as, const std::string& zones, const std::string& state_dir,
                const std::string& status_file) {
  if (!run_as) return true;  // nothing changed since run_server checked the state dir
  std::string error;
  if (!drop_privileges(*run_as, error)) {
    log_error("%s", error.c_str());
    return false;
  }
  log_info("running as %s (uid %u, gid %u, with its groups); every socket is bound", run_as->name.c_str(),
           unsigned(run_as->uid), unsigned(run_as->gid));
  const std::string who = "user " + run_as->name;
  // Reloads read the zones again as this user.
  if (const std::string problem = read_problem(zones); !problem.empty()) {
    log_error("--zones: %s cannot read %s; make the zones readable by it", who.c_str(), problem.c_str());
    return false;
  }
  if (!status_file.empty()) {
    const size_t slash = status_file.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : status_file.substr(0, slash);
    if (const std::string problem = write_problem(dir); !problem.empty()) {
      log_error("--status-file %s: %s cannot write in %s", status_file.c_str(), who.c_str(), problem.c_str());
      return false;
    }
  }
  return state_dir_writable(state_dir, who);
}

/// Wires the health state, the control API, the prober and the watcher
/// around a Server, and runs it until shutdown. Returns the exit code.
int run_server(ServeOptions o) {
  // Failed writes of the state files: counted for /metrics and the status
  // page, logged without flooding. Outlives everything below.
  // Kept probe connections, TCP clients and transfers each hold a descriptor.
  const rlim_t fds = raise_fd_limit();
  if (fds != RLIM_INFINITY && fds < 4096)
    log_info("open files are limited to %llu (ulimit -n): HTTP checks keep fewer connections alive",
             static_cast<unsigned long long>(fds));
  health::StateWriteErrors write_errors([](bool error, const std::string& line) {
    if (error) log_error("%s", line.c_str());
    else log_info("%s", line.c_str());
  });
  const std::string state_dir = o.server.state_dir;
  if (!state_dir.empty()) {
    std::string error;
    if (!prepare_state_dir(state_dir, o.run_as ? &*o.run_as : nullptr, error)) {
      log_error("--state-dir: %s", error.c_str());
      return 1;
    }
    // Staying as started: check now, before anything is read or written (with --user: after the switch).
    if (!o.run_as && !state_dir_writable(state_dir, "dnsd")) return 1;
    o.health.known_states_file = state_dir + "/" + health::kKnownStatesFile;
  }
  o.health.write_errors = &write_errors;
  o.server.after_bind = [run_as = o.run_as, zones = o.server.zones_path, state_dir,
                         status_file = o.health.status_file] {
    return after_bind(run_as, zones, state_dir, status_file);
  };

  // The health state pool members bind to: the control API drains through it.
  health::HealthRegistry registry;

  std::unique_ptr<ControlServer> control_server;
  if (o.control_enabled) {
    control_server = std::make_unique<ControlServer>(o.control, &registry);
    control_server->set_state_write_errors(&write_errors);
    std::string error;
    if (!control_server->restore_state(error)) {  // before the first load binds admin states
      log_error("--state-dir: %s", error.c_str());
      return 1;
    }
  }
  Server server(std::move(o.server), registry);
  server.set_state_write_errors(&write_errors);
  // The prober: a first round before the workers answer, then continuous probing.
  server.add_service(std::make_unique<HealthService>(registry, o.health));
  // Before run(): the watcher notes the files before the first load reads them.
  if (o.watch) server.add_service(std::make_unique<ZoneWatcher>(server.config().zones_path));
  // NOTIFY to secondaries, and new zone versions after health changes.
  auto transfers = std::make_unique<TransferService>(registry, server.config().tsig_keys);
  if (control_server) control_server->set_transfer_service(transfers.get());
  server.add_service(std::move(transfers));
  if (control_server) server.add_service(std::move(control_server));
  return server.run();
}

}  // namespace

int cmd_serve(int argc, char** argv) {
  ServeOptions options;
  if (const int rc = parse_serve_options(argc, argv, options); rc >= 0) return rc;
  return run_server(std::move(options));
}

}  // namespace dnsd
