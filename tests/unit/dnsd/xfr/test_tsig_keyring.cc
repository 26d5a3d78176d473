// TsigKeyring: the key file's lines, its errors (which never show a secret),
// its permissions, and finding keys by name.
#include <doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "dnsd/xfr/tsig_keyring.h"

using dnsd::xfr::TsigKey;
using dnsd::xfr::TsigKeyring;

namespace {

const std::string kSecret = "ZG5zZCB0c2lnIHRlc3Qgc2VjcmV0LCAzMiBieXRlcyE=";

// The error parse gives for `text`, or "" if it parsed.
std::string parse_error(const std::string& text) {
  std::string error;
  const auto ring = TsigKeyring::parse(text, "keys.txt", error);
  return ring ? "" : error;
}

// A key file in the temporary directory with `mode`; removed by the destructor.
struct KeyFile {
  std::string path;
  KeyFile(const std::string& text, mode_t mode) {
    char name[] = "/tmp/dnsd-tsig-keys-XXXXXX";
    const int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    close(fd);
    path = name;
    std::ofstream(path) << text;
    REQUIRE(chmod(path.c_str(), mode) == 0);
  }
  ~KeyFile() { std::remove(path.c_str()); }
};

}  // namespace

TEST_CASE("tsig keyring: lines as dig -y takes them, with comments and blank lines") {
  std::string error;
  const auto ring = TsigKeyring::parse("# transfer keys\n"
                                       "\n"
                                       "hmac-sha256:Xfr-Key:" + kSecret + "   # the secondaries\n"
                                       "  HMAC-SHA512:notify.example.:" + kSecret + "\n"
                                       "hmac-sha1:old:" + kSecret + "\n"
                                       "hmac-sha224.:k224:" + kSecret + "\n"
                                       "hmac-sha384:k384:" + kSecret,
                                       "keys.txt", error);
  REQUIRE_MESSAGE(ring, error);
  CHECK(ring->size() == 5);
  CHECK(ring->names() == std::set<std::string>{"xfr-key.", "notify.example.", "old.", "k224.", "k384."});
  const TsigKey* key = ring->find("xfr-key.");
  REQUIRE(key != nullptr);
  CHECK(key->name == "xfr-key.");
  CHECK(key->algorithm == "hmac-sha256.");
  CHECK(key->secret == kSecret);
  CHECK(ring->find("notify.example.")->algorithm == "hmac-sha512.");
  CHECK(ring->find("old")->algorithm == "hmac-sha1.");
  CHECK(ring->find("k224")->algorithm == "hmac-sha224.");
  CHECK(ring->find("k384")->algorithm == "hmac-sha384.");
}

TEST_CASE("tsig keyring: find is case-insensitive and the trailing dot optional") {
  std::string error;
  const auto ring = TsigKeyring::parse("hmac-sha256:xfr-key:" + kSecret, "k", error);
  REQUIRE(ring);
  CHECK(ring->find("xfr-key") == ring->find("xfr-key."));
  CHECK(ring->find("XFR-KEY.") == ring->find("xfr-key."));
  CHECK(ring->find("xfr-key") != nullptr);
  CHECK(ring->find("other-key") == nullptr);
  CHECK(ring->find("") == nullptr);
}

TEST_CASE("tsig keyring: NAME:SECRET means hmac-sha256, as in dig") {
  std::string error;
  const auto ring = TsigKeyring::parse("xfr-key:" + kSecret, "k", error);
  REQUIRE(ring);
  CHECK(ring->find("xfr-key")->algorithm == "hmac-sha256.");
}

TEST_CASE("tsig keyring: hmac-md5 is refused with a reason") {
  CHECK(parse_error("hmac-md5:k:" + kSecret) ==
        "keys.txt:1: hmac-md5 is not supported (obsolete, RFC 8945 6); use hmac-sha256");
  CHECK(parse_error("hmac-md5.sig-alg.reg.int:k:" + kSecret).find("hmac-md5 is not supported") != std::string::npos);
}

TEST_CASE("tsig keyring: unknown and truncated algorithms are refused") {
  CHECK(parse_error("hmac-sha256-128:k:" + kSecret) ==
        "keys.txt:1: truncated MACs ('hmac-sha256-128') are not supported; use the full algorithm");
  CHECK(parse_error("gss-tsig:k:" + kSecret).rfind("keys.txt:1: unknown algorithm 'gss-tsig'", 0) == 0);
}

TEST_CASE("tsig keyring: errors name the file and line and never echo the secret") {
  const std::string bad_secret = "not!base64";
  const std::string error = parse_error("# one\nhmac-sha256:good:" + kSecret + "\nhmac-sha256:bad:" + bad_secret);
  CHECK(error == "keys.txt:3: key bad.: the secret is not base64 (or is empty)");
  CHECK(error.find(bad_secret) == std::string::npos);
  CHECK(parse_error("hmac-sha256:empty:") == "keys.txt:1: key empty.: the secret is not base64 (or is empty)");
  CHECK(parse_error("hmac-sha256:k:" + kSecret + ":extra") == "keys.txt:1: expected ALGORITHM:NAME:SECRET, as dig -y takes it");
  CHECK(parse_error("just-one-field") == "keys.txt:1: expected ALGORITHM:NAME:SECRET, as dig -y takes it");
  const std::string long_label(64, 'a');
  CHECK(parse_error("hmac-sha256:" + long_label + ":" + kSecret) ==
        "keys.txt:1: '" + long_label + "' is not a domain name");
}

TEST_CASE("tsig keyring: a name twice (in any case) is an error") {
  CHECK(parse_error("hmac-sha256:xfr-key:" + kSecret + "\n\nhmac-sha512:XFR-KEY.:" + kSecret) ==
        "keys.txt:3: duplicate key xfr-key. (first on line 1)");
}

TEST_CASE("tsig keyring: a file without keys is an error") {
  CHECK(parse_error("") == "keys.txt: no keys");
  CHECK(parse_error("# nothing yet\n\n") == "keys.txt: no keys");
}

TEST_CASE("tsig keyring: load reads a private file") {
  KeyFile file("hmac-sha256:xfr-key:" + kSecret + "\n", 0600);
  std::string error;
  const auto ring = TsigKeyring::load(file.path, error);
  REQUIRE_MESSAGE(ring, error);
  CHECK(ring->find("xfr-key") != nullptr);
  KeyFile group_readable("hmac-sha256:xfr-key:" + kSecret + "\n", 0640);
  CHECK(TsigKeyring::load(group_readable.path, error));
}

TEST_CASE("tsig keyring: load refuses a file others can read or its group can write") {
  for (const mode_t mode : {0644, 0604, 0602, 0660}) {
    KeyFile file("hmac-sha256:xfr-key:" + kSecret + "\n", mode);
    std::string error;
    CHECK_FALSE(TsigKeyring::load(file.path, error));
    char expected[16];
    std::snprintf(expected, sizeof expected, "%04o", unsigned(mode));
    CHECK(error == file.path + ": holds secrets but its mode is " + expected + "; chmod 600 (or 640) it");
  }
}

TEST_CASE("tsig keyring: load names the file and line of a bad key, and a missing file") {
  KeyFile file("hmac-sha256:xfr-key:" + kSecret + "\nhmac-md5:old:" + kSecret + "\n", 0600);
  std::string error;
  CHECK_FALSE(TsigKeyring::load(file.path, error));
  CHECK(error.rfind(file.path + ":2: hmac-md5", 0) == 0);
  CHECK_FALSE(TsigKeyring::load("/nonexistent/keys", error));
  CHECK(error == "/nonexistent/keys: No such file or directory");
}
