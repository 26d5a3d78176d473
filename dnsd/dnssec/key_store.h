// The key directory: each zone's signing keys and their life, kept so that a
// restart signs with the same keys (a new key would break the chain of trust
// from the parent's DS).
//
// Layout, for zone example.test.:
//   example.test.keys.json          the state file (mode 0600, replaced atomically):
//     {"zone": "example.test.", "keys": [{"tag": 12345, "algorithm": "ecdsap256sha256",
//       "file": "Kexample.test.+013+12345.pem", "created": 1800000000, "published": ...,
//       "active": ..., "retired": 0, "removed": 0, "ds_seen": 0}]}
//   Kexample.test.+013+12345.pem    the private key (PKCS#8 PEM, mode 0600)
// The root zone's state file is root.keys.json and its keys K.+013+NNNNN.pem.
// The directory is created with mode 0700 when missing. Removed keys keep
// their record (history) and their PEM file; nothing here deletes a key.
// Keys are CSKs (DNSKEY flags 257). One process should own a directory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dnsd/dnssec/algorithm.h"
#include "dnsd/dnssec/key_timeline.h"
#include "dnsd/dnssec/signing_key.h"

namespace dnsd::dnssec {

/// A zone's keys as loaded from the key directory: the records and the
/// loaded private keys (parallel; nullptr for removed keys, which are not loaded).
struct ZoneKeys {
  std::vector<KeyRecord> records;
  std::vector<std::shared_ptr<const SigningKey>> keys;
};

/// One key directory. Methods do blocking file I/O: call them off the query
/// threads (the loader thread, or the CLI). Not for concurrent use on one zone.
class KeyStore {
 public:
  explicit KeyStore(std::string directory);

  /// Loads the zone's keys; when it has none yet (no state file), creates the
  /// first key (active at `now`) of `algorithm`, saves it and returns it (so
  /// too for a state file listing no keys). A
  /// state file naming a missing or unreadable key file, or a key of another
  /// algorithm than `algorithm`, is an error naming the file: a new key is
  /// never made silently. So is a zone without a state file whose key files
  /// are present. False with `error`.
  bool load_or_create(const std::string& origin, Algorithm algorithm, int64_t now, ZoneKeys& out,
                      std::string& error);

  /// Loads without creating (for `dnsd ds`): false with error
  /// "no keys for ZONE in DIR" when the zone has no state file.
  bool load(const std::string& origin, ZoneKeys& out, std::string& error) const;

  /// Persists `records` (after advance_keys() or a rollover start) as the
  /// zone's state file. False with `error` naming the file.
  bool save(const std::string& origin, const std::vector<KeyRecord>& records, std::string& error);

  /// Starts a rollover at `now`: checks can_start_rollover(), generates and
  /// saves a new key of the active key's algorithm (an algorithm change is
  /// not offered), appends its record (created = published = now) to `keys`
  /// and saves. On failure `keys` and the directory are as before.
  bool start_rollover(const std::string& origin, int64_t now, ZoneKeys& keys, std::string& error);

  /// Records that the parent has key `tag`'s DS (ds_seen = now unless already
  /// set) and saves. False if the zone has no such key that is not removed.
  bool mark_ds_seen(const std::string& origin, uint16_t tag, int64_t now, ZoneKeys& keys, std::string& error);

  /// The directory, as given.
  const std::string& directory() const { return directory_; }

  /// "example.test" for origin "Example.Test." (lowercase, no trailing dot);
  /// "root" for the root zone. Empty for a name that cannot name a file
  /// (empty, or holding '/' or NUL). Any thread.
  static std::string zone_file_stem(const std::string& origin);
  /// The private key file name of a key: "Kexample.test.+013+01234.pem".
  static std::string key_file_name(const std::string& origin, Algorithm algorithm, uint16_t tag);

 private:
  std::string path_of(const std::string& name) const;
  std::string state_path(const std::string& origin) const;
  bool ensure_directory(std::string& error) const;
  /// Makes, saves and returns the zone's first key, refusing when key files
  /// of the zone lie in the directory without records.
  bool create_first_key(const std::string& origin, Algorithm algorithm, int64_t now, ZoneKeys& out,
                        std::string& error);
  /// Generates a key whose tag no record uses and saves it; fills `record`.
  std::shared_ptr<const SigningKey> make_key(const std::string& origin, Algorithm algorithm,
                                             const std::vector<KeyRecord>& records, int64_t now,
                                             KeyRecord& record, std::string& error);

  std::string directory_;
};

}  // namespace dnsd::dnssec
