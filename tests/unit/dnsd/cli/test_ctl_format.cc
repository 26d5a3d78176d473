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

TEST_CASE("a failed reload lists every error as FILE: /pointer: message") {
  const json r = json::parse(R"({"ok": false, "published": true, "files": 2, "loaded": 1, "failed": 1, "zones": 2,
    "duration_ms": 1.5, "kept": [{"file": "z/b.json", "origin": "b.test.", "serial": 3}],
    "errors": [{"file": "z/b.json", "pointer": "/ttl", "message": "bad", "text": "z/b.json: /ttl: bad"}]})");
  CHECK(dnsd::format_reload(r) == "reload FAILED for 1 of 2 file(s); serving 2 zone(s)\n"
                                  "z/b.json: /ttl: bad\n"
                                  "kept: b.test. (serial 3) from the last good version of z/b.json\n");
}
