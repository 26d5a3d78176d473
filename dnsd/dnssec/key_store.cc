#include "dnsd/dnssec/key_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "dnsd/dnssec/key_state_file.h"
#include "health/atomic_file.h"
#include "zones/json_fields.h"

namespace dnsd::dnssec {
namespace {

/// DNSKEY flags of every key here: Zone Key + Secure Entry Point (a CSK).
constexpr uint16_t kCombinedKeyFlags = 257;
/// A state file larger than this is not one dnsd wrote.
constexpr std::streamoff kMaxStateFileSize = 1 << 20;
/// Fresh keys tried before giving up on finding an unused key tag.
constexpr int kKeyAttempts = 16;

/// Lowercase with exactly one trailing dot.
std::string canonical_origin(const std::string& origin) {
  std::string name;
  for (const char c : origin) name += (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
  if (name.empty() || name.back() != '.') name += '.';
  return name;
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

KeyStore::KeyStore(std::string directory) : directory_(std::move(directory)) {}

std::string KeyStore::zone_file_stem(const std::string& origin) {
  if (origin.empty() || origin.find('/') != std::string::npos || origin.find('\0') != std::string::npos) return "";
  std::string stem = canonical_origin(origin);
  stem.pop_back();
  if (stem.empty()) return "root";
  if (stem.front() == '.' || stem.find("..") != std::string::npos) return "";
  return stem;
}

std::string KeyStore::key_file_name(const std::string& origin, Algorithm algorithm, uint16_t tag) {
  char numbers[32];
  std::snprintf(numbers, sizeof numbers, "+%03u+%05u.pem", unsigned(algorithm), unsigned(tag));
  return "K" + canonical_origin(origin) + numbers;
}

std::string KeyStore::path_of(const std::string& name) const { return directory_ + "/" + name; }

std::string KeyStore::state_path(const std::string& origin) const {
  return path_of(zone_file_stem(origin) + ".keys.json");
}

bool KeyStore::ensure_directory(std::string& error) const {
  struct stat st {};
  if (::stat(directory_.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return true;
    error = directory_ + ": not a directory";
    return false;
  }
  const std::filesystem::path parent = std::filesystem::path(directory_).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (::mkdir(directory_.c_str(), 0700) != 0 && errno != EEXIST) {
    error = directory_ + ": cannot create the key directory: " + std::strerror(errno);
    return false;
  }
  ::chmod(directory_.c_str(), 0700);  // whatever the umask
  return true;
}

bool KeyStore::load(const std::string& origin, ZoneKeys& out, std::string& error) const {
  if (zone_file_stem(origin).empty()) {
    error = "zone name '" + origin + "' cannot name a key file";
    return false;
  }
  const std::string zone = canonical_origin(origin);
  const std::string path = state_path(origin);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = errno == ENOENT ? "no keys for " + zone + " in " + directory_ : path + ": " + std::strerror(errno);
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad() || text.tellp() > kMaxStateFileSize) {
    error = path + ": cannot read it, or it is larger than a key state file can be";
    return false;
  }
  ZoneKeys loaded;
  if (!parse_key_state(text.str(), path, zone, loaded.records, error)) return false;
  for (size_t i = 0; i < loaded.records.size(); ++i) {
    const KeyRecord& record = loaded.records[i];
    if (record.removed != 0) {
      loaded.keys.push_back(nullptr);
      continue;
    }
    const std::string pointer = zones::pointer_append("/keys", i);
    std::string why;
    auto key = SigningKey::load(path_of(record.file), record.algorithm, kCombinedKeyFlags, why);
    if (!key) {
      error = path + ": " + pointer + "/file: " + why;
      return false;
    }
    if (key->key_tag() != record.tag) {
      error = path + ": " + pointer + "/tag: is " + std::to_string(record.tag) + ", but " + path_of(record.file) +
              " holds key " + std::to_string(key->key_tag());
      return false;
    }
    loaded.keys.push_back(std::move(key));
  }
  out = std::move(loaded);
  return true;
}

bool KeyStore::load_or_create(const std::string& origin, Algorithm algorithm, int64_t now, ZoneKeys& out,
                              std::string& error) {
  if (zone_file_stem(origin).empty()) {
    error = "zone name '" + origin + "' cannot name a key file";
    return false;
  }
  const std::string path = state_path(origin);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    ZoneKeys loaded;
    if (!load(origin, loaded, error)) return false;
    if (loaded.records.empty()) return create_first_key(origin, algorithm, now, out, error);
    for (size_t i = 0; i < loaded.records.size(); ++i) {
      const KeyRecord& record = loaded.records[i];
      if (record.removed != 0 || record.algorithm == algorithm) continue;
      error = path + ": " + zones::pointer_append("/keys", i) + "/algorithm: key " + std::to_string(record.tag) +
              " (" + record.file + ") is " + algorithm_name(record.algorithm) + ", but the zone asks for " +
              algorithm_name(algorithm) + "; an algorithm rollover is not supported";
      return false;
    }
    out = std::move(loaded);
    return true;
  }
  if (errno != ENOENT) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  return create_first_key(origin, algorithm, now, out, error);
}

bool KeyStore::create_first_key(const std::string& origin, Algorithm algorithm, int64_t now, ZoneKeys& out,
                                std::string& error) {
  const std::string zone = canonical_origin(origin);
  const std::string path = state_path(origin);
  // Key files without records: the state was lost, and a new key would
  // not match the DS at the parent. The operator decides.
  std::error_code ec;
  const std::string prefix = "K" + zone + "+";
  for (const auto& entry : std::filesystem::directory_iterator(directory_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.size() > 4 && name.compare(name.size() - 4, 4, ".pem") == 0) {
      error = path + ": no key records, but " + path_of(name) + " exists; restore the state file, or move the zone's " +
              "key files away to start with a new key (which needs a new DS at the parent)";
      return false;
    }
  }

  if (!ensure_directory(error)) return false;
  KeyRecord record;
  auto key = make_key(origin, algorithm, {}, now, record, error);
  if (!key) return false;
  record.active = now;
  if (!save(origin, {record}, error)) {
    ::unlink(path_of(record.file).c_str());  // never published: nothing depends on it
    return false;
  }
  out.records = {record};
  out.keys = {std::move(key)};
  return true;
}

std::shared_ptr<const SigningKey> KeyStore::make_key(const std::string& origin, Algorithm algorithm,
                                                     const std::vector<KeyRecord>& records, int64_t now,
                                                     KeyRecord& record, std::string& error) {
  for (int attempt = 0; attempt < kKeyAttempts; ++attempt) {
    auto key = SigningKey::generate(algorithm, kCombinedKeyFlags, error);
    if (!key) return nullptr;
    bool tag_used = false;
    for (const KeyRecord& r : records) tag_used = tag_used || r.tag == key->key_tag();
    const std::string name = key_file_name(origin, algorithm, key->key_tag());
    if (tag_used || file_exists(path_of(name))) continue;  // a key tag must name one key
    if (!key->save(path_of(name), error)) return nullptr;
    record = KeyRecord{};
    record.tag = key->key_tag();
    record.algorithm = algorithm;
    record.file = name;
    record.created = record.published = now;
    return key;
  }
  error = directory_ + ": no unused key tag found for " + canonical_origin(origin);
  return nullptr;
}

bool KeyStore::save(const std::string& origin, const std::vector<KeyRecord>& records, std::string& error) {
  if (zone_file_stem(origin).empty()) {
    error = "zone name '" + origin + "' cannot name a key file";
    return false;
  }
  if (!ensure_directory(error)) return false;
  return health::write_file_atomically(state_path(origin), key_state_text(canonical_origin(origin), records), error,
                                       0600);
}

bool KeyStore::start_rollover(const std::string& origin, int64_t now, ZoneKeys& keys, std::string& error) {
  std::string why;
  if (!can_start_rollover(keys.records, now, why)) {
    error = "cannot start a rollover of " + canonical_origin(origin) + ": " + why;
    return false;
  }
  Algorithm algorithm = Algorithm::EcdsaP256Sha256;
  for (const KeyRecord& record : keys.records)
    if (state_of(record, now) == KeyState::Active) algorithm = record.algorithm;
  KeyRecord record;
  auto key = make_key(origin, algorithm, keys.records, now, record, error);
  if (!key) return false;
  std::vector<KeyRecord> records = keys.records;
  records.push_back(record);
  if (!save(origin, records, error)) {
    ::unlink(path_of(record.file).c_str());  // never published: nothing depends on it
    return false;
  }
  keys.records = std::move(records);
  keys.keys.resize(keys.records.size() - 1);
  keys.keys.push_back(std::move(key));
  return true;
}

bool KeyStore::mark_ds_seen(const std::string& origin, uint16_t tag, int64_t now, ZoneKeys& keys,
                            std::string& error) {
  for (size_t i = 0; i < keys.records.size(); ++i) {
    if (keys.records[i].tag != tag || keys.records[i].removed != 0) continue;
    if (keys.records[i].ds_seen != 0) return true;
    std::vector<KeyRecord> records = keys.records;
    records[i].ds_seen = now;
    if (!save(origin, records, error)) return false;
    keys.records = std::move(records);
    return true;
  }
  error = canonical_origin(origin) + " has no key " + std::to_string(tag) + " in " + directory_ +
          " (or it was removed)";
  return false;
}

}  // namespace dnsd::dnssec
