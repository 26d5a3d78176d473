// Operator-facing log: one line per event on stderr, timestamped, safe to call
// from any thread. Each line is formatted into a stack buffer and written with
// a single write(2), so lines from different threads never interleave.
// Never call from the per-packet path: logging is for events, not queries.
#pragma once

#include <string_view>

namespace dnsd {

/// How log lines are rendered. Text is for people; Json (one object per line)
/// is for log shippers and `--log-format json`.
enum class LogFormat { Text, Json };

/// Selects the format of every later line. Call once at start-up, before other
/// threads log (main thread).
void set_log_format(LogFormat format);

/// Parses "text" or "json". Returns false for anything else. Any thread.
bool parse_log_format(std::string_view text, LogFormat& format);

/// Something normal happened (start, stop, reload). Any thread.
void log_info(const char* format, ...) __attribute__((format(printf, 1, 2)));
/// Something is wrong but dnsd carries on (a zone file failed, a client misbehaved). Any thread.
void log_warn(const char* format, ...) __attribute__((format(printf, 1, 2)));
/// dnsd cannot do what was asked (bind failed, directory unreadable). Any thread.
void log_error(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace dnsd
