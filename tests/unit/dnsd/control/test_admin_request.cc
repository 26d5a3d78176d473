// POST /api/drain and /api/undrain bodies read without an HTTP server:
// what is accepted and normalised, and the 400 reply for what is not.
#include "dnsd/control/admin_request.h"

#include <doctest.h>

#include <nlohmann/json.hpp>

#include "dnsd/control/http_server.h"

using dnsd::AdminRequest;
using dnsd::parse_admin_request;

TEST_CASE("a drain body gives the pool, the address as given and canonical, and the zone normalised") {
  AdminRequest r;
  std::string error;
  REQUIRE_MESSAGE(parse_admin_request(R"({"pool": "web", "address": "2001:DB8:0::1", "zone": "Example.Test"})", r,
                                      error),
                  error);
  CHECK(r.pool == "web");
  CHECK(r.address_text == "2001:DB8:0::1");
  CHECK(r.address == "2001:db8::1");
  CHECK(r.zone == "example.test.");
}

TEST_CASE("an absent or null zone means every zone") {
  for (const char* body : {R"({"pool": "web", "address": "192.0.2.1"})",
                           R"({"pool": "web", "address": "192.0.2.1", "zone": null})"}) {
    AdminRequest r;
    std::string error;
    REQUIRE_MESSAGE(parse_admin_request(body, r, error), error);
    CHECK(r.zone.empty());
    CHECK(r.address == "192.0.2.1");
  }
}

TEST_CASE("an address without a pool names it in every pool of every zone") {
  for (const char* body : {R"({"address": "2001:DB8::1"})", R"({"pool": null, "address": "2001:DB8::1"})",
                           R"({"pool": "", "address": "2001:DB8::1", "zone": null})"}) {
    AdminRequest r;
    std::string error;
    REQUIRE_MESSAGE(parse_admin_request(body, r, error), body, " -> ", error);
    CHECK(r.every_pool());
    CHECK(r.pool.empty());
    CHECK(r.zone.empty());
    CHECK(r.address == "2001:db8::1");
  }
  AdminRequest r;
  std::string error;
  REQUIRE(parse_admin_request(R"({"pool": "web", "address": "192.0.2.1"})", r, error));
  CHECK_FALSE(r.every_pool());
}

TEST_CASE("bodies that are not an object naming an address are refused with the reason") {
  struct Case {
    const char* body;
    const char* error;
  };
  for (const Case& c : {Case{"", "'address' is required"}, Case{"{}", "'address' is required"},
                        Case{R"({"pool": "web"})", "'address' is required"},
                        Case{R"({"pool": "web", "address": ""})", "'address' is required"},
                        Case{R"({"address": "192.0.2.1", "zone": "example.test"})", "'zone' needs 'pool'"},
                        Case{"[1]", "body must be a JSON object"},
                        Case{R"({"pool": 5, "address": "192.0.2.1"})", "'pool' must be a string"},
                        Case{R"({"pool": "web", "address": "192.0.2.1", "zone": []})", "'zone' must be a string"},
                        Case{"pool=web", "body is not JSON: "}}) {
    AdminRequest r;
    std::string error;
    CHECK_FALSE(parse_admin_request(c.body, r, error));
    CHECK_MESSAGE(error.rfind(c.error, 0) == 0, c.body, " -> ", error);
  }
}

TEST_CASE("the 400 for a body that is not UTF-8 is JSON, the bytes it quotes replaced") {
  AdminRequest r;
  std::string error;
  REQUIRE_FALSE(parse_admin_request("{\"pool\": \"w\xff\", \"address\": \"192.0.2.1\"}", r, error));
  const dnsd::HttpResponse reply = dnsd::HttpResponse::error(400, error);  // threw before: a 500 instead
  CHECK(reply.status == 400);
  const auto body = nlohmann::json::parse(reply.body);
  CHECK(body["error"].get<std::string>().rfind("body is not JSON: ", 0) == 0);
  CHECK(body["error"].get<std::string>().find("\xef\xbf\xbd") != std::string::npos);  // U+FFFD
}
