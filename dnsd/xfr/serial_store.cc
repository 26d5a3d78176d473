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
  entries_.clear();
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
      entries_[origin] = s;
    }
  } catch (const std::exception& e) {
    error = path_ + ": not a serials file (" + e.what() + ")";
    return false;
  }
  return true;
}

std::optional<ServedSerial> SerialStore::find(const std::string& origin) const {
  const auto it = entries_.find(origin);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void SerialStore::set(const std::string& origin, ServedSerial served) {
  auto [it, inserted] = entries_.try_emplace(origin, served);
  if (!inserted && it->second == served) return;
  it->second = served;
  dirty_ = true;
}

bool SerialStore::save(std::string& error) {
  if (path_.empty() || !dirty_) return true;
  nlohmann::json zones = nlohmann::json::object();
  for (const auto& [origin, s] : entries_) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(s.fingerprint));
    zones[origin] = {{"serial", s.serial}, {"fingerprint", hex}};
  }
  const nlohmann::json doc = {{"comment", "the SOA serial dnsd last served per zone; never edit by hand"},
                              {"zones", zones}};
  if (!health::write_file_atomically(path_, doc.dump(1) + "\n", error)) return false;
  dirty_ = false;
  return true;
}

}  // namespace dnsd::xfr
