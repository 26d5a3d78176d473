#include <doctest.h>

#include "zones/name.h"

using namespace dnsd::zones;

namespace {
Name N(const char* text) {
  Name out;
  std::string error;
  REQUIRE_MESSAGE(name_from_text(text, root_name(), out, error), error);
  return out;
}
}  // namespace

TEST_CASE("name_from_text completes relative names with the origin") {
  Name origin = N("example.test.");
  Name out;
  std::string error;
  REQUIRE(name_from_text("www", origin, out, error));
  CHECK(out.text() == "www.example.test.");
  REQUIRE(name_from_text("@", origin, out, error));
  CHECK(out == origin);
  REQUIRE(name_from_text("host.other.", origin, out, error));
  CHECK(out.text() == "host.other.");
  REQUIRE(name_from_text("a\\.b", origin, out, error));
  CHECK(out.wire.substr(0, 4) == std::string("\x03" "a.b", 4));
  CHECK_FALSE(name_from_text("a..b", origin, out, error));
  CHECK_FALSE(name_from_text(std::string(64, 'x'), origin, out, error));
}

TEST_CASE("LabeledName lowercases and hashes every suffix consistently") {
  Name mixed = N("WwW.Example.TEST.");
  LabeledName n;
  REQUIRE(n.parse(mixed.data(), mixed.size()) == mixed.size());
  CHECK(n.label_count == 3);
  CHECK(std::string(reinterpret_cast<const char*>(n.wire), n.length) == N("www.example.test.").wire);
  Name parent = N("example.test.");
  CHECK(n.suffix_hash[1] == name_hash(parent.data(), parent.size()));
  CHECK(n.suffix_length(1) == parent.size());
  CHECK(n.suffix_hash[3] == kRootHash);
}

TEST_CASE("LabeledName rejects compression pointers and overlong input") {
  const uint8_t pointer[] = {0xC0, 0x0C};
  LabeledName n;
  CHECK(n.parse(pointer, sizeof pointer) == 0);
  const uint8_t truncated[] = {3, 'w', 'w'};
  CHECK(n.parse(truncated, sizeof truncated) == 0);
}

TEST_CASE("subdomain and equality ignore case") {
  Name a = N("A.Example.Test."), b = N("example.TEST.");
  CHECK(a.is_subdomain_of(b));
  CHECK_FALSE(b.is_subdomain_of(a));
  CHECK(name_equal(b.data(), b.size(), N("EXAMPLE.test.").data(), b.size()));
}

TEST_CASE("lower_text folds ASCII letters only") {
  CHECK(dnsd::zones::lower_text("WWW.Example.TEST.") == "www.example.test.");
  CHECK(dnsd::zones::lower_text("Bearer") == "bearer");
  CHECK(dnsd::zones::lower_text("\xC3\x89t\xC3\xA9-1_Z") == "\xC3\x89t\xC3\xA9-1_z");
}
