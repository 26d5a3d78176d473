// UDP fast path, the gdnsd way: one thread per SO_REUSEPORT socket, blocked
// in recvmmsg with MSG_WAITFORONE (it returns as soon as one query is there,
// with whatever else has queued behind it), answering each query and sending
// every response with one sendmmsg. No event loop: a query costs two system
// calls, one of them shared by a whole batch. The buffers are preallocated,
// so no packet allocates. The listener has its own Responder (reader slot,
// rotation row, stats), so it shares nothing writable with its worker's loop.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "dnsd/dnstap/ring.h"
#include "dnsd/server/listen_address.h"
#include "dnsd/query/query.h"
#include "dnsd/server/responder.h"

namespace dnsd {

class RateLimiter;

/// Preallocated buffers for one recvmmsg/sendmmsg round. One per UDP
/// listener, used by its thread only.
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

/// One UDP socket of one worker, served by its own thread. Created, opened,
/// started and joined by the worker's owner (the main thread); stop() from any.
class UdpListener {
 public:
  /// Answers from `store` through reader slot and rotation row `row`;
  /// `transfers` (may be nullptr) answers handed-off queries; `limiter`
  /// (shared by all workers; nullptr: none) rate-limits responses. `store`,
  /// `transfers` and `limiter` outlive this listener.
  UdpListener(SnapshotStore& store, unsigned row, xfr::TransferEndpoint* transfers, const ListenAddress& address,
              RateLimiter* limiter = nullptr);
  UdpListener(const UdpListener&) = delete;
  UdpListener& operator=(const UdpListener&) = delete;
  /// Stops and joins the thread if it runs, then closes the socket. Main thread.
  ~UdpListener();

  /// Opens and binds the (blocking) socket. On failure returns false with
  /// `error` set. Main thread, before start().
  bool open(std::string& error);
  /// Starts the thread, named `name` (at most 15 characters). Main thread.
  void start(const std::string& name);
  /// Asks the thread to end: it wakes from recvmmsg (shutdown(SHUT_RD) wakes a
  /// blocked receive on Linux) and returns. Returns at once. Any thread.
  void stop();
  /// Waits for the thread to end. Main thread, after stop().
  void join();

  /// This listener's answering state, to give it cookies, NSID and a dnstap
  /// ring before start() (main thread), and to read its stats (any thread).
  Responder& responder() { return responder_; }

 private:
  /// The thread: receive, answer, send, until stop(). Drops the snapshot
  /// before every blocking receive, so an idle listener pins none.
  void run();
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

  Responder responder_;
  std::unique_ptr<UdpBatch> batch_;
  ListenAddress address_;
  RateLimiter* limiter_;  ///< nullptr: responses are not rate-limited
  bool pktinfo_;  ///< wildcard address: replies carry the query's destination address
  int fd_ = -1;
  std::atomic<bool> stopping_{false};  ///< set by stop() before it wakes the thread
  std::thread thread_;
  std::vector<uint8_t> handoff_message_;  ///< scratch for handed-off answers
};

}  // namespace dnsd
