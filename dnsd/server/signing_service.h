// The keys and signatures of the signed zones: the versioner's SigningSource.
// It loads each signed zone's keys from the key directory (making the first
// key on first start), moves the key timeline along with the clock, gives
// the versioner the setup to sign with now, and keeps each zone's static
// signatures until its key or window changes. The server asks due() every
// second and publishes new versions when a window or a key event has come.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dnsd/dnssec/key_store.h"
#include "dnsd/dnssec/key_timeline.h"
#include "dnsd/dnssec/signing_source.h"
#include "zones/zone_set.h"

namespace dnsd {

/// One signed zone's keys and signatures, for `dnsd ctl keys`, explain and metrics.
struct ZoneSigningReport {
  std::string zone;
  int64_t now = 0;                       ///< the report's time, unix seconds (the service's clock)
  std::vector<dnssec::KeyRecord> keys;   ///< as the timeline stands at the report's time
  std::vector<dnssec::KeyState> states;  ///< parallel to keys, at the report's time
  /// Parallel to keys: each key's DNSKEY rdata, for its DS; empty for a key
  /// that is not loaded (removed keys are not).
  std::vector<std::vector<uint8_t>> dnskey_rdata;
  uint32_t parent_ds_ttl = 86400;        ///< the zone's policy: TTL of its DS at the parent
  uint16_t zone_key_tag = 0;             ///< the key signing zone data now; 0: none
  dnssec::SignatureWindow window;
  int64_t next_refresh = 0;              ///< when signatures are made anew
  std::string next_event;                ///< the key timeline's next step, in words
  std::string error;                     ///< the last failure to load or save keys; empty when none
};

/// Counters of all signing, for /metrics.
struct SigningCounters {
  uint64_t signatures = 0;   ///< RRSIGs made, of zones and of versions
  double seconds = 0;        ///< time spent making static zone signatures
  uint64_t zone_signings = 0;  ///< times a zone's static part was signed whole
};

/// The signing service. Publisher's threads call the SigningSource methods
/// and prepare() (one at a time, as publishes are serialised); the control
/// thread calls the report and key commands. Internally locked.
class SigningService : public dnssec::SigningSource {
 public:
  /// `key_dir` empty: signed zones cannot be served (prepare() says why).
  /// `threads` sign a large zone's static RRsets (0: one per CPU). `now` gives unix seconds.
  SigningService(std::string key_dir, unsigned threads, std::function<int64_t()> now);

  std::shared_ptr<const dnssec::SigningSetup> setup(const std::shared_ptr<const zones::Zone>& zone,
                                                    std::string& error) override;
  std::shared_ptr<const dnssec::ZoneSignatures> zone_signatures(const std::shared_ptr<const zones::Zone>& zone,
                                                                const dnssec::SigningSetup& setup,
                                                                std::string& error) override;

  /// A signed zone that cannot be signed: its index in the set and why.
  struct Failure {
    uint32_t zone = 0;
    std::string error;  ///< "ZONE: why"
  };
  /// Loads (or makes) the keys of every signed zone of `set` and signs the
  /// static part of any zone new to it, before `set` is published, so the
  /// publish lock is held only for what versions add. Returns the zones
  /// that cannot be signed. Reload thread (or the main loop's signing timer).
  std::vector<Failure> prepare(const zones::ZoneSet& set);

  /// Whether some zone's window or key timeline has moved on since its
  /// setup was made, so new versions must be published. Any thread.
  bool due() const;

  /// Every signed zone's keys and signing state. Any thread.
  std::vector<ZoneSigningReport> report() const;
  /// Starts a CSK rollover of `zone` (lowercase, trailing dot). Any thread.
  bool roll(const std::string& zone, std::string& error);
  /// Records that the parent serves key `tag`'s DS. Any thread.
  bool ds_seen(const std::string& zone, uint16_t tag, std::string& error);
  SigningCounters counters() const;
  /// Counts `n` signatures a published version made itself (SOA, DNSKEY,
  /// pools, NSEC records a pool emptied). Publisher's thread.
  void count_version_signatures(size_t n);

 private:
  struct ZoneState {
    bool loaded = false;
    dnssec::ZoneKeys keys;
    zones::DnssecPolicy policy;
    dnssec::KeyTimings timings;
    std::shared_ptr<const dnssec::SigningSetup> setup;
    int64_t due = 0;  ///< when setup stops being current; 0: never
    std::weak_ptr<const zones::Zone> signed_zone;
    std::shared_ptr<const dnssec::ZoneSignatures> signatures;
    std::string error;
  };
  /// The state of `zone`, its keys loaded (made when missing). Caller holds mutex_.
  ZoneState* state_for(const zones::Zone& zone, std::string& error);
  /// Sets when `state` is next due and recomputes next_due_. Caller holds mutex_.
  void schedule(ZoneState& state, int64_t due);

  std::string key_dir_;
  dnssec::KeyStore store_;
  unsigned threads_;
  std::function<int64_t()> now_;
  mutable std::mutex mutex_;
  std::map<std::string, ZoneState> zones_;  ///< by lowercase origin
  SigningCounters counters_;
  std::atomic<int64_t> next_due_{0};  ///< the earliest ZoneState::due; 0: none
};

/// The largest TTL anything in `zone` is served with (records, pools, the
/// negative TTL, DNSKEY): how long a signature can live in a cache. Any thread.
uint32_t max_served_ttl(const zones::Zone& zone);

}  // namespace dnsd
