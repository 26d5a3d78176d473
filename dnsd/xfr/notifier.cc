#include "dnsd/xfr/notifier.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstring>
#include <limits>

#include "dnsd/xfr/notify_message.h"
#include "zones/rcode.h"

namespace dnsd::xfr {

/// One (zone, target): the NOTIFY being retried and what status() shows of it.
struct Notifier::Peer {
  /// One datagram of the current serial. Every attempt has its own ID (and
  /// MAC), and an answer to any of them acknowledges the serial: a slow ack
  /// to the first send still counts after the second went out.
  struct Attempt {
    uint16_t id = 0;
    std::vector<uint8_t> mac;
  };

  NotifyTask task;
  zones::Name zone;               ///< task.zone in wire form, case kept
  std::vector<Attempt> attempts;  ///< of the current serial; cleared when it settles
  uint64_t due_ms = 0;            ///< loop time of the next retry or give-up, while pending
  bool bad_tsig_seen = false;     ///< a reply of the current serial failed verify
  std::string send_error;         ///< why the latest attempt did not leave, "" when it did
  NotifyPeerStatus status;        ///< written on the loop thread under mutex_
};

namespace {

uint64_t wall_ms() {
  using namespace std::chrono;
  return uint64_t(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

/// Family, port and address bytes: equal exactly when a reply's source is the
/// target the NOTIFY went to. nullopt for families other than IPv4 and IPv6.
std::optional<std::string> address_key(const sockaddr* address) {
  std::string key(1, char(address->sa_family));
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    key.append(reinterpret_cast<const char*>(&in->sin_port), sizeof in->sin_port);
    key.append(reinterpret_cast<const char*>(&in->sin_addr), sizeof in->sin_addr);
    return key;
  }
  if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    key.append(reinterpret_cast<const char*>(&in6->sin6_port), sizeof in6->sin6_port);
    key.append(reinterpret_cast<const char*>(&in6->sin6_addr), sizeof in6->sin6_addr);
    return key;
  }
  return std::nullopt;
}

bool signs(const NotifyTask& task) { return task.signer && task.signer->sign; }

}  // namespace

uint64_t notify_retry_delay(const NotifyTiming& timing, unsigned attempts) {
  const uint64_t cap = std::max<uint64_t>(timing.max_retry_ms, 1);
  uint64_t delay = std::clamp<uint64_t>(timing.first_retry_ms, 1, cap);
  for (unsigned i = 1; i < attempts && delay < cap; ++i) delay = std::min(delay * 2, cap);
  return delay;
}

Notifier::Notifier(uv_loop_t* loop, NotifyTiming timing, NotifySource source)
    : loop_(loop), timing_(timing), source_(std::move(source)) {
  timing_.max_attempts = std::max(timing_.max_attempts, 1u);
}

Notifier::~Notifier() {
  // libuv still points at handles that have not closed: the owner must have run the loop after stop().
  assert(open_handles_ == 0);
}

bool Notifier::start(std::string& error) {
  if (started_) return true;
  if (stopped_) {
    error = "notifier stopped";
    return false;
  }
  int rc = uv_timer_init(loop_, &timer_);
  if (rc != 0) {
    error = std::string("notify timer: ") + uv_strerror(rc);
    return false;
  }
  timer_.data = this;
  timer_open_ = true;
  ++open_handles_;
  started_ = true;
  return socket_for(AF_INET, error) != nullptr;
}

void Notifier::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& [key, peer] : peers_) {
    if (!peer->status.pending) continue;
    peer->attempts.clear();
    std::lock_guard lock(mutex_);
    peer->status.pending = false;
    peer->status.last_error = "stopped";
  }
  const std::pair<uv_handle_t*, bool> handles[] = {{reinterpret_cast<uv_handle_t*>(&timer_), timer_open_},
                                                   {reinterpret_cast<uv_handle_t*>(&udp4_), udp4_open_},
                                                   {reinterpret_cast<uv_handle_t*>(&udp6_), udp6_open_}};
  for (const auto& [handle, open] : handles)
    if (open && !uv_is_closing(handle)) uv_close(handle, on_closed);
}

void Notifier::on_closed(uv_handle_t* handle) {
  auto* self = static_cast<Notifier*>(handle->data);
  if (handle == reinterpret_cast<uv_handle_t*>(&self->timer_)) self->timer_open_ = false;
  if (handle == reinterpret_cast<uv_handle_t*>(&self->udp4_)) self->udp4_open_ = false;
  if (handle == reinterpret_cast<uv_handle_t*>(&self->udp6_)) self->udp6_open_ = false;
  --self->open_handles_;
}

