// The standard process metrics, as the Prometheus client libraries name them
// (process_start_time_seconds, process_cpu_seconds_total, ...): read from
// /proc/self and getrlimit into a plain value that render_metrics prints.
// The parsers are pure functions of the files' text, so tests feed them
// strings. Control threads only.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace dnsd {

/// One reading of this process's resources. A field that could not be read stays unset.
struct ProcessSample {
  std::optional<double> start_time_seconds;    ///< Unix time the process started
  std::optional<double> cpu_seconds;           ///< user + system CPU time
  std::optional<uint64_t> resident_bytes;      ///< resident set size
  std::optional<uint64_t> virtual_bytes;       ///< virtual memory size
  std::optional<uint64_t> open_fds;            ///< open file descriptors
  std::optional<uint64_t> max_fds;             ///< the soft RLIMIT_NOFILE
};

/// Fields of /proc/self/stat that ProcessSample needs, in clock ticks and bytes.
struct ProcStat {
  uint64_t utime_ticks = 0;
  uint64_t stime_ticks = 0;
  uint64_t start_ticks = 0;  ///< after boot
  uint64_t vsize_bytes = 0;
  uint64_t rss_pages = 0;
};

/// Parses the text of /proc/<pid>/stat (the command name may hold spaces and
/// parentheses: fields are counted after its last ')'). Pure.
std::optional<ProcStat> parse_proc_stat(std::string_view text);

/// The boot time (the "btime" line, Unix seconds) from the text of /proc/stat. Pure.
std::optional<uint64_t> parse_boot_time(std::string_view proc_stat_text);

/// Reads /proc/self/stat, /proc/stat, /proc/self/fd and RLIMIT_NOFILE now.
/// Any thread; a few system calls.
ProcessSample read_process_sample();

}  // namespace dnsd
