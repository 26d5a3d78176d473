// StateWriteErrors: failed writes counted per file, the log rate-limited per
// file (first failure at once, then one line per interval with the count of
// the others), one line on recovery; every known file reported, even at zero.
#include <doctest.h>

#include <string>
#include <vector>

#include "health/state_write_errors.h"

using dnsd::health::StateWriteErrors;
using dnsd::health::StateWriteStatus;

namespace {

struct Lines {
  std::vector<std::pair<bool, std::string>> lines;
  StateWriteErrors::Log sink() {
    return [this](bool error, const std::string& line) { lines.emplace_back(error, line); };
  }
};

const StateWriteStatus& of(const std::vector<StateWriteStatus>& all, const std::string& file) {
  for (const auto& s : all)
    if (s.file == file) return s;
  FAIL("no status for " << file);
  return all.front();
}

}  // namespace

TEST_CASE("state write errors: counted per file, every known file listed") {
  uint64_t now = 1'000'000;
  Lines log;
  StateWriteErrors errors(log.sink(), [&now] { return now; });
  auto all = errors.status();
  REQUIRE(all.size() == 4);
  CHECK(all[0].file == "serials");
  CHECK(all[1].file == "drains");
  CHECK(all[2].file == "health");
  CHECK(all[3].file == "status");
  for (const auto& s : all) CHECK(s.errors == 0);

  errors.failed("serials", "/state/serials.json.tmp.7: No space left on device");
  errors.failed("health", "/state/health.json: rename: Is a directory");
  all = errors.status();
  CHECK(of(all, "serials").errors == 1);
  CHECK(of(all, "serials").failing);
  CHECK(of(all, "serials").last_error == "/state/serials.json.tmp.7: No space left on device");
  CHECK(of(all, "serials").last_error_ms == now);
  CHECK(of(all, "health").errors == 1);
  CHECK(of(all, "drains").errors == 0);
  REQUIRE(log.lines.size() == 2);
  CHECK(log.lines[0].first);
  CHECK(log.lines[0].second.find("cannot write serials: /state/serials.json.tmp.7: No space left on device") !=
        std::string::npos);
}

TEST_CASE("state write errors: a file that keeps failing is logged once per interval, with the count") {
  uint64_t now = 1'000'000;
  Lines log;
  StateWriteErrors errors(log.sink(), [&now] { return now; });
  errors.failed("drains", "e1");
  for (int i = 0; i < 5; ++i) {
    now += 1000;
    errors.failed("drains", "e2");
  }
  CHECK(log.lines.size() == 1);  // only the first
  now += dnsd::health::kStateWriteLogIntervalMs;
  errors.failed("drains", "e3");
  REQUIRE(log.lines.size() == 2);
  CHECK(log.lines[1].second.find("e3 (5 more failed writes since the last message)") != std::string::npos);
  CHECK(of(errors.status(), "drains").errors == 7);

  errors.succeeded("drains");
  REQUIRE(log.lines.size() == 3);
  CHECK_FALSE(log.lines[2].first);
  CHECK(log.lines[2].second == "state: drains written again after 7 failed writes");
  CHECK_FALSE(of(errors.status(), "drains").failing);
  CHECK(of(errors.status(), "drains").errors == 7);  // a counter: never goes down
  errors.succeeded("drains");
  CHECK(log.lines.size() == 3);  // nothing to say when it was not failing

  // A new run of failures is logged at once again.
  now += 1;
  errors.failed("drains", "e4");
  CHECK(log.lines.size() == 4);
}
