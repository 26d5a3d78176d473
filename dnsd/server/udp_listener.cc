#include "dnsd/server/udp_listener.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dnsd/server/dnstap_tap.h"
#include "dnsd/server/listen_socket.h"
#include "dnsd/server/rate_limiter.h"

namespace dnsd {

UdpBatch::UdpBatch() {
  for (unsigned i = 0; i < kMessages; ++i) {
    received_iov[i] = {queries[i].data(), queries[i].size()};
    msghdr& in = received[i].msg_hdr;
    in.msg_name = &peers[i];
    in.msg_iov = &received_iov[i];
    in.msg_iovlen = 1;
    msghdr& out = replies[i].msg_hdr;
    out.msg_iov = &reply_iov[i];
    out.msg_iovlen = 1;
  }
}

UdpListener::UdpListener(SnapshotStore& store, unsigned row, xfr::TransferEndpoint* transfers,
                         const ListenAddress& address, RateLimiter* limiter)
    : responder_(store, row, transfers),
      batch_(std::make_unique<UdpBatch>()),
      address_(address),
      limiter_(limiter),
      pktinfo_(address.is_wildcard()) {}

UdpListener::~UdpListener() {
  stop();
  join();
  if (fd_ >= 0) ::close(fd_);
}

bool UdpListener::open(std::string& error) {
  fd_ = open_listen_socket(address_, SOCK_DGRAM, error);
  if (fd_ < 0) return false;
  // The thread blocks in recvmmsg; sends stay nonblocking (MSG_DONTWAIT).
  const int flags = fcntl(fd_, F_GETFL);
  if (flags < 0 || fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK) != 0) {
    error = "udp " + address_.to_string() + ": fcntl: " + std::strerror(errno);
    return false;
  }
  return true;
}

void UdpListener::start(const std::string& name) {
  thread_ = std::thread([this, name] {
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
    run();
  });
}

void UdpListener::stop() {
  if (fd_ < 0 || stopping_.exchange(true, std::memory_order_acq_rel)) return;
  // On an unbound-peer UDP socket this fails with ENOTCONN, but it marks the
  // socket shut for reading and wakes the blocked recvmmsg all the same; every
  // later recvmmsg returns at once.
  ::shutdown(fd_, SHUT_RD);
}

void UdpListener::join() {
  if (thread_.joinable()) thread_.join();
}

void UdpListener::run() {
  UdpBatch& batch = *batch_;
  unsigned filled = UdpBatch::kMessages;  // headers the last receive wrote into
  while (true) {
    for (unsigned i = 0; i < filled; ++i) {
      msghdr& in = batch.received[i].msg_hdr;
      in.msg_namelen = sizeof(sockaddr_storage);
      in.msg_control = pktinfo_ ? batch.received_control[i].data() : nullptr;
      in.msg_controllen = pktinfo_ ? UdpBatch::kControlBytes : 0;
      in.msg_flags = 0;
    }
    responder_.idle();  // about to sleep: pin no snapshot
    const int n = recvmmsg(fd_, batch.received.data(), UdpBatch::kMessages, MSG_WAITFORONE, nullptr);
    if (stopping_.load(std::memory_order_acquire)) return;
    if (n <= 0) {
      filled = 0;
      // EINTR, or an error about one earlier packet (an ICMP error and the
      // like): receive again. A broken socket ends the thread.
      if (n < 0 && (errno == EBADF || errno == ENOTSOCK || errno == EINVAL || errno == EFAULT)) return;
      continue;
    }
    filled = static_cast<unsigned>(n);
    answer_and_send(filled, limiter_ ? RateLimiter::monotonic_ms() : 0);
  }
}

namespace {

/// Writes one control message of `length` bytes at `out`; returns its space.
size_t put_control(uint8_t* out, size_t out_size, int level, int type, const void* data, size_t length) {
  msghdr tmp{};
  tmp.msg_control = out;
  tmp.msg_controllen = out_size;
  cmsghdr* r = CMSG_FIRSTHDR(&tmp);
  r->cmsg_level = level;
  r->cmsg_type = type;
  r->cmsg_len = CMSG_LEN(length);
  std::memcpy(CMSG_DATA(r), data, length);
  return CMSG_SPACE(length);
}

/// Writes the control message that makes the reply leave from the address the
/// query was sent to. Returns the control length, 0 if the query carried none.
size_t copy_pktinfo(const msghdr& query, uint8_t* out, size_t out_size) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&query); c != nullptr; c = CMSG_NXTHDR(const_cast<msghdr*>(&query), c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      in_pktinfo reply{};
      reply.ipi_spec_dst = info.ipi_addr;  // source address of the reply
      reply.ipi_ifindex = 0;               // let routing choose the interface
      return put_control(out, out_size, IPPROTO_IP, IP_PKTINFO, &reply, sizeof reply);
    }
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      // Sent back as received: a link-local destination needs its interface index.
      return put_control(out, out_size, IPPROTO_IPV6, IPV6_PKTINFO, CMSG_DATA(c), sizeof(in6_pktinfo));
    }
  }
  return 0;
}

}  // namespace