uv_udp_t* Notifier::socket_for(int family, std::string& error) {
  const bool v4 = family == AF_INET;
  uv_udp_t* udp = v4 ? &udp4_ : &udp6_;
  bool& open = v4 ? udp4_open_ : udp6_open_;
  if (open) {
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(udp))) return udp;
    error = "socket closing";
    return nullptr;
  }
  const std::string& local = v4 ? source_.v4 : source_.v6;
  sockaddr_storage address{};
  int rc = v4 ? uv_ip4_addr(local.c_str(), 0, reinterpret_cast<sockaddr_in*>(&address))
              : uv_ip6_addr(local.c_str(), 0, reinterpret_cast<sockaddr_in6*>(&address));
  if (rc != 0) {
    error = "bad notify source address " + local;
    return nullptr;
  }
  rc = uv_udp_init(loop_, udp);
  if (rc != 0) {
    error = std::string("udp: ") + uv_strerror(rc);
    return nullptr;
  }
  udp->data = this;
  open = true;
  ++open_handles_;
  rc = uv_udp_bind(udp, reinterpret_cast<const sockaddr*>(&address), v4 ? 0 : UV_UDP_IPV6ONLY);
  if (rc == 0) rc = uv_udp_recv_start(udp, on_alloc, on_receive);
  if (rc != 0) {
    error = "udp " + local + ": " + uv_strerror(rc);
    uv_close(reinterpret_cast<uv_handle_t*>(udp), on_closed);  // the next attempt tries again once closed
    return nullptr;
  }
  return udp;
}

Notifier::Peer& Notifier::peer_for(const PeerKey& key) {
  std::lock_guard lock(mutex_);  // status() walks peers_ from other threads
  std::unique_ptr<Peer>& slot = peers_[key];
  if (!slot) slot = std::make_unique<Peer>();
  return *slot;
}

void Notifier::send(NotifyTask task) {
  if (stopped_) return;
  zones::Name zone;
  std::string name_error;
  const bool name_ok = zones::name_from_text(task.zone, zones::root_name(), zone, name_error);
  const std::optional<std::string> address = address_key(reinterpret_cast<const sockaddr*>(&task.target));
  // Unusable tasks still get a row, so status pages show what was wrong.
  Peer& peer = peer_for(
      PeerKey{address.value_or("?" + task.target_text), name_ok ? zone.lowered().wire : "?" + task.zone});
  const bool replaced = peer.status.pending;
  peer.task = std::move(task);
  peer.zone = zone;
  peer.attempts.clear();
  peer.bad_tsig_seen = false;
  peer.send_error.clear();
  {
    std::lock_guard lock(mutex_);
    if (replaced) ++counters_.superseded;
    peer.status.zone = name_ok ? zone.lowered().text() : peer.task.zone;  // one spelling per row
    peer.status.target = peer.task.target_text;
    peer.status.serial_sent = peer.task.serial;
    peer.status.attempts = 0;
    peer.status.pending = true;
    peer.status.last_error.clear();
  }
  if (!started_) return settle(peer, "notifier not started");
  if (!name_ok) return settle(peer, "bad zone name: " + name_error);
  if (!address) return settle(peer, "unsupported address family");
  transmit(peer);
  arm_timer();
}

void Notifier::transmit(Peer& peer) {
  uint16_t id;
  do {
    id = random_message_id();
  } while (std::any_of(peer.attempts.begin(), peer.attempts.end(), [&](const Peer::Attempt& a) { return a.id == id; }));
  std::string error;
  std::vector<uint8_t> message =
      build_notify(id, peer.zone, peer.task.soa_ttl, peer.task.soa_rdata, peer.task.serial, error);
  if (message.empty()) return settle(peer, "bad task: " + error);
  Peer::Attempt attempt{id, {}};
  if (signs(peer.task)) {
    std::optional<std::vector<uint8_t>> mac = peer.task.signer->sign(message);
    if (!mac) return settle(peer, "TSIG signing failed");
    attempt.mac = std::move(*mac);
  }
  peer.attempts.push_back(std::move(attempt));

  const auto* target = reinterpret_cast<const sockaddr*>(&peer.task.target);
  peer.send_error.clear();
  if (uv_udp_t* udp = socket_for(target->sa_family, peer.send_error)) {
    uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(message.data()), unsigned(message.size()));
    const int rc = uv_udp_try_send(udp, &buf, 1, target);
    if (rc < 0) peer.send_error = std::string("send: ") + uv_strerror(rc);
  }
  // The loop's time is that of the iteration's start (or older, when send()
  // is called from outside a callback): without the update, a retry could
  // come early by however long the loop has been busy since.
  uv_update_time(loop_);
  peer.due_ms = uv_now(loop_) + notify_retry_delay(timing_, unsigned(peer.attempts.size()));

  std::lock_guard lock(mutex_);
  peer.status.attempts = unsigned(peer.attempts.size());
  if (!peer.send_error.empty()) {
    peer.status.last_error = peer.send_error;  // the retry schedule covers a full buffer or a missing route
    return;
  }
  peer.status.last_sent_ms = wall_ms();
  ++counters_.sent;
  if (peer.attempts.size() > 1) ++counters_.retried;
}

