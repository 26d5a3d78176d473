// Writing a small state file so readers never see half of it: a temp file in
// the same directory, fsync, then rename over the target. Shared by the health
// status file and the control API's persisted drains.
#pragma once

#include <string>
#include <string_view>

namespace dnsd::health {

/// Replaces `path` with `text` atomically, the new file having permissions
/// `mode` (0600 for a secret). On failure sets `error` (naming the file and
/// the failing step), removes the temp file and returns false. Any non-worker
/// thread; concurrent writers of the same path must serialise.
bool write_file_atomically(const std::string& path, std::string_view text, std::string& error,
                           unsigned mode = 0644);

}  // namespace dnsd::health
