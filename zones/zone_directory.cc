#include "zones/zone_directory.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

namespace dnsd::zones {
namespace {

std::string origin_key(const Zone& zone) {
  return std::string(reinterpret_cast<const char*>(zone.origin()), zone.origin_length());
}

}  // namespace

size_t DirectoryLoad::zone_count() const {
  return size_t(std::count_if(results.begin(), results.end(), [](const LoadResult& r) { return r.zone != nullptr; }));
}

std::shared_ptr<const ZoneSet> DirectoryLoad::zone_set() const { return build_zone_set(*this); }

bool list_zone_files(const std::string& dir, std::vector<std::string>& files, std::string& error) {
  namespace fs = std::filesystem;
  files.clear();
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    error = "cannot read directory: " + ec.message();
    return false;
  }
  std::vector<std::pair<std::string, std::string>> found;  // file name -> path
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) {
      error = "cannot read directory: " + ec.message();
      return false;
    }
    std::string name = it->path().filename().string();
    if (name.size() <= 5 || name[0] == '.' || name.compare(name.size() - 5, 5, ".json") != 0) continue;
    std::error_code type_ec;
    if (!fs::is_regular_file(it->path(), type_ec)) continue;  // follows links; skips dangling ones
    found.emplace_back(name, (fs::path(dir) / name).string());
  }
  std::sort(found.begin(), found.end());
  for (auto& [name, path] : found) files.push_back(std::move(path));
  return true;
}

DirectoryLoad load_zone_files(const std::vector<std::string>& files, const LoadOptions& options,
                              ZoneFileCache* cache) {
  DirectoryLoad load;
  load.files = files;
  if (cache) cache->retain(files);
  std::map<std::string, std::string> owners;  // lowercased origin wire -> file
  for (const std::string& file : files) {
    bool reused = false;
    LoadResult result = cache ? cache->load(file, options, reused) : load_zone_file(file, options);
    load.unchanged += reused;
    if (result.zone) {
      auto [first, fresh] = owners.emplace(origin_key(*result.zone), file);
      if (!fresh) {
        result.errors.push_back(LoadError{file, "/origin",
                                          "origin " + result.zone->origin_text() + " is already declared by " +
                                              first->second + "; each zone must be in exactly one file"});
        result.zone = nullptr;
      }
    }
    load.errors.insert(load.errors.end(), result.errors.begin(), result.errors.end());
    if (!reused) load.warnings.insert(load.warnings.end(), result.warnings.begin(), result.warnings.end());
    load.results.push_back(std::move(result));
  }
  return load;
}

DirectoryLoad load_zone_directory(const std::string& path, const LoadOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) return load_zone_files({path}, options);
  std::vector<std::string> files;
  std::string error;
  if (!list_zone_files(path, files, error)) {
    DirectoryLoad load;
    load.errors.push_back(LoadError{path, "", error});
    return load;
  }
  return load_zone_files(files, options);
}

std::shared_ptr<const ZoneSet> build_zone_set(const DirectoryLoad& load, const ZoneSet* previous) {
  std::vector<std::shared_ptr<const Zone>> zones;
  std::vector<ZoneSource> sources;
  std::set<std::string> taken;
  for (size_t i = 0; i < load.results.size(); ++i) {
    if (!load.results[i].zone) continue;
    zones.push_back(load.results[i].zone);
    sources.push_back(ZoneSource{load.files[i]});
    taken.insert(origin_key(*load.results[i].zone));
  }
  if (previous) {
    for (size_t i = 0; i < load.results.size(); ++i) {
      if (load.results[i].zone) continue;
      for (uint32_t z = 0; z < previous->size(); ++z) {
        if (previous->source(z).file != load.files[i]) continue;
        const auto& old = previous->zone_ptr(z);
        if (taken.insert(origin_key(*old)).second) {
          zones.push_back(old);
          sources.push_back(previous->source(z));
        }
      }
    }
  }
  return std::make_shared<const ZoneSet>(std::move(zones), std::move(sources));
}

}  // namespace dnsd::zones
