// Turns each publish into zone versions. A zone whose served content changed
// (a zone edit, or a health or drain change that alters a pool's members)
// gets a new version with a newer serial and the change in its history; a
// zone whose content did not change keeps its version and serial.
//
// Serials: with a state file, the next serial is the previous one plus one,
// or the zone file's serial when that is newer (the operator's floor), and
// the file keeps the last served serial and fingerprint of every zone, so a
// restart continues where it stopped. Without one, serials are also at least
// the unix time in seconds, so a restart normally continues upwards too; it
// can only go backwards if versions were made faster than one per second on
// average, or the zone file's serial is ahead of the clock.
//
// When the state file cannot be written (disk full, directory made
// read-only), nothing is served under a serial the file does not hold, since
// a restart would continue from the file and could repeat or go below what
// secondaries already have. Instead the zones whose serial would change are
// held (Advance::held): each keeps serving its current version to transfers
// and SOA queries, or, having none yet this run (start-up, a zone added), its
// content now under the serial the file holds. Answers never wait: pool
// answers follow health live and a reload's records are served at once; only
// the serial, and so what secondaries fetch, waits. Every later advance
// tries the file again (the server retries every few seconds while a zone is
// held); once it is written, the held zones get their new serials and
// secondaries are notified.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dnsd/dnssec/signing_source.h"
#include "dnsd/query/snapshot.h"
#include "dnsd/xfr/serial_store.h"

namespace dnsd::xfr {

/// How long health changes are collected into one new version by default
/// (the transfer service's window): a flapping backend makes at most one
/// version per window.
inline constexpr uint64_t kCoalesceWindowMs = 150;

/// How much history each zone keeps for IXFR.
struct HistoryLimits {
  size_t max_changes = 100;                   ///< versions a secondary can be behind and still get IXFR
  size_t max_bytes = size_t(16) << 20;        ///< of removed and added records, per zone
};

/// What advance() made.
struct Advance {
  Snapshot::Versions versions;    ///< parallel to the set's zones
  std::vector<uint32_t> changed;  ///< indices of zones with a new serial
  std::vector<uint32_t> held;     ///< indices of zones whose new serial waits for the state file
  std::string error;              ///< the state file could not be written (names it and why)
  /// Signed zones that could not be signed (each "zone: why"); they keep
  /// their previous version, or are served unsigned when they have none.
  std::vector<std::string> signing_errors;
};

/// Makes versions and serials. Owned by the publisher; one call at a time.
class Versioner {
 public:
  /// `state_file` empty: time-based serials, nothing persisted. `wall_ms` is the clock.
  Versioner(std::string state_file, HistoryLimits limits, std::function<uint64_t()> wall_ms);

  /// Reads the state file. False with `error` if it exists and is unreadable.
  bool load(std::string& error);

  /// The versions of `set`, with the members `health` serves now, following
  /// on from `previous` (the snapshot published before, or nullptr: then
  /// from the state file). Writes new serials to the state file before
  /// returning, so nothing is served under a serial that a restart could
  /// repeat; if that fails, the zones concerned are held (see above). With
  /// `commit` false the versions are provisional: nothing is recorded, for a
  /// snapshot nobody will see (the first load, made before the prober's
  /// first round).
  Advance advance(const zones::ZoneSet& set, const health::HealthView& health, const Snapshot* previous,
                  bool commit = true);

  const HistoryLimits& limits() const { return limits_; }

  /// Signs zones whose file asks for it (a "dnssec" object) with what
  /// `source` gives; without one (tests, tools) every zone is unsigned.
  /// `source` outlives the versioner. Before the first advance.
  void set_signing(dnssec::SigningSource* source) { signing_ = source; }

 private:
  std::shared_ptr<const ZoneVersion> next_version(const zones::ZoneSet& set, uint32_t index,
                                                  const health::HealthView& health,
                                                  const std::shared_ptr<const ZoneVersion>& previous,
                                                  const std::string& origin, Advance& out);
  /// What a signed zone is signed with now, and its static signatures
  /// (reused from `served` when they match); false with the error in `out`.
  struct Signing {
    std::shared_ptr<const dnssec::SigningSetup> setup;
    std::shared_ptr<const dnssec::ZoneSignatures> zone;
  };
  bool signing_for(const std::shared_ptr<const zones::Zone>& zone, const ZoneVersion* served, Signing& signing,
                   Advance& out);
  /// Signs `v` (serial and SOA set) with `signing`, reusing from `previous`. False with the error in `out`.
  bool sign(ZoneVersion& v, const Signing& signing, const ZoneVersion* previous, Advance& out);
  /// What zone `index` serves while its new serial cannot be saved: `previous`
  /// if it was saved, else the content now under the serial the file holds.
  std::shared_ptr<const ZoneVersion> held_version(const zones::ZoneSet& set, uint32_t index,
                                                  const health::HealthView& health,
                                                  const std::shared_ptr<const ZoneVersion>& previous,
                                                  const std::string& origin, Advance& out);
  /// The serial of a zone served for the first time: its file's, or the clock without a state file.
  uint32_t first_serial(uint32_t floor, uint64_t created_ms) const;

  SerialStore store_;
  HistoryLimits limits_;
  std::function<uint64_t()> wall_ms_;
  dnssec::SigningSource* signing_ = nullptr;
};

}  // namespace dnsd::xfr
