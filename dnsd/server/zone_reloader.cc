#include "dnsd/server/zone_reloader.h"

#include <sys/stat.h>

#include <algorithm>

#include "zones/catalog_zone.h"
#include "zones/zone_directory.h"

namespace dnsd {

ZoneReloader::ZoneReloader(std::string path, CatalogConfig catalog)
    : path_(std::move(path)), catalog_(std::move(catalog)) {}

std::shared_ptr<const zones::ZoneSet> ZoneReloader::with_catalog(const zones::ZoneSet& set, ReloadReport& report) {
  std::vector<std::shared_ptr<const zones::Zone>> all;
  std::vector<zones::ZoneSource> sources;
  std::vector<std::string> members;
  const std::string catalog = zones::lower_text(catalog_.name);
  for (uint32_t i = 0; i < set.size(); ++i) {
    const std::string origin = zones::lower_text(set.zone(i).origin_text());
    if (origin == catalog || origin + "." == catalog) {
      report.errors.push_back({set.source(i).file, "", "zone " + origin + " has the name of the --catalog zone; "
                                                       "it is left out"});
      continue;
    }
    all.push_back(set.zone_ptr(i));
    sources.push_back(set.source(i));
    members.push_back(origin);
  }
  std::sort(members.begin(), members.end());
  if (!catalog_zone_ || members != catalog_members_) {
    std::string error;
    auto zone = zones::build_catalog_zone(catalog_.name, members, catalog_.transfer, error);
    if (!zone) {
      report.errors.push_back({"--catalog", "", error});
    } else {
      catalog_zone_ = std::move(zone);
      catalog_members_ = std::move(members);
    }
  }
  if (catalog_zone_) {
    all.push_back(catalog_zone_);
    sources.push_back({""});
  }
  return std::make_shared<const zones::ZoneSet>(std::move(all), std::move(sources));
}

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
  if (!catalog_.name.empty()) out.set = with_catalog(*out.set, report);

  report.errors = load.errors;
  report.warnings = load.warnings;
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