void UdpListener::answer_and_send(unsigned received, uint64_t now_ms) {
  unsigned replies = 0;
  const uint32_t now = unix_seconds();  // once per batch, for server cookies
  dnstap::Ring* const tap_ring = responder_.dnstap();
  const timespec tap_time = tap_ring ? dnstap::coarse_now() : timespec{};  // once per batch, for dnstap
  for (unsigned i = 0; i < received; ++i) {
    const msghdr& in = batch_->received[i].msg_hdr;
    if (in.msg_flags & MSG_TRUNC) [[unlikely]] {
      responder_.stats().udp_receive_error();
      continue;
    }
    std::span<const uint8_t> query(batch_->queries[i].data(), batch_->received[i].msg_len);
    std::span<uint8_t> response(batch_->responses[replies].data(), kMaxUdpPayload);
    const auto* peer = reinterpret_cast<const sockaddr*>(&batch_->peers[i]);
    QueryResult result = responder_.answer(query, response, Transport::Udp, peer, now);
    if (result.action == QueryAction::Handoff) [[unlikely]] {
      if (tap_ring) tap(*tap_ring, i, tap_time, query, {}, false);
      result.length = hand_off(query, peer, response);
    } else if (result.action != QueryAction::Respond || !rate_limit(result, response, peer, now_ms)) {
      continue;
    } else if (tap_ring && result.length != 0) {
      tap(*tap_ring, i, tap_time, query, response.first(result.length), true);
    }
    if (result.length == 0) continue;

    batch_->reply_iov[replies] = {batch_->responses[replies].data(), result.length};
    msghdr& out = batch_->replies[replies].msg_hdr;
    out.msg_name = &batch_->peers[i];
    out.msg_namelen = in.msg_namelen;
    out.msg_control = nullptr;
    out.msg_controllen = 0;
    if (pktinfo_) {
      size_t length = copy_pktinfo(in, batch_->reply_control[replies].data(), UdpBatch::kControlBytes);
      if (length != 0) {
        out.msg_control = batch_->reply_control[replies].data();
        out.msg_controllen = length;
      }
    }
    ++replies;
  }
  if (replies != 0) send_replies(replies);
}

bool UdpListener::rate_limit(QueryResult& result, std::span<uint8_t> response, const sockaddr* peer,
                             uint64_t now_ms) {
  // A valid server cookie proves the client's address is its own: not a reflection.
  if (limiter_ == nullptr || result.cookie == CookieStatus::Valid) return true;
  switch (limiter_->decide(peer, result.kind, result.kind_hash, now_ms)) {
    case RateDecision::Allow:
      return true;
    case RateDecision::Slip:
      responder_.stats().rrl_slipped();
      result.length = make_slip_reply(response.first(result.length), result.question_end);
      return true;
    case RateDecision::Drop:
      break;
  }
  responder_.stats().rrl_dropped();
  return false;
}

size_t UdpListener::hand_off(std::span<const uint8_t> query, const sockaddr* peer, std::span<uint8_t> response) {
  const auto stream = responder_.hand_off(query, peer, Transport::Udp);
  if (!stream || !stream->next(handoff_message_) || handoff_message_.size() > response.size()) return 0;
  std::memcpy(response.data(), handoff_message_.data(), handoff_message_.size());
  return handoff_message_.size();
}

void UdpListener::tap(dnstap::Ring& ring, unsigned index, const timespec& time, std::span<const uint8_t> query,
                      std::span<const uint8_t> response, bool responded) {
  const msghdr& in = batch_->received[index].msg_hdr;
  // A wildcard socket learns the address each query came to from its pktinfo.
  sockaddr_storage local = address_.storage;
  for (cmsghdr* c = pktinfo_ ? CMSG_FIRSTHDR(&in) : nullptr; c != nullptr;
       c = CMSG_NXTHDR(const_cast<msghdr*>(&in), c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO && local.ss_family == AF_INET) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      reinterpret_cast<sockaddr_in*>(&local)->sin_addr = info.ipi_addr;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO && local.ss_family == AF_INET6) {
      in6_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr = info.ipi6_addr;
    }
  }
  tap_exchange(ring, dnstap::Protocol::Udp, reinterpret_cast<const sockaddr*>(&batch_->peers[index]),
               reinterpret_cast<const sockaddr*>(&local), time, query, response, responded);
}

void UdpListener::send_replies(unsigned count) {
  unsigned sent = 0;
  while (sent < count) {
    int n = sendmmsg(fd_, batch_->replies.data() + sent, count - sent, MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<unsigned>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      // The socket buffer is full: drop the rest rather than block the worker,
      // as a router would. The clients retry.
      responder_.stats().udp_send_error(count - sent);
      return;
    }
    // This one reply failed (e.g. the peer address is unusable): skip it.
    responder_.stats().udp_send_error();
    ++sent;
  }
}

}  // namespace dnsd
