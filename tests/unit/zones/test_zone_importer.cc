#include <doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/unit/temp_dir.h"
#include "zones/json_loader.h"
#include "zones/zone_importer.h"

using namespace dnsd::zones;
using nlohmann::json;

using dnsd::test::TempDir;

namespace {

const char* kSoa = "@ IN SOA ns1 hostmaster ( 7 3600 600 86400 300 )\n";

ImportResult import(const std::string& text, const std::string& origin = "example.test.") {
  ImportOptions options;
  options.origin = origin;
  return import_zone_text(text, "test.zone", options);
}

json imported_json(const std::string& text, const std::string& origin = "example.test.") {
  ImportResult r = import(text, origin);
  std::string errors;
  for (const ImportMessage& e : r.errors) errors += e.to_string() + "\n";
  REQUIRE_MESSAGE(r.ok(), errors);
  return json::parse(r.json);
}

std::string messages(const std::vector<ImportMessage>& list) {
  std::string out;
  for (const ImportMessage& m : list) out += m.to_string() + "\n";
  return out;
}

bool has_message(const std::vector<ImportMessage>& list, const std::string& part) {
  return messages(list).find(part) != std::string::npos;
}

/// A scratch directory for $INCLUDE tests, removed afterwards.
}  // namespace

TEST_CASE("import: owners, SOA and names relative to the origin; the most common TTL is the zone's") {
  json z = imported_json(std::string("$TTL 300\n") + kSoa +
                         "  NS ns1\n"
                         "  NS ns.provider.example.\n"
                         "  MX 10 mail.example.test.\n"
                         "ns1 A 192.0.2.53\n"
                         "mail 60 A 192.0.2.25\n"
                         "www A 192.0.2.10\n"
                         "www A 192.0.2.11\n"
                         "alias CNAME www\n"
                         "apex-alias CNAME @\n");
  CHECK(z["origin"] == "example.test.");
  CHECK(z["ttl"] == 300);
  CHECK(z["soa"] == json::parse(R"({"mname": "ns1", "rname": "hostmaster", "serial": 7, "refresh": 3600,
                                    "retry": 600, "expire": 86400, "minimum": 300})"));
  json& records = z["records"];
  CHECK(records["@"]["NS"] == json::parse(R"(["ns1", "ns.provider.example."])"));
  CHECK(records["@"]["MX"] == "10 mail");
  CHECK(records["www"]["A"] == json::parse(R"(["192.0.2.10", "192.0.2.11"])"));
  CHECK(records["mail"]["A"] == json::parse(R"({"ttl": 60, "data": "192.0.2.25"})"));
  CHECK(records["alias"]["CNAME"] == "www");
  CHECK(records["apex-alias"]["CNAME"] == "@");
}

TEST_CASE("import: output order is canonical (apex first, parents before children), types by number") {
  ImportResult r = import(std::string(kSoa) +
                          "  NS ns1\n"
                          "zz A 192.0.2.1\n"
                          "b.a AAAA 2001:db8::1\n"
                          "b.a A 192.0.2.2\n"
                          "a TXT \"x\"\n"
                          "ns1 A 192.0.2.53\n");
  REQUIRE(r.ok());
  // Text order is the contract: compare positions in the output.
  auto at = [&](const std::string& owner) { return r.json.find("\"" + owner + "\": {"); };
  CHECK(at("@") < at("a"));
  CHECK(at("a") < at("b.a"));
  CHECK(at("b.a") < at("ns1"));
  CHECK(at("ns1") < at("zz"));
  CHECK(at("zz") != std::string::npos);
  CHECK(r.json.find("192.0.2.2") < r.json.find("2001:db8::1"));  // A (1) before AAAA (28)
  CHECK(r.json.find("\n  \"origin\"") != std::string::npos);  // pretty-printed, two spaces
  CHECK(import(std::string(kSoa) + "  NS ns1\nzz A 192.0.2.1\nb.a A 192.0.2.2\n").json ==
        import(std::string(kSoa) + "  NS ns1\nb.a A 192.0.2.2\nzz A 192.0.2.1\n").json);
}

