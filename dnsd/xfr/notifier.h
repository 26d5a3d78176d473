// Outgoing NOTIFY (RFC 1996): when a zone gets a new version, tell each of its
// secondaries, and keep telling it, with backoff, until it acknowledges or the
// attempts run out. One small state per (zone, secondary), as in NSD's
// xfrd-notify: the newest serial replaces an unanswered one, and a secondary
// that refuses is not asked again until the next version. TSIG comes in as
// callbacks, so this file knows nothing of keys or HMACs.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace dnsd::xfr {

/// Signs a NOTIFY and checks the reply; empty std::function members mean
/// unsigned. Called on the notifier's loop thread.
struct NotifySigner {
  /// Appends a TSIG record to the message (and counts it in ARCOUNT); returns
  /// its MAC, nullopt on failure. Called once per attempt: each retry has a
  /// new ID and a fresh time signed.
  std::function<std::optional<std::vector<uint8_t>>(std::vector<uint8_t>& message)> sign;
  /// Checks a reply to a message whose MAC was `mac`. Only called when `sign`
  /// is set; a signer without `verify` accepts unsigned replies.
  std::function<bool(std::span<const uint8_t> reply, std::span<const uint8_t> mac)> verify;
};

/// One NOTIFY to send: the zone's new SOA, to one secondary.
struct NotifyTask {
  std::string zone;                 ///< origin, presentation form ("example.test.")
  uint32_t serial = 0;              ///< the serial announced (also inside soa_rdata)
  uint32_t soa_ttl = 0;
  std::vector<uint8_t> soa_rdata;   ///< uncompressed wire rdata of the new SOA
  sockaddr_storage target{};        ///< address and port
  std::string target_text;          ///< "192.0.2.53:53", for status and logs
  std::shared_ptr<const NotifySigner> signer;  ///< nullptr: unsigned
};

/// Retry schedule.
struct NotifyTiming {
  uint64_t first_retry_ms = 1000;   ///< doubles after each unanswered attempt...
  uint64_t max_retry_ms = 30000;    ///< ...up to this
  unsigned max_attempts = 10;       ///< then give up and count a failure (the next version notifies again)
};

/// How long to wait for an answer after the `attempts`-th send (1-based):
/// first_retry_ms, doubled per earlier attempt, capped at max_retry_ms, and at
/// least 1 ms. With the defaults: 1, 2, 4, 8, 16, 30, 30... seconds. Pure; any thread.
uint64_t notify_retry_delay(const NotifyTiming& timing, unsigned attempts);

/// Where NOTIFYs come from. Secondaries often accept NOTIFY only from the
/// primary's address, so a multi-homed primary must be able to choose it.
struct NotifySource {
  std::string v4 = "0.0.0.0";  ///< local address for IPv4 targets; the port is ephemeral
  std::string v6 = "::";       ///< local address for IPv6 targets
};

/// Per (zone, target) state for status pages.
struct NotifyPeerStatus {
  std::string zone, target;
  uint32_t serial_sent = 0, serial_acked = 0;   ///< 0 = none yet
  uint64_t last_sent_ms = 0, last_ack_ms = 0;    ///< unix ms; 0 = never
  unsigned attempts = 0;                         ///< of the current serial
  bool pending = false;                          ///< still retrying
  /// e.g. "timeout after 10 attempts", "rcode REFUSED", "bad TSIG on reply"; "" after an ack
  std::string last_error;
};

/// Totals since construction, for /metrics.
struct NotifyCounters {
  uint64_t sent = 0;             ///< datagrams sent, first attempts and retries
  uint64_t retried = 0;          ///< of those, retries
  uint64_t acked = 0;            ///< NOTIFYs answered NOERROR
  uint64_t failed = 0;           ///< given up, refused (any other rcode), or unsendable (bad task, signing failed)
  uint64_t ignored_replies = 0;  ///< datagrams that acknowledge nothing: stray, stale, malformed, bad TSIG
  uint64_t superseded = 0;       ///< unanswered NOTIFYs replaced by a newer send() before they settled
};

/// Sends NOTIFYs from its own UDP sockets on `loop` and retries them.
/// Everything but status()/counters() runs on the loop's thread.
class Notifier {
 public:
  /// Called when a NOTIFY settles: acknowledged, refused or given up.
  using Settled = std::function<void(const NotifyPeerStatus&)>;

  /// Nothing opens until start(). Loop thread.
  Notifier(uv_loop_t* loop, NotifyTiming timing = {}, NotifySource source = {});
  /// The owner must have called stop() and run the loop until the handles
  /// closed (or never started this). Loop thread.
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  /// Opens the retry timer and the IPv4 socket (ephemeral port); the IPv6
  /// socket opens on the first IPv6 target. False with `error` set when they
  /// cannot; stop() then closes whatever did open. Loop thread.
  bool start(std::string& error);
  /// Closes handles; the owner runs the loop until they close. Unanswered
  /// NOTIFYs stop (pending false, "stopped"), without a failure or callback. Loop thread.
  void stop();
  /// For the caller's logs and tests: `settled` runs on the loop thread after
  /// each NOTIFY settles. Loop thread.
  void set_on_settled(Settled settled) { on_settled_ = std::move(settled); }

  /// Sends now; replaces an unacknowledged NOTIFY of the same zone to the same
  /// target (only the newest serial matters). An invalid task (bad zone name,
  /// SOA rdata that disagrees with `serial`, unsupported address family), or
  /// one sent before start(), settles at once as failed. Ignored after stop().
  /// Loop thread.
  void send(NotifyTask task);

  /// Every (zone, target) ever notified, in a stable order (by address, then zone). Any thread.
  std::vector<NotifyPeerStatus> status() const;
  /// Any thread.
  NotifyCounters counters() const;

 private:
  struct Peer;
  using PeerKey = std::pair<std::string, std::string>;  ///< (address key, lowercased zone wire)

  static void on_timer(uv_timer_t* timer);
  static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void on_receive(uv_udp_t* udp, ssize_t nread, const uv_buf_t* buf, const sockaddr* from, unsigned flags);
  static void on_closed(uv_handle_t* handle);

  /// The row for `key`, created empty the first time.
  Peer& peer_for(const PeerKey& key);
  /// The open socket for `family`, opening it if needed; nullptr with `error` set.
  uv_udp_t* socket_for(int family, std::string& error);
  /// Sends the next attempt of `peer`'s NOTIFY and schedules its retry.
  void transmit(Peer& peer);
  /// Handles one datagram that arrived on either socket.
  void receive(std::span<const uint8_t> datagram, const sockaddr* from);
  /// Ends `peer`'s NOTIFY with `error` ("" for an ack), counts it and tells on_settled_.
  void settle(Peer& peer, std::string error);
  /// Fires overdue retries and give-ups, then re-arms the timer for the next one.
  void run_due();
  void arm_timer();

  uv_loop_t* loop_;
  NotifyTiming timing_;
  NotifySource source_;
  Settled on_settled_;
  uv_timer_t timer_{};
  uv_udp_t udp4_{}, udp6_{};
  bool timer_open_ = false, udp4_open_ = false, udp6_open_ = false;
  int open_handles_ = 0;
  bool started_ = false, stopped_ = false;
  uint8_t receive_buffer_[4096];

  std::map<PeerKey, std::unique_ptr<Peer>> peers_;  ///< loop thread; each Peer's status under mutex_
  mutable std::mutex mutex_;                        ///< guards counters_ and every Peer::status
  NotifyCounters counters_;
};

}  // namespace dnsd::xfr
