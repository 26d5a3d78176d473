// What `dnsd ctl` prints: the control API's JSON (CONTROL_API.md) turned into
// readable text. Pure functions of the JSON, so the wording is unit-tested
// without a server. Main thread of the ctl process.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dnsd {

/// Columns padded to their widest cell, two spaces apart, no trailing blanks.
std::string format_table(const std::vector<std::vector<std::string>>& rows);

/// `dnsd ctl status`: a server line, the zones table (with each file's errors
/// under it) and the pool members table.
std::string format_status(const nlohmann::json& status);

/// `dnsd ctl reload`: one summary line, then every error as `FILE: /pointer: message`.
std::string format_reload(const nlohmann::json& report);

/// The secondaries table of `ctl status`: per zone and secondary, the serial
/// it has, how far behind it is, its last transfer and the last NOTIFY.
std::string format_secondaries(const nlohmann::json& secondaries);

/// `dnsd ctl drain|undrain`: what changed, the other pools holding the
/// address and, for a drain, when it is safe to stop the server (or why it
/// is not, and how to drain it everywhere). `local_time` prints instants in
/// the local time zone as well as UTC.
std::string format_admin(const nlohmann::json& result, bool local_time = true);

/// Whether a drain reply says the server is not safe to stop: the member is
/// still served, or another pool serves the address (no safe_after).
bool admin_not_safe(const nlohmann::json& result);

/// `dnsd ctl explain`: zone, CNAME chain, pool and rule, the members, the
/// answer served now, and the worst-case failover time.
std::string format_explain(const nlohmann::json& explain);

/// `dnsd ctl keys`: per signed zone of GET /api/keys ({"zones": [...]}),
/// the keys table (tag, algorithm, state, times), the signature window, the
/// next key event, and the DS lines to give the parent.
std::string format_keys(const nlohmann::json& keys);

/// `dnsd ctl keys roll|ds-seen`: what was done, then the zone as format_keys
/// prints it. `zone` is one zone object of GET /api/keys.
std::string format_key_command(const std::string& command, const nlohmann::json& zone);

/// `dnsd ctl ds`: the DS lines of every zone in GET /api/keys's answer, one a line.
std::string format_ds(const nlohmann::json& keys);

}  // namespace dnsd
