// One curl multi handle driven by a libuv loop: curl_multi_socket_action with
// one uv_poll per socket curl asks to watch and one uv_timer for curl's
// timeouts. Each finished transfer is handed to a callback.
//
// The http check runs several of these side by side, each holding the
// kept-alive connections of its share of the targets: curl 7.88 walks a
// multi's whole connection cache when a transfer that kept its connection is
// removed, and its once-a-second sweep for dead connections rescans the cache
// after each dead one, so a cache of every target would make each probe cost
// O(targets).
#pragma once

#include <curl/curl.h>
#include <uv.h>

#include <functional>

namespace dnsd::health {

/// A curl multi handle on one libuv loop. Loop thread only.
class CurlMultiLoop {
 public:
  /// Receives each finished transfer's easy handle and result, on the loop
  /// thread, from inside a loop callback. The handle is still added: the
  /// callback removes it (remove()) before cleaning it up.
  using Finished = std::function<void(CURL* easy, CURLcode result)>;

  CurlMultiLoop(uv_loop_t* loop, Finished finished);
  /// Cleans up the multi handle (closing its idle connections). Call close()
  /// and let the loop run first.
  ~CurlMultiLoop();
  CurlMultiLoop(const CurlMultiLoop&) = delete;
  CurlMultiLoop& operator=(const CurlMultiLoop&) = delete;

  /// Adds a configured easy handle; its transfer starts from the loop.
  CURLMcode add(CURL* easy) { return curl_multi_add_handle(multi_, easy); }
  /// Removes an easy handle added before (finished or not).
  void remove(CURL* easy) { curl_multi_remove_handle(multi_, easy); }
  /// Most idle connections kept for reuse (CURLMOPT_MAXCONNECTS).
  void set_max_connections(long count) { curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, count); }
  /// Stops the timer and closes it; no callbacks after this.
  void close();

 private:
  static int socket_cb(CURL* easy, curl_socket_t fd, int action, void* user, void* socket_data);
  static int timer_cb(CURLM* multi, long timeout_ms, void* user);
  static void on_timer(uv_timer_t* timer);
  static void on_poll(uv_poll_t* poll, int status, int events);
  void drive(curl_socket_t fd, int flags);

  uv_loop_t* loop_;
  Finished finished_;
  CURLM* multi_;
  uv_timer_t timer_;
  bool closed_ = false;
};

}  // namespace dnsd::health