TEST_CASE("import: $ORIGIN (absolute and relative), $TTL and owner continuation lines, as ldns reads them") {
  json z = imported_json(
      "$ORIGIN example.test.\n"
      "$TTL 120\n"
      "@ SOA ns1 hostmaster 1 2 3 4 5\n"
      "  NS ns1\n"
      "ns1 A 192.0.2.1\n"
      "    AAAA 2001:db8::1\n"
      "$ORIGIN sub\n"  // relative: sub.example.test.
      "host A 192.0.2.2\n"
      "$ORIGIN other.example.test.\n"
      "x 30 TXT \"in other\"\n",
      "");
  CHECK(z["origin"] == "example.test.");
  CHECK(z["ttl"] == 120);
  CHECK(z["records"]["ns1"]["AAAA"] == "2001:db8::1");
  CHECK(z["records"]["host.sub"]["A"] == "192.0.2.2");
  CHECK(z["records"]["x.other"]["TXT"] == json::parse(R"({"ttl": 30, "data": "in other"})"));
}

TEST_CASE("import: without --origin, the SOA owner is the origin, and relative names need an $ORIGIN") {
  json z = imported_json("example.test. 60 IN SOA ns1.example.test. h.example.test. 1 2 3 4 5\n"
                         "example.test. 60 IN NS ns1.example.test.\n",
                         "");
  CHECK(z["origin"] == "example.test.");
  CHECK(z["records"]["@"]["NS"] == "ns1");

  ImportResult r = import(std::string("$TTL 60\n") + kSoa + "  NS ns1\n", "");
  CHECK_FALSE(r.ok());
  CHECK(has_message(r.errors, "test.zone:2: a relative name is used before any $ORIGIN"));
  CHECK(has_message(r.errors, "--origin"));
  CHECK(r.json.empty());

  CHECK(import(std::string(kSoa) + "  NS ns1\n", "example.test").ok());  // the trailing dot is optional
}

TEST_CASE("import: $INCLUDE is followed, relative to the including file, with its own origin") {
  TempDir dir;
  dir.write("hosts.inc", "www A 192.0.2.10\n$ORIGIN deeper.example.test.\nx A 192.0.2.11\n");
  dir.write("svc.inc", "_sip._udp SRV 0 0 5060 sip\n");
  std::string main = dir.write("example.test.zone", std::string("$ORIGIN example.test.\n$TTL 60\n") + kSoa +
                                                        "  NS ns1\n"
                                                        "$INCLUDE hosts.inc\n"
                                                        "after A 192.0.2.12\n"  // origin restored
                                                        "$INCLUDE \"svc.inc\" svc ; with an origin\n"
                                                        "ns1 A 192.0.2.53\n");
  ImportResult r = import_zone_file(main);
  REQUIRE_MESSAGE(r.ok(), messages(r.errors));
  json records = json::parse(r.json)["records"];
  CHECK(records["www"]["A"] == "192.0.2.10");
  CHECK(records["x.deeper"]["A"] == "192.0.2.11");
  CHECK(records["after"]["A"] == "192.0.2.12");
  CHECK(records["_sip._udp.svc"]["SRV"] == "0 0 5060 sip.svc");

  std::string missing = dir.write("missing.zone", std::string("$ORIGIN example.test.\n") + kSoa +
                                                      "  NS ns1\n$INCLUDE nowhere.inc\n");
  r = import_zone_file(missing);
  CHECK(has_message(r.errors, "missing.zone:4: $INCLUDE "));
  CHECK(has_message(r.errors, "nowhere.inc: cannot open file"));

  std::string loop = dir.write("loop.zone", std::string("$ORIGIN example.test.\n") + kSoa +
                                                "  NS ns1\n$INCLUDE loop.inc\n");
  dir.write("loop.inc", "$INCLUDE loop.inc\n");
  r = import_zone_file(loop);
  CHECK(has_message(r.errors, "nested more than"));

  std::string bad = dir.write("bad.zone", std::string("$ORIGIN example.test.\n") + kSoa + "  NS ns1\n" +
                                              "$INCLUDE bad.inc\n");
  dir.write("bad.inc", "; a comment\nok A 192.0.2.1\nbroken A 192.0.2.256\n");
  r = import_zone_file(bad);
  CHECK(has_message(r.errors, (dir.path / "bad.inc").string() + ":3: "));
}

