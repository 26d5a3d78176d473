#include "dnsd/server/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace dnsd {
namespace {

std::atomic<LogFormat> g_format{LogFormat::Text};

/// A line longer than this is cut; zone errors and start-up lines fit easily.
constexpr size_t kMaxLine = 4096;

/// Writes "2026-11-01T10:00:00.123Z" into `out` (at least 32 bytes); returns its length.
size_t format_timestamp(char* out, size_t size) {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  tm utc{};
  gmtime_r(&now.tv_sec, &utc);
  size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &utc);
  int m = std::snprintf(out + n, size - n, ".%03ldZ", now.tv_nsec / 1000000);
  return n + (m > 0 ? static_cast<size_t>(m) : 0);
}

/// Appends `text` to `out` as the inside of a JSON string (quotes and controls escaped).
size_t append_json_escaped(char* out, size_t size, const char* text) {
  size_t n = 0;
  for (const char* p = text; *p != '\0' && n + 7 < size; ++p) {
    unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\') {
      out[n++] = '\\';
      out[n++] = static_cast<char>(c);
    } else if (c < 0x20) {
      n += static_cast<size_t>(std::snprintf(out + n, size - n, "\\u%04x", c));
    } else {
      out[n++] = static_cast<char>(c);
    }
  }
  return n;
}

void write_all(const char* data, size_t length) {
  while (length > 0) {
    ssize_t w = ::write(STDERR_FILENO, data, length);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report a logging failure
    }
    data += w;
    length -= static_cast<size_t>(w);
  }
}

void log_line(const char* level, const char* format, va_list args) {
  char message[kMaxLine];
  int m = std::vsnprintf(message, sizeof message, format, args);
  if (m < 0) message[0] = '\0';

  char line[kMaxLine * 2];
  char stamp[40];
  format_timestamp(stamp, sizeof stamp);
  size_t n = 0;
  if (g_format.load(std::memory_order_relaxed) == LogFormat::Json) {
    n = static_cast<size_t>(std::snprintf(line, sizeof line, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"", stamp, level));
    n += append_json_escaped(line + n, sizeof line - n - 4, message);
    line[n++] = '"';
    line[n++] = '}';
  } else {
    int w = std::snprintf(line, sizeof line - 1, "%s dnsd %s: %s", stamp, level, message);
    n = w < 0 ? 0 : static_cast<size_t>(w) < sizeof line - 1 ? static_cast<size_t>(w) : sizeof line - 2;
  }
  line[n++] = '\n';
  write_all(line, n);
}

}  // namespace

void set_log_format(LogFormat format) { g_format.store(format, std::memory_order_relaxed); }

bool parse_log_format(std::string_view text, LogFormat& format) {
  if (text == "text") {
    format = LogFormat::Text;
    return true;
  }
  if (text == "json") {
    format = LogFormat::Json;
    return true;
  }
  return false;
}

void log_info(const char* format, ...) {
  va_list args;
  va_start(args, format);
  log_line("info", format, args);
  va_end(args);
}

void log_warn(const char* format, ...) {
  va_list args;
  va_start(args, format);
  log_line("warn", format, args);
  va_end(args);
}

void log_error(const char* format, ...) {
  va_list args;
  va_start(args, format);
  log_line("error", format, args);
  va_end(args);
}

}  // namespace dnsd
