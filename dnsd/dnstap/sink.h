// Where dnstap messages go, from `serve --dnstap unix:PATH` (a collector's
// Frame Streams socket, e.g. fstrm_capture's) or `--dnstap file:PATH` (a
// dnstap file, as `dnstap-read` reads).
#pragma once

#include <string>
#include <string_view>

namespace dnsd::dnstap {

/// A parsed --dnstap value. Plain data; any thread.
struct Sink {
  enum class Kind : uint8_t { Unix, File };
  Kind kind = Kind::File;
  std::string path;

  /// "unix:PATH" or "file:PATH", as given on the command line.
  std::string to_string() const;
};

/// Parses "unix:PATH" or "file:PATH" (PATH not empty; a unix socket path
/// fits sockaddr_un). On failure returns false with `error` a sentence
/// naming the problem. Any thread.
bool parse_sink(std::string_view text, Sink& out, std::string& error);

}  // namespace dnsd::dnstap