TEST_CASE("import: a parse error is FILE:LINE: message, at the line where the record starts") {
  ImportResult r = import(std::string("$TTL 60\n") + kSoa +
                          "  NS ns1\n"
                          "; comment\n"
                          "\n"
                          "www A 192.0.2.1\n"
                          "bad MX (\n"
                          "   10 )\n"
                          "ns1 A 192.0.2.999\n");
  CHECK_FALSE(r.ok());
  CHECK(r.json.empty());
  CHECK(has_message(r.errors, "test.zone:7: "));
  CHECK(has_message(r.errors, "test.zone:9: "));
  CHECK(r.errors.front().to_string().rfind("test.zone:7: ", 0) == 0);
  CHECK(has_message(r.errors, "192.0.2.999"));
}

TEST_CASE("import: DNSSEC records dnsd cannot serve are skipped with one warning per kind; keys are kept") {
  ImportResult r = import(std::string("$TTL 60\n") + kSoa +
                          "  NS ns1\n"
                          "  DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\n"
                          "  RRSIG NS 13 2 60 20240101000000 20231201000000 12345 example.test. AAAA\n"
                          "  RRSIG SOA 13 2 60 20240101000000 20231201000000 12345 example.test. AAAA\n"
                          "  NSEC ns1 NS SOA RRSIG NSEC DNSKEY\n"
                          "  NSEC3PARAM 1 0 0 -\n"
                          "ns1 A 192.0.2.53\n"
                          "  RRSIG A 13 3 60 20240101000000 20231201000000 12345 example.test. AAAA\n"
                          "sub NS ns.elsewhere.example.\n"
                          "  DS 60485 13 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A\n"
                          "  CDS 60485 13 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A\n"
                          "old DNAME new.example.\n");
  REQUIRE_MESSAGE(r.ok(), messages(r.errors));
  json records = json::parse(r.json)["records"];
  CHECK(records["@"].contains("DNSKEY"));
  CHECK(records["sub"].contains("DS"));
  CHECK(records["sub"].contains("CDS"));
  CHECK_FALSE(records["@"].contains("RRSIG"));
  CHECK_FALSE(records.contains("old"));
  std::string w = messages(r.warnings);
  CHECK(w.find("test.zone:5: skipped 3 RRSIG records (the first at example.test.)") != std::string::npos);
  CHECK(w.find("skipped the NSEC record") != std::string::npos);
  CHECK(w.find("skipped the NSEC3PARAM record") != std::string::npos);
  CHECK(w.find("DNAME is not supported") != std::string::npos);
  CHECK(r.warnings.size() == 4);
}

TEST_CASE("import: out-of-zone records, duplicates, mixed TTLs and other classes become warnings") {
  ImportResult r = import(std::string("$TTL 60\n") + kSoa +
                          "  NS ns1\n"
                          "ns1 A 192.0.2.53\n"
                          "outside.example.org. A 192.0.2.1\n"
                          "www 60 A 192.0.2.10\n"
                          "WWW 30 A 192.0.2.11\n"
                          "www 60 A 192.0.2.10\n"
                          "mx MX 10 MAIL\n"
                          "mx MX 10 mail.example.test.\n"
                          "version CH TXT \"1.0\"\n");
  REQUIRE_MESSAGE(r.ok(), messages(r.errors));
  json records = json::parse(r.json)["records"];
  CHECK_FALSE(records.contains("outside.example.org."));
  CHECK(records["www"]["A"] == json::parse(R"({"ttl": 30, "data": ["192.0.2.10", "192.0.2.11"]})"));
  CHECK(records["mx"]["MX"] == "10 MAIL");
  CHECK(has_message(r.warnings, "test.zone:5: skipped the A record at outside.example.org.: outside the zone"));
  CHECK(has_message(r.warnings, "test.zone:7: the A RRset at www.example.test. has TTLs 60 and 30; using the lowest"));
  CHECK(has_message(r.warnings, "test.zone:8: duplicate A record"));
  CHECK(has_message(r.warnings, "test.zone:10: duplicate MX record"));
  CHECK(has_message(r.warnings, "test.zone:11: skipped a record of class CH"));
}

