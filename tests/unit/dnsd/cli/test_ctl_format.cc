// What `dnsd ctl` prints for the API's answers.
#include "dnsd/cli/ctl_format.h"

#include <doctest.h>

using nlohmann::json;

TEST_CASE("tables pad columns and drop trailing blanks") {
  CHECK(dnsd::format_table({{"A", "BB", "C"}, {"long", "x", ""}}) == "A     BB  C\nlong  x\n");
}

TEST_CASE("a drain says when it is safe to stop, or why it is not") {
  json r = json::parse(R"({"zone": null, "pool": "web", "address": "192.0.2.1", "admin": "drain", "changed": true,
    "persisted": true, "members": [{"zone": "example.test.", "pool": "web", "address": "192.0.2.1",
    "state": "up", "admin": "drain", "serving": false}], "drained_since": "2026-11-22T10:16:00.000Z",
    "drained_since_ms": 1795342560000, "max_ttl_s": 20, "safe_after": "2026-11-22T10:16:20.000Z",
    "safe_after_ms": 1795342580000, "safe_in_s": 19.5, "still_serving": false, "warning": null})");
  std::string text = dnsd::format_admin(r, false);
  CHECK(text == "drained 192.0.2.1 in pool web (example.test.)\n"
                "resolvers may still hold it for up to 20 s (the longest TTL it is served with)\n"
                "safe to stop after 2026-11-22T10:16:20.000Z, in 20s\n");
  r["still_serving"] = true;
  r["warning"] = "no other member is up";
  r["persisted"] = false;
  text = dnsd::format_admin(r, false);
  CHECK(text.find("NOT SAFE to stop it: no other member is up") != std::string::npos);
  CHECK(text.find("not persisted") != std::string::npos);
}

TEST_CASE("a pool drain another pool still serves says it is not safe and how to drain everywhere") {
  const json r = json::parse(R"({"zone": null, "pool": "web", "all_pools": false, "address": "192.0.2.1",
    "admin": "drain", "changed": true, "persisted": true,
    "members": [{"zone": "a.test.", "pool": "web", "address": "192.0.2.1", "state": "up", "admin": "drain",
                 "serving": false}],
    "other_pools": [{"zone": "a.test.", "pool": "api", "address": "192.0.2.1", "state": "up", "admin": "auto",
                     "serving": true},
                    {"zone": "b.test.", "pool": "web", "address": "192.0.2.1", "state": "up", "admin": "drain",
                     "serving": false}],
    "drained_since": "2026-11-22T10:16:00.000Z", "drained_since_ms": 1795342560000, "max_ttl_s": 60,
    "safe_after": null, "safe_after_ms": null, "safe_in_s": null, "still_serving": false,
    "warning": "192.0.2.1 is still served by pool api of a.test."})");
  CHECK(dnsd::admin_not_safe(r));
  CHECK(dnsd::format_admin(r, false) ==
        "drained 192.0.2.1 in pool web (a.test.)\n"
        "other pools with 192.0.2.1: api of a.test. (SERVING), web of b.test. (drained)\n"
        "NOT SAFE to stop it: 192.0.2.1 is still served by pool api of a.test.\n"
        "to drain it in every pool of every zone: dnsd ctl drain 192.0.2.1\n");
}

TEST_CASE("an address drain names every pool it covers") {
  const json r = json::parse(R"({"zone": null, "pool": null, "all_pools": true, "address": "192.0.2.1",
    "admin": "drain", "changed": true, "persisted": true,
    "members": [{"zone": "a.test.", "pool": "web", "address": "192.0.2.1", "state": "up", "admin": "drain",
                 "serving": false},
                {"zone": "b.test.", "pool": "api", "address": "192.0.2.1", "state": "down", "admin": "drain",
                 "serving": false}],
    "other_pools": [], "drained_since": "2026-11-22T10:16:00.000Z", "drained_since_ms": 1795342560000,
    "max_ttl_s": 60, "safe_after": "2026-11-22T10:17:00.000Z", "safe_after_ms": 1795342620000, "safe_in_s": 0,
    "still_serving": false, "warning": null})");
  CHECK_FALSE(dnsd::admin_not_safe(r));
  CHECK(dnsd::format_admin(r, false) ==
        "drained 192.0.2.1 in every pool of every zone (web of a.test., api of b.test.)\n"
        "resolvers may still hold it for up to 60 s (the longest TTL it is served with)\n"
        "safe to stop after 2026-11-22T10:17:00.000Z, which has passed: safe now\n");
}

TEST_CASE("a failed reload lists every error as FILE: /pointer: message") {
  const json r = json::parse(R"({"ok": false, "published": true, "files": 2, "loaded": 1, "failed": 1, "zones": 2,
    "duration_ms": 1.5, "kept": [{"file": "z/b.json", "origin": "b.test.", "serial": 3}],
    "errors": [{"file": "z/b.json", "pointer": "/ttl", "message": "bad", "text": "z/b.json: /ttl: bad"}]})");
  CHECK(dnsd::format_reload(r) == "reload FAILED for 1 of 2 file(s); serving 2 zone(s)\n"
                                  "z/b.json: /ttl: bad\n"
                                  "kept: b.test. (serial 3) from the last good version of z/b.json\n");
}

