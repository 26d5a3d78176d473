#include "dnsd/server/zone_reloader.h"

#include <malloc.h>
#include <sys/stat.h>

#include "zones/zone_directory.h"

namespace dnsd {

ZoneReloader::ZoneReloader(std::string path, zones::ZoneStore& store, zones::LoadOptions options,
                           PublishHooks hooks)
    : path_(std::move(path)), store_(store), options_(std::move(options)), hooks_(std::move(hooks)) {}

ReloadReport ZoneReloader::reload() {
  std::lock_guard lock(mutex_);
  ReloadReport report;

  // A single zone file is served as it is; a directory contributes every *.json in it.
  std::vector<std::string> files;
  struct stat st{};
  if (::stat(path_.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    files.push_back(path_);
  } else {
    std::string error;
    if (!zones::list_zone_files(path_, files, error)) {
      report.errors.push_back({path_, "", error});
      return report;  // nothing readable: keep serving what we have
    }
  }
  zones::DirectoryLoad load = zones::load_zone_files(files, options_, &cache_);
  std::shared_ptr<const zones::ZoneSet> set = zones::build_zone_set(load, published_.get());

  report.errors = load.errors;
  report.files = load.files.size();
  report.unchanged = load.unchanged;
  report.zones = set->size();
  for (size_t i = 0; i < load.results.size(); ++i) {
    if (load.results[i].zone != nullptr) {
      ++report.loaded;
      continue;
    }
    ++report.failed;
    for (uint32_t z = 0; z < set->size(); ++z) {
      if (set->source(z).file != load.files[i]) continue;
      report.kept.push_back({load.files[i], set->zone(z).origin_text(), set->zone(z).serial()});
    }
  }
  if (hooks_.before) hooks_.before(*set);
  store_.publish(set);
  if (hooks_.after) hooks_.after(*set);
  published_ = std::move(set);
  report.published = true;
  // Parsing JSON leaves many freed blocks behind; hand them back to the system
  // instead of keeping the peak of every reload resident (Knot does the same).
  ::malloc_trim(0);
  return report;
}

}  // namespace dnsd
