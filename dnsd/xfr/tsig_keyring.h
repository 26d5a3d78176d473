// The TSIG keys dnsd shares with its secondaries and primaries (RFC 8945),
// read from the file `dnsd serve --tsig-keys FILE` names, one key a line in
// the form `dig -y` takes.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace dnsd::xfr {

/// One shared secret.
struct TsigKey {
  std::string name;       ///< canonical: lowercase, one trailing dot ("xfr-key.")
  std::string algorithm;  ///< canonical algorithm name as on the wire: "hmac-sha256." etc.
  std::string secret;     ///< base64, as given
};

/// The keys `dnsd serve --tsig-keys FILE` reads. Immutable after load; any
/// thread reads. Keys found through it live as long as the keyring.
class TsigKeyring {
 public:
  /// Reads the key file at `path` (see parse for its lines). The file must be
  /// a regular file neither readable nor writable by others and not writable
  /// by its group (chmod 600 or 640): the secrets sign zone transfers. On
  /// failure, nullopt and `error` says why ("FILE:LINE: ..."); no message
  /// echoes a secret. Startup thread (reads the file).
  static std::optional<TsigKeyring> load(const std::string& path, std::string& error);

  /// Parses key lines "ALGORITHM:NAME:BASE64SECRET", as `dig -y` takes them
  /// ("hmac-sha256:xfr-key:c2VjcmV0..."); "NAME:SECRET" means hmac-sha256.
  /// Algorithms: hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384,
  /// hmac-sha512; hmac-md5 and truncated variants are refused. '#' starts a
  /// comment; blank lines are skipped. Duplicate names (in canonical form)
  /// and a text without keys are errors. `source` names the text in errors.
  /// Any thread.
  static std::optional<TsigKeyring> parse(std::string_view text, const std::string& source, std::string& error);

  /// The key called `name`, case-insensitively, trailing dot optional;
  /// nullptr when there is none. Any thread.
  const TsigKey* find(std::string_view name) const;

  /// The canonical names of all keys. Any thread.
  std::set<std::string> names() const;

  /// How many keys. Any thread.
  size_t size() const { return keys_.size(); }

 private:
  std::map<std::string, TsigKey, std::less<>> keys_;  ///< by canonical name
};

}  // namespace dnsd::xfr
