// Where runtime drains survive a restart: DIR/drains.json under
// `dnsd serve --state-dir DIR`. Rewritten whole on every change, atomically
// (a temporary file beside it, fsync, rename), so a crash leaves either the
// old or the new file, never half of one. Read once at start-up, before the
// zones load, so a drained member is never served after a restart.
//
// Format, version 1:
//   {"version": 1,
//    "drains": [{"zone": "example.test.", "pool": "web", "address": "192.0.2.1",
//                "since_ms": 1795342560000, "since": "2026-11-22T10:16:00.000Z"}],
//    "addresses": [{"address": "192.0.2.7",
//                   "since_ms": 1795342560000, "since": "2026-11-22T10:16:00.000Z"}]}
// ("since" is for people; "since_ms" is what is read back.) "addresses" are
// drained in every pool of every zone, pools added later included; the
// members they cover are listed in "drains" too, so a reader that knows
// only "drains" still keeps those drained. A file without "addresses" reads
// as none.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dnsd {

/// One drained member of one pool of one zone, or (zone and pool empty) an
/// address drained in every pool of every zone.
struct DrainRecord {
  std::string zone;     ///< normalised origin, "example.test."; empty with pool: every pool
  std::string pool;
  std::string address;  ///< canonical
  uint64_t since_ms = 0;  ///< Unix ms when it was drained

  /// The address in every pool of every zone ("addresses" in the file).
  bool every_pool() const { return zone.empty() && pool.empty(); }
};

/// The drains file of one state directory. Blocking file I/O; control threads
/// and start-up only. Not thread-safe: the caller serialises saves.
class DrainStore {
 public:
  explicit DrainStore(std::string dir);

  /// DIR/drains.json.
  const std::string& path() const { return path_; }

  /// Reads the drains; a missing file means none. False with `error` (naming
  /// the file) when it cannot be read or is malformed.
  bool load(std::vector<DrainRecord>& out, std::string& error) const;

  /// Replaces the file with `drains`, creating DIR if missing. False with `error`.
  bool save(const std::vector<DrainRecord>& drains, std::string& error) const;

 private:
  std::string dir_;
  std::string path_;
};

}  // namespace dnsd
