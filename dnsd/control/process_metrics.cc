#include "dnsd/control/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace dnsd {
namespace {

std::string read_text(const char* path) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Space-separated field `n` (0-based) of `text`, or empty.
std::string_view field(std::string_view text, size_t n) {
  size_t i = 0;
  for (size_t k = 0;; ++k) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size()) return {};
    size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    if (k == n) return text.substr(i, end - i);
    i = end;
  }
}

std::optional<uint64_t> number(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<uint64_t> count_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  uint64_t n = 0;
  while (const dirent* entry = ::readdir(dir))
    if (entry->d_name[0] != '.') ++n;
  ::closedir(dir);
  return n - 1;  // the directory stream's own descriptor
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  const size_t close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  // After "pid (comm) ": field 0 is state (the stat file's field 3), so field
  // k here is field k + 3 of proc(5).
  const std::string_view rest = text.substr(close + 1);
  const auto utime = number(field(rest, 11)), stime = number(field(rest, 12)), start = number(field(rest, 19)),
             vsize = number(field(rest, 20)), rss = number(field(rest, 21));
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  return ProcStat{*utime, *stime, *start, *vsize, *rss};
}

std::optional<uint64_t> parse_boot_time(std::string_view text) {
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(at, end - at);
    if (line.starts_with("btime ")) return number(line.substr(6));
    at = end + 1;
  }
  return std::nullopt;
}

ProcessSample read_process_sample() {
  ProcessSample out;
  const long ticks = ::sysconf(_SC_CLK_TCK);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (const auto stat = parse_proc_stat(read_text("/proc/self/stat")); stat && ticks > 0) {
    out.cpu_seconds = double(stat->utime_ticks + stat->stime_ticks) / double(ticks);
    out.virtual_bytes = stat->vsize_bytes;
    if (page > 0) out.resident_bytes = stat->rss_pages * uint64_t(page);
    if (const auto boot = parse_boot_time(read_text("/proc/stat")))
      out.start_time_seconds = double(*boot) + double(stat->start_ticks) / double(ticks);
  }
  out.open_fds = count_fds();
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) out.max_fds = limit.rlim_cur;
  return out;
}

}  // namespace dnsd