TEST_CASE("import: every dropped record is listed with its file, line, type and owner, in reading order") {
  ImportResult r = import(std::string("$TTL 60\n") + kSoa +
                          "  NS ns1\n"
                          "  RRSIG NS 13 2 60 20240101000000 20231201000000 12345 example.test. AAAA\n"
                          "ns1 A 192.0.2.53\n"
                          "  RRSIG A 13 3 60 20240101000000 20231201000000 12345 example.test. AAAA\n"
                          "old DNAME new.example.\n"
                          "outside.example.org. A 192.0.2.1\n"
                          "version CH TXT \"1.0\"\n"
                          "www A 192.0.2.10\n"
                          "www A 192.0.2.10\n"
                          "top DS 60485 13 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A\n");
  REQUIRE_MESSAGE(r.ok(), messages(r.errors));
  std::vector<std::string> dropped;
  for (const DroppedRecord& d : r.dropped) dropped.push_back(d.to_string());
  // The duplicate www A is not dropped: its data is kept once.
  REQUIRE(dropped.size() == 6);
  CHECK(dropped[0].rfind("test.zone:4: the RRSIG record at example.test.: dnsd makes its own signatures", 0) == 0);
  CHECK(dropped[1].rfind("test.zone:6: the RRSIG record at ns1.example.test.: ", 0) == 0);
  CHECK(dropped[2] == "test.zone:7: the DNAME record at old.example.test.: DNAME is not supported by dnsd");
  CHECK(dropped[3].rfind("test.zone:8: the A record at outside.example.org.: outside the zone", 0) == 0);
  CHECK(dropped[4] == "test.zone:9: the TXT record at version.example.test.: class CH: dnsd serves class IN only");
  CHECK(dropped[5].rfind("test.zone:12: the DS record at top.example.test.: DS is only meaningful at a delegation", 0) ==
        0);
  CHECK(r.dropped[2].type == "DNAME");
  CHECK(r.dropped[2].line == 7);
  CHECK(r.dropped[2].file == "test.zone");

  ImportResult clean = import(std::string("$TTL 60\n") + kSoa + "  NS ns1\nns1 A 192.0.2.53\nns1 A 192.0.2.53\n");
  REQUIRE(clean.ok());
  CHECK(clean.dropped.empty());
}

TEST_CASE("import: zones no server should load are errors at the offending record") {
  ImportResult r = import(std::string("$TTL 60\n") + kSoa + "  NS ns1\nalias CNAME www\nalias A 192.0.2.1\n");
  CHECK(has_message(r.errors, "test.zone:4: the CNAME at alias.example.test. shares its name with A"));
  r = import(std::string("$TTL 60\n") + kSoa + "  NS ns1\n  CNAME www\n");
  CHECK(has_message(r.errors, "test.zone:4: a CNAME at the zone apex"));
  r = import(std::string("$TTL 60\n") + kSoa + "www A 192.0.2.1\n");
  CHECK(has_message(r.errors, "test.zone:2: the zone has no NS records at its apex"));
  r = import("$TTL 60\nwww A 192.0.2.1\n");
  CHECK(has_message(r.errors, "test.zone: no SOA record"));
  r = import(std::string("$TTL 60\n") + kSoa + "  NS ns1\n" + kSoa);
  CHECK(has_message(r.errors, "test.zone:4: a second SOA record (the first is at test.zone:2)"));
  r = import("$TTL 60\nexample.test. SOA ns1 h 1 2 3 4 5\n  NS ns1\n", "other.test.");
  CHECK(has_message(r.errors, "test.zone:2: the SOA is at example.test., not at the origin other.test."));
  r = import(std::string("$TTL 60\n") + kSoa + "  NS ns1\nx 2147483648 A 192.0.2.1\n");
  CHECK(has_message(r.errors, "test.zone:4: TTL 2147483648 is above 2147483647"));
  r = import("");
  CHECK(has_message(r.errors, "no SOA record"));
}

TEST_CASE("import: DS away from a delegation is skipped, as the loader would refuse it") {
  ImportResult r = import(std::string("$TTL 60\n") + kSoa + "  NS ns1\n" +
                          "  DS 60485 13 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A\n"
                          "leaf DS 60485 13 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A\n");
  REQUIRE_MESSAGE(r.ok(), messages(r.errors));
  CHECK(has_message(r.warnings, "DS at the zone's own apex belongs in the parent zone"));
  CHECK(has_message(r.warnings, "DS is only meaningful at a delegation"));
  CHECK_FALSE(json::parse(r.json)["records"].contains("leaf"));
}

