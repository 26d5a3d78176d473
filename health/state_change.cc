#include "health/state_change.h"

#include "health/check.h"

namespace dnsd::health {

std::string check_label(const zones::CheckSpec& check, const std::string& address) {
  std::string label = std::string(check_type_name(check.type)) + " ";
  const uint16_t port = effective_port(check);
  if (port == 0) return label + address;
  return label + bracketed_address(address) + ":" + std::to_string(port);
}

namespace {

// Distinct values of one field over all references, in order, comma-separated.
template <typename Field>
std::string distinct(const std::vector<TargetRef>& refs, Field field) {
  std::vector<std::string> seen;
  std::string out;
  for (const TargetRef& r : refs) {
    const std::string& v = field(r);
    bool dup = false;
    for (const auto& s : seen) dup = dup || s == v;
    if (dup) continue;
    seen.push_back(v);
    if (!out.empty()) out += ',';
    out += v;
  }
  return out;
}

}  // namespace

std::string format_state_change(const StateChangeEvent& event) {
  std::string line = "health:";
  if (event.refs.empty()) {
    line += " member=" + event.address;
  } else {
    line += " zone=" + distinct(event.refs, [](const TargetRef& r) -> const std::string& { return r.zone; });
    line += " pool=" + distinct(event.refs, [](const TargetRef& r) -> const std::string& { return r.pool; });
    line += " member=" + distinct(event.refs, [](const TargetRef& r) -> const std::string& { return r.member; });
  }
  line += " (check " + check_label(event.check, event.address) + ") ";
  line += std::string(state_name(event.from)) + " -> " + state_name(event.to) + ": " + describe(event.result);
  return line;
}

}  // namespace dnsd::health
