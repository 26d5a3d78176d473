// The serial each zone was last served with, and a fingerprint of what it
// held, kept in --state-dir/serials.json so that a restart never serves an
// older serial (Knot then fails with "remote is outdated"; NSD and BIND keep
// stale data) and a restart that changes nothing keeps the serial.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace dnsd::xfr {

/// What was last served for one zone.
struct ServedSerial {
  uint32_t serial = 0;
  uint64_t fingerprint = 0;
  bool operator==(const ServedSerial&) const = default;
};

/// The persisted serials, by lowercased origin ("example.test."). Keeps
/// apart what the file holds and what was set since the last save, so a
/// failed save can be taken back (discard()). Owned by the publisher's thread.
class SerialStore {
 public:
  /// `path` empty: nothing is read or written.
  explicit SerialStore(std::string path) : path_(std::move(path)) {}

  /// Reads the file; a missing file is an empty store. False and `error`
  /// (naming the file) when it exists but cannot be read or parsed.
  bool load(std::string& error);
  /// The entry of `origin`, if any: set since the last save, else saved.
  std::optional<ServedSerial> find(const std::string& origin) const;
  /// The entry of `origin` as the file holds it (what a restart would read).
  std::optional<ServedSerial> find_saved(const std::string& origin) const;
  /// Records `served` for `origin` until the next save; entries of zones no
  /// longer served are kept, so a zone that comes back continues from its
  /// last serial. Returns whether it differs from what the file holds.
  bool set(const std::string& origin, ServedSerial served);
  /// Writes the file atomically if anything was set since the last save.
  /// On failure the entries set stay unsaved (save again, or discard them).
  bool save(std::string& error);
  /// Forgets what was set since the last save: find() is find_saved() again.
  void discard() { pending_.clear(); }
  bool persistent() const { return !path_.empty(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::map<std::string, ServedSerial> saved_;    ///< what the file holds
  std::map<std::string, ServedSerial> pending_;  ///< set since, differing from saved_
};

}  // namespace dnsd::xfr
