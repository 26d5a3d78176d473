// The lifetime of one socket- or process-based probe on a libuv loop: a
// timeout timer, the verdict recorded once, every handle closed, and only then
// the Done callback, so no callback can ever touch a freed probe. tcp, dns and
// exec checks derive from it; the http check uses curl's own machinery.
#pragma once

#include <uv.h>

#include <cstdint>
#include <list>
#include <string>

#include "health/check.h"

namespace dnsd::health {

class SessionCheck;

/// One probe in flight. Heap-allocated by its check; deletes itself after
/// calling Done. Loop thread only.
class ProbeSession {
 public:
  ProbeSession(SessionCheck& owner, uint32_t timeout_ms, Check::Done done);
  virtual ~ProbeSession() = default;
  ProbeSession(const ProbeSession&) = delete;
  ProbeSession& operator=(const ProbeSession&) = delete;

  /// Records the verdict (the first call wins; later ones are ignored), sets
  /// its latency, stops the timer and closes every handle. Done runs once the
  /// last handle has closed.
  void finish(CheckResult result);
  /// Fails the probe with `kind` and `detail`.
  void fail(FailureKind kind, std::string detail) { finish(CheckResult::failed(kind, std::move(detail))); }
  /// Ends the probe early because the prober is stopping.
  virtual void cancel() { fail(FailureKind::Cancelled, "cancelled"); }
  /// Whether a verdict has been recorded.
  bool finished() const { return finished_; }

 protected:
  /// Arms the timeout timer for `ms` (0: the check's timeout); call once from
  /// the derived start, before starting I/O. Re-arming replaces the deadline.
  void arm_timeout(uint32_t ms = 0);
  /// The timeout fired. Default: fail with "timeout after N ms".
  virtual void on_timeout();
  /// Closes the derived class's handles, each through close_handle().
  virtual void close_io() = 0;
  /// uv_close with the bookkeeping that delays Done until every handle is closed.
  /// The handle's data must be this session.
  void close_handle(uv_handle_t* handle);
  /// Microseconds since construction.
  uint64_t elapsed_us() const;
  uv_loop_t* loop() const;
  uint32_t timeout_ms() const { return timeout_ms_; }

 private:
  static void timeout_cb(uv_timer_t* timer);
  static void closed_cb(uv_handle_t* handle);
  void complete();

  SessionCheck& owner_;
  std::list<ProbeSession*>::iterator position_;
  uv_timer_t timer_;
  uint32_t timeout_ms_;
  uint64_t started_ns_;
  Check::Done done_;
  CheckResult result_;
  bool finished_ = false;
  int open_handles_ = 0;
};

/// A Check whose probes are ProbeSessions: keeps the live ones for cancel_all
/// and in_flight. Loop thread only.
class SessionCheck : public Check {
 public:
  explicit SessionCheck(uv_loop_t* loop) : loop_(loop) {}
  void cancel_all() override;
  size_t in_flight() const override { return sessions_.size(); }
  uv_loop_t* loop() const { return loop_; }

 private:
  friend class ProbeSession;
  uv_loop_t* loop_;
  std::list<ProbeSession*> sessions_;
};

}  // namespace dnsd::health
