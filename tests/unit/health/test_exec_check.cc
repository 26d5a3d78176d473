// exec probes: exit status, output as the reason, substitution, and the
// SIGKILL of the whole process group at the timeout.
#include <doctest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "health/exec_check.h"
#include "tests/unit/health/loopback_backends.h"

using dnsd::health::FailureKind;
using dnsd::test::run_probe;
namespace zones = dnsd::zones;

namespace {

zones::CheckSpec exec(const std::string& command, uint32_t timeout_ms = 2000, uint16_t port = 0) {
  zones::CheckSpec s;
  s.type = zones::CheckType::Exec;
  s.command = command;
  s.timeout_ms = timeout_ms;
  s.port = port;
  return s;
}

// Whether `pid` is gone (or a zombie nobody has reaped yet: it runs no more).
bool process_gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string pid_field, comm, state;
  stat >> pid_field >> comm >> state;
  return state == "Z" || state == "X";
}

}  // namespace

TEST_CASE("exec: exit 0 is up, anything else down with the first output line as reason") {
  CHECK(run_probe(exec("exit 0"), "127.0.1.5").ok);
  const auto r = run_probe(exec("echo; echo '  disk full  ' >&2; echo more; exit 3"), "127.0.1.5");
  CHECK(r.failure == FailureKind::Exit);
  CHECK(r.detail == "exit 3: disk full");
  const auto killed = run_probe(exec("kill -9 $$"), "127.0.1.5");
  CHECK(killed.detail == "killed by signal 9");
}

TEST_CASE("exec: {address} and {port} are substituted") {
  CHECK(run_probe(exec(R"(test "{address}" = 127.0.1.5 && test "{port}" = 8080)", 2000, 8080), "127.0.1.5").ok);
  CHECK(dnsd::health::substitute_command("ping -c1 {address}:{port}{x}", "::1", 53) == "ping -c1 ::1:53{x}");
}

TEST_CASE("exec: a hung command and its children are killed at the timeout") {
  const auto file = std::filesystem::temp_directory_path() / ("dnsd-exec-" + std::to_string(getpid()));
  const auto r = run_probe(exec("sleep 30 & echo $! > " + file.string() + "; wait", 300), "127.0.1.5");
  CHECK(r.failure == FailureKind::Timeout);
  CHECK(r.detail == "timeout after 300 ms");
  CHECK(r.latency_us < 5000000);
  std::ifstream in(file);
  pid_t child = 0;
  in >> child;
  REQUIRE(child > 0);
  CHECK(dnsd::test::eventually([&] { return process_gone(child); }, std::chrono::seconds(5)));
  std::filesystem::remove(file);
}

TEST_CASE("exec: first_line") {
  CHECK(dnsd::health::first_line("\n\n  hello world \r\nnext") == "hello world");
  CHECK(dnsd::health::first_line("") == "");
  CHECK(dnsd::health::first_line(std::string(500, 'x')).size() == 200);
}
