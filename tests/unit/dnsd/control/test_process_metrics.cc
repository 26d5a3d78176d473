// The process_* metrics' sources: /proc/<pid>/stat fields counted after the
// command name's last ')', the boot time from /proc/stat, and a live reading.
#include "dnsd/control/process_metrics.h"

#include <doctest.h>
#include <unistd.h>

#include <ctime>

TEST_CASE("proc stat fields are counted after the command name, which may hold spaces and parentheses") {
  const char* text =
      "4242 (dnsd (worker) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 3 0 123456 987654321 2048 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  const auto stat = dnsd::parse_proc_stat(text);
  REQUIRE(stat);
  CHECK(stat->utime_ticks == 250);
  CHECK(stat->stime_ticks == 75);
  CHECK(stat->start_ticks == 123456);
  CHECK(stat->vsize_bytes == 987654321);
  CHECK(stat->rss_pages == 2048);
  CHECK_FALSE(dnsd::parse_proc_stat("4242 (dnsd) S 1 2"));
  CHECK_FALSE(dnsd::parse_proc_stat(""));
}

TEST_CASE("the boot time is the btime line of /proc/stat") {
  CHECK(dnsd::parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1764556000\nprocesses 9\n") == 1764556000u);
  CHECK_FALSE(dnsd::parse_boot_time("cpu 1 2 3\n"));
  CHECK_FALSE(dnsd::parse_boot_time("btime x\n"));
}

TEST_CASE("a live reading of this process is plausible") {
  const dnsd::ProcessSample p = dnsd::read_process_sample();
  REQUIRE(p.start_time_seconds);
  CHECK(*p.start_time_seconds <= double(std::time(nullptr)) + 1);
  CHECK(*p.start_time_seconds > double(std::time(nullptr)) - 86400 * 365);
  REQUIRE(p.cpu_seconds);
  CHECK(*p.cpu_seconds >= 0);
  REQUIRE(p.resident_bytes);
  CHECK(*p.resident_bytes > 0);
  REQUIRE(p.virtual_bytes);
  CHECK(*p.virtual_bytes >= *p.resident_bytes);
  REQUIRE(p.open_fds);
  CHECK(*p.open_fds >= 3);  // stdin, stdout, stderr
  const int fd = ::dup(1);
  CHECK(*dnsd::read_process_sample().open_fds == *p.open_fds + 1);
  ::close(fd);
  REQUIRE(p.max_fds);
  CHECK(*p.max_fds >= *p.open_fds);
}
