#include "health/curl_multi_loop.h"

#include <utility>

namespace dnsd::health {

namespace {

// One socket curl asked us to watch.
struct SocketWatch {
  uv_poll_t poll;
  curl_socket_t fd;
  CurlMultiLoop* owner;
};

}  // namespace

CurlMultiLoop::CurlMultiLoop(uv_loop_t* loop, Finished finished) : loop_(loop), finished_(std::move(finished)) {
  multi_ = curl_multi_init();
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
}

CurlMultiLoop::~CurlMultiLoop() { curl_multi_cleanup(multi_); }

void CurlMultiLoop::close() {
  if (closed_) return;
  closed_ = true;
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
}

int CurlMultiLoop::timer_cb(CURLM*, long timeout_ms, void* user) {
  auto* self = static_cast<CurlMultiLoop*>(user);
  if (self->closed_) return 0;
  if (timeout_ms < 0) uv_timer_stop(&self->timer_);
  else uv_timer_start(&self->timer_, on_timer, uint64_t(timeout_ms), 0);
  return 0;
}

void CurlMultiLoop::on_timer(uv_timer_t* timer) {
  static_cast<CurlMultiLoop*>(timer->data)->drive(CURL_SOCKET_TIMEOUT, 0);
}

int CurlMultiLoop::socket_cb(CURL*, curl_socket_t fd, int action, void* user, void* socket_data) {
  auto* self = static_cast<CurlMultiLoop*>(user);
  auto* watch = static_cast<SocketWatch*>(socket_data);
  if (action == CURL_POLL_REMOVE) {
    if (watch) {
      uv_poll_stop(&watch->poll);
      uv_close(reinterpret_cast<uv_handle_t*>(&watch->poll),
               [](uv_handle_t* h) { delete static_cast<SocketWatch*>(h->data); });
      curl_multi_assign(self->multi_, fd, nullptr);
    }
    return 0;
  }
  if (!watch) {
    watch = new SocketWatch{{}, fd, self};
    uv_poll_init_socket(self->loop_, &watch->poll, fd);
    watch->poll.data = watch;
    curl_multi_assign(self->multi_, fd, watch);
  }
  int events = 0;
  if (action == CURL_POLL_IN || action == CURL_POLL_INOUT) events |= UV_READABLE;
  if (action == CURL_POLL_OUT || action == CURL_POLL_INOUT) events |= UV_WRITABLE;
  uv_poll_start(&watch->poll, events, on_poll);
  return 0;
}

void CurlMultiLoop::on_poll(uv_poll_t* poll, int status, int events) {
  auto* watch = static_cast<SocketWatch*>(poll->data);
  int flags = 0;
  if (status < 0) flags = CURL_CSELECT_ERR;
  if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
  watch->owner->drive(watch->fd, flags);
}

void CurlMultiLoop::drive(curl_socket_t fd, int flags) {
  int running = 0;
  curl_multi_socket_action(multi_, fd, flags, &running);
  int pending = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &pending))
    if (msg->msg == CURLMSG_DONE) finished_(msg->easy_handle, msg->data.result);
}

}  // namespace dnsd::health
