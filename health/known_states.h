// The last known health of each checked target, kept in --state-dir as
// health.json so that a restart, even after kill -9, answers at once with what
// was known instead of waiting for the first probe round: a member that was
// down stays out of the first answers, one that was up is in them. The first
// probe round then confirms or corrects each state. It is a cache: a missing,
// corrupt or foreign file only means every target starts unknown, as without it.
//
// Format, version 1 (Unix-time milliseconds):
//   {"version": 1,
//    "comment": "...",
//    "written_ms": 1795342560000,
//    "targets": [{"key": "http\u001f8080\u001f/healthz\u001f...\u001f127.0.1.2",
//                 "check": "http 127.0.1.2:8080", "state": "down", "since_ms": 1795342500000}]}
// "key" is the target's identity (target_key: the normalised check, its
// timings and its address), so a target whose check changed in the zone file
// starts unknown. "state" is "up" or "down" (unknown targets are not kept);
// "since_ms" is when it entered that state. "check" is for people and ignored
// when read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "health/member_state.h"
#include "health/target_status.h"

namespace dnsd::health {

/// What was known about one target.
struct KnownState {
  std::string key;    ///< target_key of the normalised check and canonical address
  std::string check;  ///< check_label, for people
  HealthState state = HealthState::Unknown;  ///< Up or Down
  uint64_t since_ms = 0;  ///< Unix ms when it entered `state`
  bool operator==(const KnownState&) const = default;
};

/// The file name under --state-dir.
inline constexpr const char* kKnownStatesFile = "health.json";

/// The up and down targets of `snapshot`, whose times are on the wall clock
/// (to_wall_clock), sorted by key. Unknown targets are left out. Pure.
std::vector<KnownState> known_states(const HealthSnapshot& wall_snapshot);

/// The file's text (format version 1) for `states`, written at `now_ms`. Pure.
std::string known_states_to_json(const std::vector<KnownState>& states, uint64_t now_ms);

/// Parses the file's text. False with `error` naming `path` and the JSON
/// pointer of the first problem (not JSON, another version, a bad entry):
/// nothing is taken from a file that is wrong anywhere. Pure.
bool parse_known_states(std::string_view text, const std::string& path, std::vector<KnownState>& out,
                        std::string& error);

/// Reads and parses `path`; a missing file is an empty list. False with
/// `error` (naming the file) otherwise. Blocking file I/O; start-up.
bool read_known_states(const std::string& path, std::vector<KnownState>& out, std::string& error);

}  // namespace dnsd::health
