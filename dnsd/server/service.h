// A part of the server that runs beside the workers: the health prober, the
// control HTTP API, the zone file watcher. The Server starts services after
// the zones load and before workers answer, and stops them after the workers
// have stopped, in reverse order, so a service can rely on the zone store and
// on the server's main loop for its whole life.
#pragma once

#include <cstdint>
#include <span>

namespace dnsd {
namespace zones {
class ZoneSet;
}
struct Snapshot;

class Server;
struct ReloadReport;

/// One long-lived component. start() and stop() run on the main thread.
class Service {
 public:
  virtual ~Service() = default;

  /// Short name for logs ("prober", "control").
  virtual const char* name() const = 0;

  /// Opens what may need the privileges dnsd started with, such as a
  /// listening socket on a low port. Runs for every service, in order, after
  /// the DNS sockets are open and before privileges are dropped (`serve
  /// --user`), the zones load or any service starts; start threads in
  /// start(), not here. Returns false to abort start-up; the service logs why.
  virtual bool open(Server& /*server*/) { return true; }

  /// Starts the service: open its sockets, start its thread, or add handles to
  /// server.main_loop(). May block briefly (the prober's first probe round must
  /// finish before queries are answered). Returns false to abort start-up; the
  /// service logs why.
  virtual bool start(Server& server) = 0;

  /// Called on the reload thread after a reload built `set` and bound its pool
  /// members, before it is published. `new_targets` are the checked targets
  /// it added: the prober waits (bounded) for their first results here, so a
  /// member is never served before anything is known about it. Only for
  /// services that have started; reloads never overlap.
  virtual void before_publish(const zones::ZoneSet& /*set*/, std::span<const uint64_t> /*new_targets*/) {}

  /// Called on the reload thread after every successful publish of a reload
  /// (start-up excluded); reloads never overlap.
  virtual void on_reload(const ReloadReport& /*report*/) {}

  /// Called after every publish once the service has started: a reload's, or
  /// new zone versions after health or drain changes. `changed` lists the
  /// zones of `snapshot` whose serial is new. On the publishing thread;
  /// publishes never overlap.
  virtual void on_publish(const Snapshot& /*snapshot*/, std::span<const uint32_t> /*changed*/) {}

  /// Stops the service: join its thread and close its main-loop handles. The
  /// server runs the main loop afterwards until every handle has closed.
  virtual void stop() = 0;
};

}  // namespace dnsd
