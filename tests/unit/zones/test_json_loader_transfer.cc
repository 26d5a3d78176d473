// The zone file's "transfer" object: what a valid one becomes in the Zone,
// and every mistake reported at its JSON pointer in the loader's one format,
// including a TSIG key the server does not know.
#include <doctest.h>

#include <set>
#include <string>

#include "zones/json_loader.h"

using namespace dnsd::zones;

namespace {

// A valid zone with `transfer` (JSON text) as its "transfer" value; none when empty.
std::string zone_with_transfer(const std::string& transfer) {
  return R"({"origin": "example.test.", "soa": {"mname": "ns1"},)" +
         (transfer.empty() ? std::string() : "\"transfer\": " + transfer + ",") +
         R"("records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.1"}}})";
}

LoadResult load(const std::string& transfer, const LoadOptions& options = {}) {
  return load_zone_json(zone_with_transfer(transfer), "z.json", options);
}

std::string all_errors(const LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.to_string() + "\n";
  return out;
}

// Whether some error sits at exactly `pointer` and mentions `words`.
bool has_error(const LoadResult& r, const std::string& pointer, const std::string& words) {
  for (const auto& e : r.errors)
    if (e.pointer == pointer && e.message.find(words) != std::string::npos) return true;
  return false;
}

#define CHECK_ERROR(result, pointer, words)                                                       \
  CHECK_MESSAGE(has_error(result, pointer, words), "wanted " << pointer << ": ..." << words << "... got:\n" \
                                                               << all_errors(result))

// Loads `transfer` expecting exactly one error, at `pointer` and mentioning `words`.
void check_one_error(const std::string& transfer, const std::string& pointer, const std::string& words,
                     const LoadOptions& options = {}) {
  LoadResult r = load(transfer, options);
  CHECK(r.zone == nullptr);
  CHECK_MESSAGE(r.errors.size() == 1, transfer << " gave:\n" << all_errors(r));
  CHECK_ERROR(r, pointer, words);
}

}  // namespace

TEST_CASE("a zone without \"transfer\" has a disabled policy") {
  LoadResult r = load("");
  REQUIRE_MESSAGE(r.zone, all_errors(r));
  CHECK_FALSE(r.zone->transfer().enabled);
  CHECK(r.zone->transfer().allow.empty());
  CHECK(r.zone->transfer() == TransferPolicy{});
}

TEST_CASE("a full transfer object becomes the zone's policy, normalised") {
  LoadResult r = load(R"({"allow": ["127.0.0.0/8", "192.0.2.0/24", "::1"],
                          "notify": ["192.0.2.53", "198.51.100.7:5300", "[2001:DB8::1]:5300"],
                          "tsig": "XFR-Key"})");
  REQUIRE_MESSAGE(r.zone, all_errors(r));
  const TransferPolicy& t = r.zone->transfer();
  CHECK(t.enabled);
  REQUIRE(t.allow.size() == 3);
  CHECK(t.allow[0].to_string() == "127.0.0.0/8");
  CHECK(t.allow[1].to_string() == "192.0.2.0/24");
  CHECK(t.allow[2].to_string() == "::1/128");
  REQUIRE(t.notify.size() == 3);
  CHECK(t.notify[0].text == "192.0.2.53:53");
  CHECK(t.notify[1].text == "198.51.100.7:5300");
  CHECK(t.notify[2].text == "[2001:db8::1]:5300");
  CHECK(t.tsig_key == "xfr-key.");
}

TEST_CASE("allow may be empty; notify and tsig are optional") {
  LoadResult r = load(R"({"allow": []})");
  REQUIRE_MESSAGE(r.zone, all_errors(r));
  CHECK(r.zone->transfer().enabled);
  CHECK(r.zone->transfer().allow.empty());
  CHECK(r.zone->transfer().notify.empty());
  CHECK(r.zone->transfer().tsig_key.empty());
  r = load(R"({"allow": [], "tsig": "xfr-key."})");
  REQUIRE_MESSAGE(r.zone, all_errors(r));
  CHECK(r.zone->transfer().tsig_key == "xfr-key.");
}

