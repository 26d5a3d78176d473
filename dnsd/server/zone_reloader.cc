#include "dnsd/server/zone_reloader.h"

#include <sys/stat.h>

#include "zones/zone_directory.h"

namespace dnsd {

ZoneReloader::ZoneReloader(std::string path) : path_(std::move(path)) {}

ZoneLoad ZoneReloader::load(const zones::LoadOptions& options) {
  ZoneLoad out;
  ReloadReport& report = out.report;

  // A single zone file is served as it is; a directory contributes every *.json in it.
  std::vector<std::string> files;
  struct stat st{};
  if (::stat(path_.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    files.push_back(path_);
  } else {
    std::string error;
    if (!zones::list_zone_files(path_, files, error)) {
      report.errors.push_back({path_, "", error});
      return out;  // nothing readable: keep serving what we have
    }
  }
  zones::DirectoryLoad load = zones::load_zone_files(files, options, &cache_);
  out.set = zones::build_zone_set(load, published_.get());

  report.errors = load.errors;
  report.files = load.files.size();
  report.unchanged = load.unchanged;
  report.zones = out.set->size();
  for (size_t i = 0; i < load.results.size(); ++i) {
    if (load.results[i].zone != nullptr) {
      ++report.loaded;
      continue;
    }
    ++report.failed;
    for (uint32_t z = 0; z < out.set->size(); ++z) {
      if (out.set->source(z).file != load.files[i]) continue;
      report.kept.push_back({load.files[i], out.set->zone(z).origin_text(), out.set->zone(z).serial()});
    }
  }
  return out;
}

}  // namespace dnsd