TEST_CASE("import: TXT is plain text; strings joined losslessly at 255 bytes, with a warning otherwise") {
  std::string s255(255, 'x');
  ImportResult r = import(std::string("$TTL 60\n") + kSoa + "  NS ns1\n" +
                          "q TXT \"say \\\"hi\\\"; a\\\\b ( ) @\"\n"
                          "e TXT \"\"\n"
                          "u TXT \"caf\\195\\169\"\n"
                          "long TXT \"" + s255 + "\" \"tail\"\n"
                          "dkim TXT \"v=DKIM1; k=rsa; \" \"p=MIGf\"\n"
                          "bin TXT \"\\255\\254\"\n");
  REQUIRE_MESSAGE(r.ok(), messages(r.errors));
  json records = json::parse(r.json)["records"];
  CHECK(records["q"]["TXT"] == "say \"hi\"; a\\b ( ) @");
  CHECK(records["e"]["TXT"] == "");
  CHECK(records["u"]["TXT"] == "caf\xc3\xa9");
  CHECK(records["long"]["TXT"] == s255 + "tail");
  CHECK(records["dkim"]["TXT"] == "v=DKIM1; k=rsa; p=MIGf");
  CHECK_FALSE(records.contains("bin"));
  CHECK(has_message(r.warnings, "test.zone:8: the TXT record at dkim.example.test. has 2 character-strings"));
  CHECK(has_message(r.warnings, "test.zone:9: skipped the TXT record at bin.example.test.: its text is not UTF-8"));
  CHECK(r.warnings.size() == 2);
}

TEST_CASE("import: other types keep their presentation format; unknown types use RFC 3597") {
  json records = imported_json(std::string("$TTL 60\n") + kSoa + "  NS ns1\n" +
                               "  CAA 0 issue \"ca.example; policy\"\n"
                               "_sip._tcp SRV 10 60 5060 sip\n"
                               "_e2u NAPTR 100 10 \"u\" \"E2U+sip\" \"!^.*$!sip:info@example.test!\" .\n"
                               "svc HTTPS 1 . alpn=h2,h3 port=8443\n"
                               "svc2 SVCB 1 target.example.test. port=53\n"
                               "x TYPE65280 \\# 3 0a0b0c\n"
                               "y TYPE65281 \\# 0\n"
                               "rp RP admin.example.test. info.example.test.\n")["records"];
  CHECK(records["@"]["CAA"] == "0 issue \"ca.example; policy\"");
  CHECK(records["_sip._tcp"]["SRV"] == "10 60 5060 sip");
  CHECK(records["_e2u"]["NAPTR"] == "100 10 \"u\" \"E2U+sip\" \"!^.*$!sip:info@example.test!\" .");
  CHECK(records["svc"]["HTTPS"] == "1 . alpn=h2,h3 port=8443");
  CHECK(records["svc2"]["SVCB"] == "1 target port=53");
  CHECK(records["x"]["TYPE65280"] == "\\# 3 0a0b0c");
  CHECK(records["y"]["TYPE65281"] == "\\# 0");
  CHECK(records["rp"]["RP"] == "admin info");
}

TEST_CASE("import: names with special characters survive; SOA names outside the zone stay absolute") {
  json z = imported_json(
      "$TTL 60\n"
      "@ SOA ns.provider.example. dns\\.admin.example.test. 1 2 3 4 5\n"
      "  NS ns1\n"
      "a\\.b A 192.0.2.1\n"
      "sp\\032ace A 192.0.2.2\n"
      "*.wild A 192.0.2.3\n"
      "ns1 A 192.0.2.4\n"
      "c NS weird\\@name.example.test.\n");
  CHECK(z["soa"]["mname"] == "ns.provider.example.");
  CHECK(z["soa"]["rname"] == "dns\\.admin");
  CHECK(z["records"].contains("a\\.b"));
  CHECK(z["records"]["*.wild"]["A"] == "192.0.2.3");
  CHECK(z["records"]["c"]["NS"].get<std::string>().find("name") != std::string::npos);

  // A mailbox whose local part holds '@' must not read as "local@domain".
  ImportResult r = import("$TTL 60\n@ SOA ns1 odd\\@box 1 2 3 4 5\n  NS ns1\n");
  REQUIRE_MESSAGE(r.ok(), messages(r.errors));
  CHECK(json::parse(r.json)["soa"]["rname"] == "odd\\064box");
}

