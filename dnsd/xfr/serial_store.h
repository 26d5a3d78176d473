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

/// The persisted serials, by lowercased origin ("example.test."). Owned by
/// the publisher's thread.
class SerialStore {
 public:
  /// `path` empty: nothing is read or written.
  explicit SerialStore(std::string path) : path_(std::move(path)) {}

  /// Reads the file; a missing file is an empty store. False and `error`
  /// (naming the file) when it exists but cannot be read or parsed.
  bool load(std::string& error);
  /// The entry of `origin`, if any.
  std::optional<ServedSerial> find(const std::string& origin) const;
  /// Records `served` for `origin`; entries of zones no longer served are
  /// kept, so a zone that comes back continues from its last serial.
  void set(const std::string& origin, ServedSerial served);
  /// Writes the file atomically if anything changed since the last save.
  bool save(std::string& error);
  bool persistent() const { return !path_.empty(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::map<std::string, ServedSerial> entries_;
  bool dirty_ = false;
};

}  // namespace dnsd::xfr
