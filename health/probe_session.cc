#include "health/probe_session.h"

#include <utility>
#include <vector>

namespace dnsd::health {

ProbeSession::ProbeSession(SessionCheck& owner, uint32_t timeout_ms, Check::Done done)
    : owner_(owner), timeout_ms_(timeout_ms), started_ns_(uv_hrtime()), done_(std::move(done)) {
  position_ = owner_.sessions_.insert(owner_.sessions_.end(), this);
  uv_timer_init(owner_.loop(), &timer_);
  timer_.data = this;
  ++open_handles_;
}

uv_loop_t* ProbeSession::loop() const { return owner_.loop(); }

uint64_t ProbeSession::elapsed_us() const { return (uv_hrtime() - started_ns_) / 1000; }

void ProbeSession::arm_timeout(uint32_t ms) { uv_timer_start(&timer_, timeout_cb, ms ? ms : timeout_ms_, 0); }

void ProbeSession::timeout_cb(uv_timer_t* timer) { static_cast<ProbeSession*>(timer->data)->on_timeout(); }

void ProbeSession::on_timeout() {
  fail(FailureKind::Timeout, "timeout after " + std::to_string(timeout_ms_) + " ms");
}

void ProbeSession::finish(CheckResult result) {
  if (finished_) return;
  finished_ = true;
  result_ = std::move(result);
  result_.latency_us = elapsed_us();
  uv_timer_stop(&timer_);
  close_io();
  close_handle(reinterpret_cast<uv_handle_t*>(&timer_));
}

void ProbeSession::close_handle(uv_handle_t* handle) {
  if (handle != reinterpret_cast<uv_handle_t*>(&timer_)) ++open_handles_;
  uv_close(handle, closed_cb);
}

void ProbeSession::closed_cb(uv_handle_t* handle) {
  auto* self = static_cast<ProbeSession*>(handle->data);
  if (--self->open_handles_ == 0) self->complete();
}

void ProbeSession::complete() {
  owner_.sessions_.erase(position_);
  Check::Done done = std::move(done_);
  CheckResult result = std::move(result_);
  delete this;
  done(std::move(result));
}

void SessionCheck::cancel_all() {
  // cancel() may complete synchronously in theory; iterate over a copy.
  std::vector<ProbeSession*> live(sessions_.begin(), sessions_.end());
  for (ProbeSession* s : live) s->cancel();
}

}  // namespace dnsd::health