void Notifier::settle(Peer& peer, std::string error) {
  peer.attempts.clear();
  NotifyPeerStatus settled;
  {
    std::lock_guard lock(mutex_);
    peer.status.pending = false;
    if (error.empty()) {
      peer.status.serial_acked = peer.status.serial_sent;
      peer.status.last_ack_ms = wall_ms();
      peer.status.last_error.clear();
      ++counters_.acked;
    } else {
      peer.status.last_error = std::move(error);
      ++counters_.failed;
    }
    settled = peer.status;
  }
  // Last: the callback may send() again, which may reuse this very Peer.
  if (on_settled_) on_settled_(settled);
}

void Notifier::on_alloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* self = static_cast<Notifier*>(handle->data);
  *buf = uv_buf_init(reinterpret_cast<char*>(self->receive_buffer_), sizeof self->receive_buffer_);
}

void Notifier::on_receive(uv_udp_t* udp, ssize_t nread, const uv_buf_t* buf, const sockaddr* from, unsigned flags) {
  auto* self = static_cast<Notifier*>(udp->data);
  if (nread < 0 || (nread == 0 && from == nullptr)) return;  // a socket error, or nothing left to read
  if (self->stopped_) return;
  if (flags & UV_UDP_PARTIAL) from = nullptr;  // truncated: no use reading it, count it as ignored
  self->receive({reinterpret_cast<const uint8_t*>(buf->base), size_t(nread)}, from);
}

void Notifier::receive(std::span<const uint8_t> datagram, const sockaddr* from) {
  const auto ignore = [this](const char* why = nullptr, Peer* peer = nullptr) {
    std::lock_guard lock(mutex_);
    ++counters_.ignored_replies;
    if (why && peer) peer->status.last_error = why;
  };
  const std::optional<NotifyResponse> response = parse_notify_response(datagram);
  const std::optional<std::string> address = from ? address_key(from) : std::nullopt;
  if (!response || !address) return ignore();
  const auto it = peers_.find(PeerKey{*address, response->zone.wire});
  if (it == peers_.end() || !it->second->status.pending) return ignore();  // stray, or late for a settled NOTIFY
  Peer& peer = *it->second;
  const auto attempt = std::find_if(peer.attempts.begin(), peer.attempts.end(),
                                    [&](const Peer::Attempt& a) { return a.id == response->id; });
  if (attempt == peer.attempts.end()) return ignore();  // a guess, or an answer to a superseded serial
  // A reply that fails verification proves nothing, not even a refusal: an
  // attacker's REFUSED must not stop the retries. Keep waiting.
  if (signs(peer.task) && peer.task.signer->verify && !peer.task.signer->verify(datagram, attempt->mac)) {
    peer.bad_tsig_seen = true;
    return ignore("bad TSIG on reply", &peer);
  }
  if (response->rcode == 0) return settle(peer, "");
  settle(peer, "rcode " + zones::rcode_name(response->rcode));
}

void Notifier::on_timer(uv_timer_t* timer) { static_cast<Notifier*>(timer->data)->run_due(); }

void Notifier::run_due() {
  const uint64_t now = uv_now(loop_);
  for (auto& [key, slot] : peers_) {
    Peer& peer = *slot;
    if (stopped_) return;
    if (!peer.status.pending || peer.due_ms > now) continue;
    if (peer.attempts.size() < timing_.max_attempts) {
      transmit(peer);
      continue;
    }
    std::string error = "timeout after " + std::to_string(peer.attempts.size()) + " attempts";
    if (peer.bad_tsig_seen)
      error += " (bad TSIG on reply)";
    else if (!peer.send_error.empty())
      error += " (" + peer.send_error + ")";
    settle(peer, std::move(error));
  }
  arm_timer();
}

void Notifier::arm_timer() {
  if (!timer_open_ || stopped_) return;
  uint64_t next = std::numeric_limits<uint64_t>::max();
  for (const auto& [key, peer] : peers_)
    if (peer->status.pending) next = std::min(next, peer->due_ms);
  if (next == std::numeric_limits<uint64_t>::max()) {
    uv_timer_stop(&timer_);
    return;
  }
  const uint64_t now = uv_now(loop_);
  uv_timer_start(&timer_, on_timer, next > now ? next - now : 0, 0);
}

std::vector<NotifyPeerStatus> Notifier::status() const {
  std::lock_guard lock(mutex_);
  std::vector<NotifyPeerStatus> out;
  out.reserve(peers_.size());
  for (const auto& [key, peer] : peers_) out.push_back(peer->status);
  return out;
}

NotifyCounters Notifier::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace dnsd::xfr
