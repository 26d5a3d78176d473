// health.json, the last known health of each target: what is kept (up and
// down targets, by key, with since), the round trip, and how corrupt or
// foreign files are refused whole with an error naming the file and pointer.
#include <doctest.h>

#include <fstream>
#include <string>
#include <vector>

#include "health/check.h"
#include "health/known_states.h"
#include "health/target_table.h"
#include "tests/unit/temp_dir.h"

using dnsd::health::HealthSnapshot;
using dnsd::health::HealthState;
using dnsd::health::KnownState;
using dnsd::health::TargetStatus;
namespace health = dnsd::health;

namespace {

TargetStatus target(uint64_t id, const std::string& address, HealthState state, uint64_t since,
                    dnsd::zones::CheckType type = dnsd::zones::CheckType::Tcp) {
  TargetStatus t;
  t.id = id;
  t.check.type = type;
  t.check.port = 8080;
  t.check = health::normalized_spec(t.check);
  t.address = address;
  t.status.state = state;
  t.status.since_ms = since;
  return t;
}

bool parses(const std::string& text, std::string& error) {
  std::vector<KnownState> out;
  return health::parse_known_states(text, "/state/health.json", out, error);
}

}  // namespace

TEST_CASE("known states: up and down targets are kept by key, unknown and static ones are not") {
  HealthSnapshot snap;
  snap.now_ms = 1'700'000'100'000;
  snap.targets = {target(1, "192.0.2.2", HealthState::Up, 1'700'000'000'000),
                  target(2, "192.0.2.1", HealthState::Down, 1'700'000'050'000),
                  target(3, "192.0.2.3", HealthState::Unknown, 1'700'000'090'000),
                  target(4, "192.0.2.4", HealthState::Up, 1, dnsd::zones::CheckType::None)};
  const std::vector<KnownState> states = health::known_states(snap);
  REQUIRE(states.size() == 2);
  for (const KnownState& s : states) {
    const auto& t = s.state == HealthState::Up ? snap.targets[0] : snap.targets[1];
    CHECK(s.key == health::target_key(t.check, t.address));
    CHECK(s.since_ms == t.status.since_ms);
  }
  CHECK(states[0].key < states[1].key);  // sorted, so the file is stable
  CHECK(states[0].check.find("tcp 192.0.2.") == 0);
}

TEST_CASE("known states: the file round-trips") {
  const std::vector<KnownState> states = {{"key\x1f" "a", "tcp 192.0.2.1:80", HealthState::Down, 1'700'000'000'123},
                                          {"key\x1f" "b", "tcp 192.0.2.2:80", HealthState::Up, 5}};
  const std::string text = health::known_states_to_json(states, 1'700'000'100'000);
  CHECK(text.find("\"version\": 1") != std::string::npos);
  CHECK(text.find("\"written_ms\": 1700000100000") != std::string::npos);
  std::vector<KnownState> back;
  std::string error;
  REQUIRE(health::parse_known_states(text, "health.json", back, error));
  CHECK(back == states);

  dnsd::test::TempDir dir;
  const std::string path = dir.write("health.json", text);
  REQUIRE(health::read_known_states(path, back, error));
  CHECK(back == states);
  // A missing file: nothing known, not an error.
  REQUIRE(health::read_known_states((dir.path / "none.json").string(), back, error));
  CHECK(back.empty());
}

TEST_CASE("known states: a corrupt or foreign file is refused whole, naming the file and the pointer") {
  std::string error;
  CHECK_FALSE(parses("{\"version\": 1, \"targets\": [", error));
  CHECK(error == "/state/health.json: not JSON");
  CHECK_FALSE(parses("[1, 2]", error));
  CHECK(error.find("expected an object") != std::string::npos);
  // serials.json or drains.json put in its place: another file's shape.
  CHECK_FALSE(parses(R"({"comment": "serials", "zones": {}})", error));
  CHECK(error.find("/state/health.json: /version: expected 1") == 0);
  CHECK_FALSE(parses(R"({"version": 2, "targets": []})", error));
  CHECK(error.find("/version") != std::string::npos);
  CHECK_FALSE(parses(R"({"version": 1, "drains": []})", error));
  CHECK(error == "/state/health.json: /targets: expected an array");
  CHECK_FALSE(parses(R"({"version": 1, "targets": [{"key": "a", "state": "up", "since_ms": 1},
                                                  {"key": "b", "state": "sideways", "since_ms": 1}]})",
                     error));
  CHECK(error == "/state/health.json: /targets/1/state: expected \"up\" or \"down\"");
  CHECK_FALSE(parses(R"({"version": 1, "targets": [{"key": "", "state": "up", "since_ms": 1}]})", error));
  CHECK(error == "/state/health.json: /targets/0/key: expected a non-empty string");
  CHECK_FALSE(parses(R"({"version": 1, "targets": [{"key": "a", "state": "up", "since_ms": -5}]})", error));
  CHECK(error == "/state/health.json: /targets/0/since_ms: expected Unix milliseconds");
  CHECK(parses(R"({"version": 1, "targets": []})", error));
}
