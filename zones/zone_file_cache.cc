#include "zones/zone_file_cache.h"

#include <set>

namespace dnsd::zones {

LoadResult ZoneFileCache::load(const std::string& path, const LoadOptions& options, bool& reused) {
  reused = false;
  std::string text;
  LoadResult failure;
  if (!read_zone_file(path, text, failure)) {
    entries_.erase(path);
    return failure;
  }
  std::optional<std::set<std::string>> tsig_keys;
  if (options.tsig_keys) tsig_keys = *options.tsig_keys;
  if (auto it = entries_.find(path);
      it != entries_.end() && it->second.text == text && it->second.tsig_keys == tsig_keys) {
    reused = true;
    return it->second.result;
  }
  LoadResult result = load_zone_json(text, path, options);
  const bool cancelled = options.cancel && options.cancel->load(std::memory_order_relaxed);
  if (cancelled)
    entries_.erase(path);  // a cut-short parse says nothing about the file
  else
    entries_[path] = Entry{std::move(text), std::move(tsig_keys), result};
  return result;
}

void ZoneFileCache::retain(const std::vector<std::string>& files) {
  const std::set<std::string> keep(files.begin(), files.end());
  for (auto it = entries_.begin(); it != entries_.end();)
    it = keep.count(it->first) ? std::next(it) : entries_.erase(it);
}

}  // namespace dnsd::zones
