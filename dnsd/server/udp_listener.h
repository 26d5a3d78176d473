// UDP fast path, the gdnsd way: a uv_poll_t on a nonblocking SO_REUSEPORT
// socket; when it is readable, receive a batch of queries with one recvmmsg,
// answer each, and send every response with one sendmmsg. libuv only tells us
// when to read; the buffers are preallocated, so no packet allocates.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <uv.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dnsd/dnstap/ring.h"
#include "dnsd/server/listen_address.h"
#include "dnsd/query/query.h"

namespace dnsd {

class RateLimiter;
class Responder;

/// Preallocated buffers for one recvmmsg/sendmmsg round. One per worker, shared
/// by its UDP listeners (only one runs at a time). Worker thread only.
struct UdpBatch {
  /// Messages per recvmmsg/sendmmsg call.
  static constexpr unsigned kMessages = 32;
  /// Largest query we accept; bigger ones are counted and dropped.
  static constexpr size_t kQueryBytes = 4096;
  /// Room for one IP_PKTINFO or IPV6_PKTINFO control message.
  static constexpr size_t kControlBytes = CMSG_SPACE(sizeof(in6_pktinfo));

  UdpBatch();

  std::array<mmsghdr, kMessages> received{};
  std::array<mmsghdr, kMessages> replies{};
  std::array<iovec, kMessages> received_iov{};
  std::array<iovec, kMessages> reply_iov{};
  std::array<sockaddr_storage, kMessages> peers{};
  alignas(cmsghdr) std::array<std::array<uint8_t, kControlBytes>, kMessages> received_control{};
  alignas(cmsghdr) std::array<std::array<uint8_t, kControlBytes>, kMessages> reply_control{};
  std::array<std::array<uint8_t, kQueryBytes>, kMessages> queries{};
  std::array<std::array<uint8_t, kMaxUdpPayload>, kMessages> responses{};
};

/// One UDP socket of one worker. Created, used and closed on that worker's loop.
class UdpListener {
 public:
  /// `responder` and `batch` belong to the same worker and outlive this listener.
  /// `limiter` (shared by all workers; nullptr: none) rate-limits responses.
  UdpListener(uv_loop_t* loop, Responder& responder, UdpBatch& batch, const ListenAddress& address,
              RateLimiter* limiter = nullptr);
  UdpListener(const UdpListener&) = delete;
  UdpListener& operator=(const UdpListener&) = delete;
  ~UdpListener();

  /// Opens and binds the socket and starts polling it. On failure returns false
  /// with `error` set. Main thread before the worker starts, or the worker thread.
  bool open(std::string& error);
  /// Stops polling and closes the socket (asynchronously). Worker thread.
  void close();

 private:
  static void on_readable(uv_poll_t* poll, int status, int events);
  static void on_closed(uv_handle_t* handle);
  /// Receives and answers at most kMaxBatches batches. Worker thread; the hot path.
  void drain();
  /// Answers batch messages [0, received) received at `now_ms` (monotonic,
  /// read once per batch for the rate limiter) and sends the replies.
  void answer_and_send(unsigned received, uint64_t now_ms);
  /// Whether the response in `result` may go out to `peer`: false when the
  /// rate limiter drops it; a slip shrinks it to an empty truncated reply.
  bool rate_limit(QueryResult& result, std::span<uint8_t> response, const sockaddr* peer, uint64_t now_ms);
  /// Answers a handed-off query (transfer plane) into `response`; returns
  /// its length, 0 to send nothing.
  size_t hand_off(std::span<const uint8_t> query, const sockaddr* peer, std::span<uint8_t> response);
  void send_replies(unsigned count);
  /// Records the exchange of batch message `index` for dnstap: `response`
  /// empty and `responded` false for a handed-off query.
  void tap(dnstap::Ring& ring, unsigned index, const timespec& time, std::span<const uint8_t> query,
           std::span<const uint8_t> response, bool responded);

  /// Batches per wake-up, so one busy socket cannot starve the loop's others.
  static constexpr unsigned kMaxBatches = 8;

  uv_loop_t* loop_;
  Responder& responder_;
  UdpBatch& batch_;
  ListenAddress address_;
  RateLimiter* limiter_;  ///< nullptr: responses are not rate-limited
  bool pktinfo_;  ///< wildcard address: replies carry the query's destination address
  int fd_ = -1;
  uv_poll_t poll_{};
  bool polling_ = false;
  std::vector<uint8_t> handoff_message_;  ///< scratch for handed-off answers
};

}  // namespace dnsd
