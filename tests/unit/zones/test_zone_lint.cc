// Zone lint: TXT text pasted from BIND with its quotes is warned about, at
// the record's JSON pointer, and the zone still loads with the text as written.
#include <doctest.h>

#include <string>

#include "zones/json_loader.h"
#include "zones/zone.h"
#include "zones/zone_lint.h"

using namespace dnsd::zones;

namespace {

std::string zone_with(const std::string& records) {
  return R"({"origin": "example.test.", "ttl": 300,
             "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 7},
             "records": {"@": {"NS": ["ns1", "ns2.other."]}, )" +
         records + "}}";
}

std::string all(const std::vector<LoadError>& messages) {
  std::string out;
  for (const auto& m : messages) out += m.to_string() + "\n";
  return out;
}

}  // namespace

TEST_CASE("lint: TXT text in double quotes is warned about, with the text to write instead") {
  auto w = lint_record_text(rrtype::TXT, "\"v=spf1 -all\"");
  REQUIRE(w);
  CHECK(*w ==
        "TXT string starts and ends with a double quote; dnsd takes JSON strings literally, so the quotes are "
        "served as part of the text. Write \"v=spf1 -all\" without them");
  auto spf = lint_record_text(99, "\"v=spf1 mx -all\"");
  REQUIRE(spf);
  CHECK(spf->rfind("SPF string starts and ends", 0) == 0);
}

TEST_CASE("lint: BIND's split strings suggest the joined text") {
  auto w = lint_record_text(rrtype::TXT, "\"v=DKIM1; k=rsa; \" \"p=MIIB\"");
  REQUIRE(w);
  CHECK(w->find("Write \"v=DKIM1; k=rsa; p=MIIB\" instead: dnsd cuts long text into 255-byte strings itself") !=
        std::string::npos);
  auto long_text = lint_record_text(rrtype::TXT, "\"" + std::string(200, 'k') + "\"");
  REQUIRE(long_text);
  CHECK(long_text->find("Write \"" + std::string(57, 'k') + "...\" without them") != std::string::npos);
}

TEST_CASE("lint: text that does not start and end with a quote, and other types, pass") {
  CHECK_FALSE(lint_record_text(rrtype::TXT, "v=spf1 -all"));
  CHECK_FALSE(lint_record_text(rrtype::TXT, "say \"hi\""));
  CHECK_FALSE(lint_record_text(rrtype::TXT, "\"quoted start only"));
  CHECK_FALSE(lint_record_text(rrtype::TXT, "\""));
  CHECK_FALSE(lint_record_text(rrtype::TXT, ""));
  CHECK_FALSE(lint_record_text(257 /* CAA */, "0 issue \"letsencrypt.org\""));
  CHECK_FALSE(lint_record_text(rrtype::MX, "\"10 mail\""));
}

TEST_CASE("loader: a quoted TXT string loads, with one warning at its pointer") {
  LoadResult r = load_zone_json(zone_with(R"("x": {"TXT": "ok"}, "a": {"TXT": "\"v=spf1 -all\""},
                                             "b": {"TXT": ["fine", "\"second\""]},
                                             "c": {"TXT": {"ttl": 60, "data": "\"third\""}})"),
                                "example.test.json");
  REQUIRE_MESSAGE(r.errors.empty(), all(r.errors));
  REQUIRE(r.zone);
  REQUIRE_MESSAGE(r.warnings.size() == 3, all(r.warnings));
  CHECK(r.warnings[0].to_string() ==
        "example.test.json: /records/a/TXT: TXT string starts and ends with a double quote; dnsd takes JSON "
        "strings literally, so the quotes are served as part of the text. Write \"v=spf1 -all\" without them");
  CHECK(r.warnings[1].pointer == "/records/b/TXT/1");
  CHECK(r.warnings[2].pointer == "/records/c/TXT/data");
}

TEST_CASE("loader: a clean zone has no warnings, and a file with errors keeps its warnings") {
  LoadResult clean = load_zone_json(zone_with(R"("a": {"TXT": "v=spf1 -all"})"), "z.json");
  CHECK(clean.zone);
  CHECK(clean.warnings.empty());
  LoadResult broken = load_zone_json(zone_with(R"("a": {"TXT": "\"x\"", "A": "300.1.1.1"})"), "z.json");
  CHECK_FALSE(broken.zone);
  CHECK(broken.errors.size() == 1);
  CHECK(broken.warnings.size() == 1);
}