TEST_CASE("transfer shape errors: not an object, missing allow, unknown keys, wrong types") {
  check_one_error(R"(["127.0.0.1"])", "/transfer", "must be an object, not an array");
  check_one_error(R"({})", "/transfer", "missing required key \"allow\"");
  check_one_error(R"({"allow": [], "notfy": []})", "/transfer/notfy", "did you mean \"notify\"");
  check_one_error(R"({"allow": [], "acl": []})", "/transfer/acl", "unknown key \"acl\"");
  check_one_error(R"({"allow": "127.0.0.1"})", "/transfer/allow", "must be an array of address prefixes");
  check_one_error(R"({"allow": [], "notify": "192.0.2.53"})", "/transfer/notify", "must be an array of addresses");
  check_one_error(R"({"allow": ["127.0.0.1", 10]})", "/transfer/allow/1", "not an integer");
  check_one_error(R"({"allow": [], "notify": [null]})", "/transfer/notify/0", "not null");
  check_one_error(R"({"allow": [], "tsig": 5})", "/transfer/tsig", "must be a string");
}

TEST_CASE("bad prefixes are reported at their index") {
  check_one_error(R"({"allow": ["127.0.0.1", "192.0.2.1/24"]})", "/transfer/allow/1", "host bits");
  check_one_error(R"({"allow": ["127.0.0.1", "192.0.2.0/24", "10.0.0.0/33"]})", "/transfer/allow/2", "0 to 32");
  check_one_error(R"({"allow": ["localhost"]})", "/transfer/allow/0", "\"localhost\" is not");
  check_one_error(R"({"allow": ["192.0.2.0/24", "192.0.2.0/24"]})", "/transfer/allow/1",
                  "192.0.2.0/24 is listed twice (also at /transfer/allow/0)");
  LoadResult r = load(R"({"allow": ["300.0.0.0/8", "2001:db8::1/32"]})");
  CHECK(r.errors.size() == 2);
  CHECK_ERROR(r, "/transfer/allow/0", "300.0.0.0/8");
  CHECK_ERROR(r, "/transfer/allow/1", "2001:db8::/32");
}

TEST_CASE("bad notify targets are reported at their index") {
  check_one_error(R"({"allow": [], "notify": ["192.0.2.53", "192.0.2.54:0"]})", "/transfer/notify/1", "1 to 65535");
  check_one_error(R"({"allow": [], "notify": ["[2001:db8::1]:65536"]})", "/transfer/notify/0", "1 to 65535");
  check_one_error(R"({"allow": [], "notify": ["ns1.example.test"]})", "/transfer/notify/0", "host name");
  check_one_error(R"({"allow": [], "notify": ["192.0.2.53", "192.0.2.53:53"]})", "/transfer/notify/1",
                  "192.0.2.53:53 is listed twice (also at /transfer/notify/0)");
}

TEST_CASE("tsig must be a domain name other than the root") {
  check_one_error(R"({"allow": [], "tsig": ""})", "/transfer/tsig", "invalid TSIG key name");
  check_one_error(R"({"allow": [], "tsig": "a..b"})", "/transfer/tsig", "invalid TSIG key name");
  check_one_error(R"({"allow": [], "tsig": "."})", "/transfer/tsig", "not the root");
}

TEST_CASE("with LoadOptions::tsig_keys, the key must be one the server knows") {
  std::set<std::string> keys = {"xfr-key.", "other."};
  LoadOptions options;
  options.tsig_keys = &keys;
  LoadResult r = load(R"({"allow": [], "tsig": "XFR-KEY"})", options);
  REQUIRE_MESSAGE(r.zone, all_errors(r));
  CHECK(r.zone->transfer().tsig_key == "xfr-key.");
  check_one_error(R"({"allow": [], "tsig": "missing-key"})", "/transfer/tsig",
                  "no TSIG key \"missing-key.\" in --tsig-keys", options);
  std::set<std::string> none;
  options.tsig_keys = &none;
  check_one_error(R"({"allow": [], "tsig": "xfr-key"})", "/transfer/tsig", "no TSIG key \"xfr-key.\"", options);
  // A zone that names no key needs none.
  r = load(R"({"allow": ["127.0.0.1"]})", options);
  CHECK_MESSAGE(r.zone, all_errors(r));
}

TEST_CASE("transfer errors come with every other error of the file, in file: /pointer: message form") {
  std::string text = R"({"origin": "example.test.", "soa": {"mname": "ns1"}, "transfer": {"allow": ["1.2.3.4/8"]},
                         "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.300"}}})";
  LoadResult r = load_zone_json(text, "zones/example.json");
  CHECK(r.errors.size() == 2);
  CHECK_ERROR(r, "/records/ns1/A", "192.0.2.300");
  bool found = false;
  for (const auto& e : r.errors)
    if (e.to_string().rfind("zones/example.json: /transfer/allow/0: \"1.2.3.4/8\" has host bits", 0) == 0)
      found = true;
  CHECK_MESSAGE(found, all_errors(r));
}
