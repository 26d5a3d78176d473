// GET /api/keys, POST /api/keys/roll and /api/keys/ds-seen against a real
// signing service on a fake clock, and what `dnsd ctl keys` prints of them.
#include "dnsd/control/keys_routes.h"

#include <doctest.h>

#include <string>

#include "dnsd/cli/ctl_format.h"
#include "dnsd/server/signing_service.h"
#include "signed_fixture.h"

using nlohmann::json;

namespace {

dnsd::HttpRequest post(const std::string& body) {
  dnsd::HttpRequest r;
  r.method = "POST";
  r.body = body;
  return r;
}

json body_of(const dnsd::HttpResponse& r) { return json::parse(r.body); }

}  // namespace

TEST_CASE("key command bodies: a zone, and a tag when asked for") {
  std::string zone, error;
  uint16_t tag = 0;
  CHECK(dnsd::parse_key_request(R"({"zone": "Example.Test"})", false, zone, tag, error));
  CHECK(zone == "example.test.");
  CHECK(dnsd::parse_key_request(R"({"zone": "example.test.", "tag": 65535})", true, zone, tag, error));
  CHECK(tag == 65535);
  for (const char* bad : {"", "[]", "{", R"({"zone": 1})", R"({"zone": ""})"}) {
    CHECK_FALSE_MESSAGE(dnsd::parse_key_request(bad, false, zone, tag, error), bad);
    CHECK(!error.empty());
  }
  for (const char* bad : {R"({"zone": "a."})", R"({"zone": "a.", "tag": -1})", R"({"zone": "a.", "tag": 65536})",
                          R"({"zone": "a.", "tag": "1"})", R"({"zone": "a.", "tag": 1.5})"})
    CHECK_FALSE_MESSAGE(dnsd::parse_key_request(bad, true, zone, tag, error), bad);
}

TEST_CASE("the key routes through a rollover: reports, DS lines, 404 and 409") {
  dnsd::test::SignedServing serving;
  const uint16_t old_tag = serving.zone_key_tag();

  dnsd::HttpRequest get;
  get.method = "GET";
  json keys = body_of(dnsd::get_keys(serving.signing, get));
  REQUIRE(keys.at("zones").size() == 1);
  json z = keys.at("zones")[0];
  CHECK(z.at("zone") == "signed.test.");
  CHECK(z.at("zone_key_tag") == old_tag);
  REQUIRE(z.at("keys").size() == 1);
  CHECK(z.at("keys")[0].at("state") == "active");
  CHECK(z.at("keys")[0].at("zone_signing") == true);
  CHECK(z.at("keys")[0].at("published") == "2027-01-15T08:00:00.000Z");
  CHECK(z.at("keys")[0].at("retired").is_null());
  CHECK(z.at("next_event").is_null());
  CHECK(z.at("error").is_null());
  CHECK(z.at("signature_window").at("expiration").is_string());
  // The DS at the policy's parent_ds_ttl (default one day), SHA-256.
  REQUIRE(z.at("ds").size() == 1);
  const std::string ds = z.at("ds")[0];
  CHECK(ds.rfind("signed.test. 86400 IN DS " + std::to_string(old_tag) + " 13 2 ", 0) == 0);
  CHECK(z.at("keys")[0].at("ds") == ds);

  get.query["zone"] = "nosuch.test";
  CHECK(dnsd::get_keys(serving.signing, get).status == 404);
  get.query["zone"] = "SIGNED.test";
  CHECK(body_of(dnsd::get_keys(serving.signing, get)).at("zones").size() == 1);

  CHECK(dnsd::post_keys_roll(serving.signing, post(R"({"zone": "nosuch.test."})")).status == 404);
  CHECK(dnsd::post_keys_roll(serving.signing, post(R"({})")).status == 400);
  serving.now += 60;
  dnsd::HttpResponse r = dnsd::post_keys_roll(serving.signing, post(R"({"zone": "signed.test."})"));
  REQUIRE_MESSAGE(r.status == 200, r.body);
  z = body_of(r);
  REQUIRE(z.at("keys").size() == 2);
  const uint16_t new_tag = z.at("keys")[1].at("tag");
  CHECK(z.at("keys")[1].at("state") == "published");
  CHECK(z.at("keys")[1].at("active").is_null());
  CHECK(z.at("ds").size() == 2);  // both DS belong at the parent during the rollover
  CHECK(std::string(z.at("next_event")).rfind("key " + std::to_string(new_tag) + " becomes active at", 0) == 0);
  const std::string text = dnsd::format_key_command("roll", z);
  CHECK(text.find("rollover of signed.test. started: key " + std::to_string(new_tag) + " is published") == 0);
  CHECK(text.find("dnsd ctl keys ds-seen signed.test. " + std::to_string(new_tag)) != std::string::npos);
  CHECK(text.find("    " + ds + "\n") != std::string::npos);

  r = dnsd::post_keys_roll(serving.signing, post(R"({"zone": "signed.test."})"));
  CHECK(r.status == 409);
  CHECK(body_of(r).at("error").get<std::string>().find("in progress") != std::string::npos);

  CHECK(dnsd::post_keys_ds_seen(serving.signing, post(R"({"zone": "signed.test.", "tag": 1})")).status == 404);
  CHECK(dnsd::post_keys_ds_seen(serving.signing, post(R"({"zone": "signed.test."})")).status == 400);
  r = dnsd::post_keys_ds_seen(serving.signing,
                              post(R"({"zone": "signed.test.", "tag": )" + std::to_string(new_tag) + "}"));
  REQUIRE_MESSAGE(r.status == 200, r.body);
  CHECK(body_of(r).at("keys")[1].at("ds_seen").is_string());

  // What `dnsd ctl keys` and `dnsd ctl ds` print of it.
  get.query.clear();
  keys = body_of(dnsd::get_keys(serving.signing, get));
  const std::string table = dnsd::format_keys(keys);
  CHECK(table.find("zone signed.test.: signed by key " + std::to_string(old_tag)) == 0);
  CHECK(table.find("active (signs the zone)") != std::string::npos);
  CHECK(table.find("published") != std::string::npos);
  CHECK(table.find("  next event: key " + std::to_string(new_tag) + " becomes active at") != std::string::npos);
  const std::string lines = dnsd::format_ds(keys);
  CHECK(lines == std::string(keys.at("zones")[0].at("ds")[0]) + "\n" +
                     std::string(keys.at("zones")[0].at("ds")[1]) + "\n");
  CHECK(dnsd::format_keys(json{{"zones", json::array()}}) == "no signed zones\n");
}
