#include "health/known_states.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "health/state_change.h"
#include "health/target_table.h"

namespace dnsd::health {

using nlohmann::json;

std::vector<KnownState> known_states(const HealthSnapshot& wall_snapshot) {
  std::vector<KnownState> out;
  for (const TargetStatus& t : wall_snapshot.targets) {
    if (t.status.state == HealthState::Unknown || t.check.type == zones::CheckType::None) continue;
    out.push_back({target_key(t.check, t.address), check_label(t.check, t.address), t.status.state,
                   t.status.since_ms});
  }
  std::sort(out.begin(), out.end(), [](const KnownState& a, const KnownState& b) { return a.key < b.key; });
  return out;
}

std::string known_states_to_json(const std::vector<KnownState>& states, uint64_t now_ms) {
  json targets = json::array();
  for (const KnownState& s : states)
    targets.push_back({{"key", s.key}, {"check", s.check}, {"state", state_name(s.state)}, {"since_ms", s.since_ms}});
  const json doc = {{"version", 1},
                    {"comment", "the last known health of each checked target, read back at start-up; "
                                "a cache dnsd rewrites, safe to delete"},
                    {"written_ms", now_ms},
                    {"targets", targets}};
  return doc.dump(1) + "\n";
}

bool parse_known_states(std::string_view text, const std::string& path, std::vector<KnownState>& out,
                        std::string& error) {
  out.clear();
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    error = path + ": not JSON";
    return false;
  }
  if (!doc.is_object()) {
    error = path + ": expected an object (not a dnsd health state file)";
    return false;
  }
  const auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer() || *version != 1) {
    error = path + ": /version: expected 1 (not a dnsd health state file, or one from another version)";
    return false;
  }
  const auto targets = doc.find("targets");
  if (targets == doc.end() || !targets->is_array()) {
    error = path + ": /targets: expected an array";
    return false;
  }
  std::vector<KnownState> states;
  for (size_t i = 0; i < targets->size(); ++i) {
    const json& t = (*targets)[i];
    const std::string at = path + ": /targets/" + std::to_string(i);
    if (!t.is_object()) {
      error = at + ": expected an object";
      return false;
    }
    const auto key = t.find("key");
    if (key == t.end() || !key->is_string() || key->get_ref<const std::string&>().empty()) {
      error = at + "/key: expected a non-empty string";
      return false;
    }
    const auto state = t.find("state");
    const std::string state_text = state != t.end() && state->is_string() ? state->get<std::string>() : "";
    if (state_text != "up" && state_text != "down") {
      error = at + "/state: expected \"up\" or \"down\"";
      return false;
    }
    const auto since = t.find("since_ms");
    if (since == t.end() || !since->is_number_unsigned()) {
      error = at + "/since_ms: expected Unix milliseconds";
      return false;
    }
    KnownState s;
    s.key = key->get<std::string>();
    const auto check = t.find("check");
    if (check != t.end() && check->is_string()) s.check = check->get<std::string>();
    s.state = state_text == "up" ? HealthState::Up : HealthState::Down;
    s.since_ms = since->get<uint64_t>();
    states.push_back(std::move(s));
  }
  out = std::move(states);
  return true;
}

bool read_known_states(const std::string& path, std::vector<KnownState>& out, std::string& error) {
  out.clear();
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return true;
    error = path + ": " + std::strerror(errno);
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    error = path + ": read failed";
    return false;
  }
  return parse_known_states(text.str(), path, out, error);
}

}  // namespace dnsd::health
