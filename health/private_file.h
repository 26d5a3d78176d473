// Files that hold secrets (TSIG keys, cookie secrets): read only when no one
// but their owner (and group, for reading) could have read or changed them,
// so a key left world-readable is refused rather than trusted.
#pragma once

#include <cstddef>
#include <string>

namespace dnsd::health {

/// Reads the regular file `path` into `text`, refusing one that others may
/// read or write, that the group may write, or that is larger than
/// `max_size` bytes (`what` names the kind of file in that error, e.g. "a key
/// file"). False with `error` ("PATH: reason") on any failure. Clears its own
/// read buffer; the caller clears `text` when done. Blocking file I/O; any thread.
bool read_private_file(const std::string& path, size_t max_size, const char* what, std::string& text,
                       std::string& error);

}  // namespace dnsd::health
