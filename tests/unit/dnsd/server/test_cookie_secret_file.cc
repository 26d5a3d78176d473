// The secrets of DNS server cookies: --cookie-secret files, the master kept
// in --state-dir, and the address bytes a cookie is bound to.
#include <doctest.h>

#include <arpa/inet.h>
#include <sys/stat.h>

#include "dnsd/server/cookie_secret_file.h"
#include "dnsd/server/responder.h"
#include "tests/unit/temp_dir.h"

using namespace dnsd;

TEST_CASE("cookie secrets: one or two lines of 32 hex digits, comments allowed") {
  std::string error;
  auto one = parse_cookie_secrets("# shared by the anycast set\n e5e973e5a6b2a43f48e7dc849e37bfcf \n", "f", error);
  REQUIRE(one);
  REQUIRE(one->size() == 1);
  CHECK((*one)[0][0] == 0xe5);
  CHECK((*one)[0][15] == 0xcf);
  auto two = parse_cookie_secrets("445536BCD2513298075A5D379663C962\ndd3bdf9344b678b185a6f5cb60fca715 # old\n", "f",
                                  error);
  REQUIRE(two);
  CHECK(two->size() == 2);
  CHECK((*two)[1][0] == 0xdd);

  CHECK_FALSE(parse_cookie_secrets("# nothing\n\n", "f", error));
  CHECK(error == "f: no secret");
  CHECK_FALSE(parse_cookie_secrets("\ne5e973e5a6b2a43f48e7dc849e37bfc\n", "f", error));  // 31 digits
  CHECK(error.rfind("f:2: expected a secret of 32 hex digits", 0) == 0);
  CHECK_FALSE(parse_cookie_secrets("e5e973e5a6b2a43f48e7dc849e37bfcg\n", "f", error));
  CHECK(error.find("e5e9") == std::string::npos);  // no message echoes a secret
  const std::string s = "e5e973e5a6b2a43f48e7dc849e37bfcf\n";
  CHECK_FALSE(parse_cookie_secrets(s + s + s, "f", error));
  CHECK(error.rfind("f:3: a third secret", 0) == 0);
}

TEST_CASE("cookie secrets: --cookie-secret wins, and must be private") {
  test::TempDir dir;
  const std::string file = dir.write("cookie.secret", "445536bcd2513298075a5d379663c962\ndd3bdf9344b678b185a6f5cb60fca715\n");
  std::string error;
  ::chmod(file.c_str(), 0644);
  CHECK_FALSE(load_cookie_secrets(file, dir.path.string(), error));
  CHECK(error == file + ": holds secrets but its mode is 0644; chmod 600 (or 640) it");
  ::chmod(file.c_str(), 0640);
  auto secrets = load_cookie_secrets(file, dir.path.string(), error);
  REQUIRE_MESSAGE(secrets, error);
  CHECK(secrets->mode == CookieSecrets::Mode::Fixed);
  CHECK(secrets->current[0] == 0x44);
  REQUIRE(secrets->previous);
  CHECK((*secrets->previous)[0] == 0xdd);
  CHECK_FALSE(std::filesystem::exists(dir.path / kCookieMasterFile));  // the state dir is not touched
  CHECK_FALSE(load_cookie_secrets((dir.path / "missing").string(), "", error));
  CHECK(error.find("No such file") != std::string::npos);
}

TEST_CASE("cookie secrets: the master is made once in --state-dir, mode 0600, and kept") {
  test::TempDir dir;
  std::string error;
  auto first = load_cookie_secrets("", dir.path.string(), error);
  REQUIRE_MESSAGE(first, error);
  CHECK(first->mode == CookieSecrets::Mode::Rotating);
  const std::string path = (dir.path / kCookieMasterFile).string();
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto again = load_cookie_secrets("", dir.path.string(), error);
  REQUIRE(again);
  CHECK(again->master == first->master);
  // Without a state dir, each start has its own.
  auto random1 = load_cookie_secrets("", "", error);
  auto random2 = load_cookie_secrets("", "", error);
  REQUIRE(random1);
  REQUIRE(random2);
  CHECK(random1->master != random2->master);
  // A master file someone made readable is refused, not silently used.
  ::chmod(path.c_str(), 0644);
  CHECK_FALSE(load_cookie_secrets("", dir.path.string(), error));
  CHECK_FALSE(load_cookie_secrets("", (dir.path / "no-such-dir").string(), error));
}

TEST_CASE("cookie address: IPv4, IPv6, and IPv4-mapped IPv6 as IPv4") {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.2", &v4.sin_addr);
  auto a = cookie_address(reinterpret_cast<const sockaddr*>(&v4));
  CHECK(std::vector<uint8_t>(a.begin(), a.end()) == std::vector<uint8_t>{127, 0, 0, 2});
  sockaddr_in6 mapped{};
  mapped.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::ffff:127.0.0.2", &mapped.sin6_addr);
  auto m = cookie_address(reinterpret_cast<const sockaddr*>(&mapped));
  CHECK(std::vector<uint8_t>(m.begin(), m.end()) == std::vector<uint8_t>{127, 0, 0, 2});
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::1", &v6.sin6_addr);
  CHECK(cookie_address(reinterpret_cast<const sockaddr*>(&v6)).size() == 16);
  sockaddr unknown{};
  unknown.sa_family = AF_UNIX;
  CHECK(cookie_address(&unknown).empty());
  CHECK(cookie_address(nullptr).empty());
}
