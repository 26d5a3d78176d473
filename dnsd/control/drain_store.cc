#include "dnsd/control/drain_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dnsd/control/iso_time.h"
#include "health/atomic_file.h"

namespace dnsd {

using nlohmann::json;

DrainStore::DrainStore(std::string dir) : dir_(std::move(dir)), path_(dir_ + "/drains.json") {}

bool DrainStore::load(std::vector<DrainRecord>& out, std::string& error) const {
  out.clear();
  struct stat st{};
  if (::stat(path_.c_str(), &st) != 0 && errno == ENOENT) return true;  // nothing drained yet
  std::ifstream in(path_);
  if (!in) {
    error = path_ + ": " + std::strerror(errno);
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    const json doc = json::parse(text.str());
    if (doc.value("version", 0) != 1) {
      error = path_ + ": /version: expected 1";
      return false;
    }
    const json& drains = doc.at("drains");
    for (size_t i = 0; i < drains.size(); ++i) {
      const json& d = drains.at(i);
      DrainRecord r;
      r.zone = d.at("zone").get<std::string>();
      r.pool = d.at("pool").get<std::string>();
      r.address = d.at("address").get<std::string>();
      r.since_ms = d.value("since_ms", uint64_t{0});
      if (r.zone.empty() || r.pool.empty()) {
        error = path_ + ": /drains/" + std::to_string(i) + ": zone and pool must not be empty";
        return false;
      }
      out.push_back(std::move(r));
    }
    if (auto it = doc.find("addresses"); it != doc.end()) {
      for (size_t i = 0; i < it->size(); ++i) {
        const json& d = it->at(i);
        DrainRecord r;
        r.address = d.at("address").get<std::string>();
        r.since_ms = d.value("since_ms", uint64_t{0});
        if (r.address.empty()) {
          error = path_ + ": /addresses/" + std::to_string(i) + "/address: must not be empty";
          return false;
        }
        out.push_back(std::move(r));
      }
    }
  } catch (const std::exception& e) {
    error = path_ + ": " + e.what();
    return false;
  }
  return true;
}

bool DrainStore::save(const std::vector<DrainRecord>& drains, std::string& error) const {
  if (::mkdir(dir_.c_str(), 0755) != 0 && errno != EEXIST) {
    error = dir_ + ": " + std::strerror(errno);
    return false;
  }
  json list = json::array();
  json addresses = json::array();
  for (const DrainRecord& d : drains) {
    if (d.every_pool()) {
      addresses.push_back({{"address", d.address}, {"since_ms", d.since_ms}, {"since", iso_time(d.since_ms)}});
      continue;
    }
    list.push_back({{"zone", d.zone},
                    {"pool", d.pool},
                    {"address", d.address},
                    {"since_ms", d.since_ms},
                    {"since", iso_time(d.since_ms)}});
  }
  const std::string text = json{{"version", 1}, {"drains", list}, {"addresses", addresses}}.dump(2) + "\n";

  return health::write_file_atomically(path_, text, error);
}

}  // namespace dnsd
