#include "dnsd/xfr/serial_store.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "health/atomic_file.h"

namespace dnsd::xfr {

bool SerialStore::load(std::string& error) {
  saved_.clear();
  pending_.clear();
  if (path_.empty()) return true;
  std::ifstream in(path_);
  if (!in) {
    if (errno == ENOENT) return true;
    error = path_ + ": " + std::strerror(errno);
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    const auto doc = nlohmann::json::parse(text.str());
    for (const auto& [origin, entry] : doc.at("zones").items()) {
      ServedSerial s;
      s.serial = entry.at("serial").get<uint32_t>();
      s.fingerprint = std::stoull(entry.at("fingerprint").get<std::string>(), nullptr, 16);
      saved_[origin] = s;
    }
  } catch (const std::exception& e) {
    error = path_ + ": not a serials file (" + e.what() + ")";
    return false;
  }
  return true;
}

std::optional<ServedSerial> SerialStore::find(const std::string& origin) const {
  if (const auto it = pending_.find(origin); it != pending_.end()) return it->second;
  return find_saved(origin);
}

std::optional<ServedSerial> SerialStore::find_saved(const std::string& origin) const {
  const auto it = saved_.find(origin);
  if (it == saved_.end()) return std::nullopt;
  return it->second;
}

bool SerialStore::set(const std::string& origin, ServedSerial served) {
  if (find_saved(origin) == served) {
    pending_.erase(origin);
    return false;
  }
  pending_[origin] = served;
  return true;
}

bool SerialStore::save(std::string& error) {
  if (path_.empty()) {
    pending_.clear();
    return true;
  }
  if (pending_.empty()) return true;
  std::map<std::string, ServedSerial> entries = saved_;
  for (const auto& [origin, s] : pending_) entries[origin] = s;
  nlohmann::json zones = nlohmann::json::object();
  for (const auto& [origin, s] : entries) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(s.fingerprint));
    zones[origin] = {{"serial", s.serial}, {"fingerprint", hex}};
  }
  const nlohmann::json doc = {{"comment", "the SOA serial dnsd last served per zone; never edit by hand"},
                              {"zones", zones}};
  if (!health::write_file_atomically(path_, doc.dump(1) + "\n", error)) return false;
  saved_ = std::move(entries);
  pending_.clear();
  return true;
}

}  // namespace dnsd::xfr