TEST_CASE("import: the output loads, and reloading it gives the same zone as importing it twice") {
  std::string zone = std::string("$TTL 60\n") + kSoa +
                     "  NS ns1\n  MX 10 mail\n"
                     "ns1 A 192.0.2.53\nmail A 192.0.2.25\n"
                     "www 30 A 192.0.2.10\nwww 30 A 192.0.2.11\n"
                     "sub NS ns.sub\nns.sub A 192.0.2.99\n";
  ImportResult r = import(zone);
  REQUIRE(r.ok());
  LoadResult loaded = load_zone_json(r.json, "imported.json");
  CHECK(loaded.errors.empty());
  REQUIRE(loaded.zone);
  CHECK(import(zone).json == r.json);
  CHECK(r.json.back() == '\n');
}

TEST_CASE("import: a forgotten trailing dot (a name repeating the origin) is flagged, and the output still loads") {
  ImportResult r = import(std::string("$TTL 60\n") + kSoa +
                          "  NS ns1\nns1 A 192.0.2.53\n"
                          "www CNAME target.example.test\n"      // means target.example.test.example.test.
                          "host.example.test A 192.0.2.1\n");    // means host.example.test.example.test.
  REQUIRE_MESSAGE(r.ok(), messages(r.errors));
  CHECK(has_message(r.warnings, "test.zone:5: target.example.test.example.test. repeats the origin"));
  CHECK(has_message(r.warnings, "test.zone:6: host.example.test.example.test. repeats the origin"));
  CHECK(load_zone_json(r.json, "imported.json").errors.empty());
  // Written absolute if dnsd's loader takes it that way; otherwise skipped with the loader's reason.
  json records = json::parse(r.json)["records"];
  if (records.contains("www"))
    CHECK(records["www"]["CNAME"] == "target.example.test.example.test.");
  else
    CHECK(has_message(r.warnings, "test.zone:5: skipped the CNAME record at www.example.test.: dnsd's loader refuses it"));
  if (!records.contains("host.example.test.example.test."))
    CHECK(has_message(r.warnings, "test.zone:6: skipped the A record at host.example.test.example.test.: "
                                  "dnsd's loader refuses it"));
}

TEST_CASE("import: a NUL byte ends a directive's arguments (it used to loop, collecting empty arguments)") {
  using namespace std::string_literals;
  // "$ORIGIN sub" followed by NULs and junk: read as "$ORIGIN sub".
  ImportResult r = import("$ORIGIN example.test.\n"s + kSoa + "@ IN NS ns1\nns1 IN A 192.0.2.1\n" +
                          "$ORIGIN sub\0\0\0junk.\nwww IN A 192.0.2.2\n"s);
  INFO(messages(r.errors));
  REQUIRE(r.ok());
  CHECK(json::parse(r.json)["records"].contains("www.sub"));
  // "$INCLUDE" with nothing before the NUL has no file name.
  r = import("$ORIGIN example.test.\n"s + kSoa + "$INCLUDE \0/etc/passwd\n"s);
  CHECK(messages(r.errors).find("$INCLUDE needs a file name") != std::string::npos);
  r = import("$ORIGIN example.test.\n"s + kSoa + "$INCLUDE \"\0\"\n"s);
  CHECK_FALSE(r.ok());
}

TEST_CASE("import: a TYPEnnn that does not fit 16 bits is an error, not the type ldns's atoi made of it") {
  const ImportResult r = import(std::string("$ORIGIN example.test.\n") + kSoa +
                                "@ IN NS ns1\nns1 IN A 192.0.2.1\n"
                                "x IN TYPE65537 192.0.2.9\n"  // ldns: type 1, an A record
                                "y 300 TYPE1x 192.0.2.8\n"
                                "type70000 IN TXT \"an owner may look like a type\"\n"
                                "z IN TYPE65280 \\# 1 ff\n");
  const std::string errors = messages(r.errors);
  CHECK(errors.find("test.zone:5: TYPE65537 is not a record type") != std::string::npos);
  CHECK(errors.find("test.zone:6: TYPE1x is not a record type") != std::string::npos);
  CHECK(r.errors.size() == 2);
}