namespace {

/// /api/explain's answer for a name with no pool (CONTROL_API.md), with
/// `authority` as the only records.
json negative_explain(const char* name, const char* type, const char* outcome, const char* rcode, bool aa,
                      json authority) {
  return json{{"name", name}, {"type", type}, {"zone", "example.test."}, {"file", "zones/example.test.json"},
              {"rcode", rcode}, {"authoritative", aa}, {"outcome", outcome}, {"chain", json::array()},
              {"owner", name}, {"wildcard", nullptr}, {"pool", nullptr}, {"failover", nullptr},
              {"answer", {{"ttl", nullptr}, {"records", json::array()}, {"authority", authority},
                          {"rotates", false}}}};
}

const json kSoa = json::parse(R"([{"name": "example.test.", "ttl": 60, "type": "SOA",
  "data": "ns1.example.test. hostmaster.example.test. 1 3600 600 86400 60"}])");

}  // namespace

TEST_CASE("explain of NXDOMAIN, NODATA and a referral: the outcome and the authority section") {
  const json nx = negative_explain("nothere.example.test.", "A", "nxdomain", "NXDOMAIN", true, kSoa);
  CHECK(dnsd::format_explain(nx) ==
        "nothere.example.test. A: nxdomain (NXDOMAIN, authoritative)\n"
        "  zone example.test. from zones/example.test.json\n"
        "  answer served now:\n"
        "    (empty answer section)\n"
        "  authority:\n"
        "    example.test.  60  SOA  ns1.example.test. hostmaster.example.test. 1 3600 600 86400 60\n");

  const json nodata = negative_explain("www.example.test.", "MX", "nodata", "NOERROR", true, kSoa);
  CHECK(dnsd::format_explain(nodata) ==
        "www.example.test. MX: nodata (NOERROR, authoritative)\n"
        "  zone example.test. from zones/example.test.json\n"
        "  answer served now:\n"
        "    (empty answer section)\n"
        "  authority:\n"
        "    example.test.  60  SOA  ns1.example.test. hostmaster.example.test. 1 3600 600 86400 60\n");

  const json referral = negative_explain("x.sub.example.test.", "A", "referral", "NOERROR", false, json::parse(R"([
    {"name": "sub.example.test.", "ttl": 300, "type": "NS", "data": "ns.sub.example.test."}])"));
  const std::string referral_text =
      "x.sub.example.test. A: referral (NOERROR)\n"
      "  zone example.test. from zones/example.test.json\n"
      "  answer served now:\n"
      "    (empty answer section)\n"
      "  authority:\n"
      "    sub.example.test.  300  NS  ns.sub.example.test.\n";
  CHECK(dnsd::format_explain(referral) == referral_text);

  SUBCASE("a yes/no field sent as a number or left out reads as a boolean, never throws") {
    json e = referral;
    e["answer"]["rotates"] = 0;  // what servers before the fix sent
    e["authoritative"] = 0;
    CHECK(dnsd::format_explain(e) == referral_text);
    e["answer"].erase("rotates");
    e.erase("authoritative");
    CHECK(dnsd::format_explain(e) == referral_text);
    e["answer"]["rotates"] = 1;
    e["authoritative"] = 1;
    const std::string text = dnsd::format_explain(e);
    CHECK(text.find("referral (NOERROR, authoritative)") != std::string::npos);
    CHECK(text.find("(the order rotates on every response)") != std::string::npos);
    e["answer"]["rotates"] = "yes";  // not a yes/no value at all: no
    CHECK(dnsd::format_explain(e).find("rotates") == std::string::npos);
  }
}

TEST_CASE("status shows members nothing probes as unchecked, and says what that means") {
  const auto s = nlohmann::json::parse(R"({
    "now_ms": 1000000, "server": {"version": "0.1.0", "uptime_s": 5, "zones_path": "/z"},
    "last_reload": null, "reloads": {"ok": 1, "failed": 0}, "zones": [],
    "pools": [{"zone": "example.test.", "name": "static", "selection": {"A": {"rule": "healthy-primaries"}},
               "members": [{"address": "192.0.2.1", "backup": false, "state": "unchecked", "checked": false,
                            "age_s": null, "last_result": null, "next_probe_in_ms": null, "admin": "auto",
                            "drained_in_zone": false, "serving": true}]}]})");
  const std::string out = dnsd::format_status(s);
  CHECK(out.find("192.0.2.1") != std::string::npos);
  CHECK(out.find("unchecked") != std::string::npos);
  CHECK(out.find("note: 1 unchecked member (check type none): never probed, served as if up") != std::string::npos);
}
