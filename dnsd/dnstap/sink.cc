#include "dnsd/dnstap/sink.h"

#include <sys/un.h>

namespace dnsd::dnstap {

std::string Sink::to_string() const { return (kind == Kind::Unix ? "unix:" : "file:") + path; }

bool parse_sink(std::string_view text, Sink& out, std::string& error) {
  Sink sink;
  if (text.starts_with("unix:")) {
    sink.kind = Sink::Kind::Unix;
    text.remove_prefix(5);
  } else if (text.starts_with("file:")) {
    sink.kind = Sink::Kind::File;
    text.remove_prefix(5);
  } else {
    error = "expected unix:PATH (a collector's socket) or file:PATH (a dnstap file)";
    return false;
  }
  if (text.empty()) {
    error = "the path is empty";
    return false;
  }
  if (sink.kind == Sink::Kind::Unix && text.size() >= sizeof(sockaddr_un{}.sun_path)) {
    error = "a unix socket path is at most " + std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes";
    return false;
  }
  sink.path = std::string(text);
  out = std::move(sink);
  return true;
}

}  // namespace dnsd::dnstap
