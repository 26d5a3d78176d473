// The JSON zone loader: every record type's wire form, names, TXT splitting,
// pools and their defaults, and every class of error with its exact pointer.
#include <doctest.h>
#include "tests/unit/zones/name_text.h"
#include "zones/ldns.h"

#include <string>
#include <vector>

#include "zones/json_loader.h"
#include "zones/rdata_parser.h"

using namespace dnsd::zones;
using dnsd::zones::testing::N;

namespace {

LoadResult load(const std::string& text, const LoadOptions& options = {}) {
  return load_zone_json(text, "z.json", options);
}

// A valid zone whose records are the apex NS plus `records` (JSON members, may be empty).
std::string zone_with(const std::string& records, const std::string& extra = "") {
  return R"({"origin": "example.test.", "ttl": 300,
             "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 7},)" +
         extra + R"("records": {"@": {"NS": ["ns1", "ns2.other."]})" + (records.empty() ? "" : ", ") + records +
         "}}";
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

#define CHECK_ERROR(result, pointer, words) \
  CHECK_MESSAGE(has_error(result, pointer, words), "wanted " << pointer << ": ..." << words << "... got:\n" << all_errors(result))

const Node* node_of(const Zone& zone, const std::string& name) {
  LabeledName n;
  Name wire = N(name);
  REQUIRE(n.parse(wire.data(), wire.size()) != 0);
  uint32_t index = zone.find(n.wire, n.length, n.suffix_hash[0]);
  return index == kNone ? nullptr : &zone.node(index);
}

const RRset* rrset_of(const Zone& zone, const std::string& name, uint16_t type) {
  const Node* node = node_of(zone, name);
  return node ? zone.find_rrset(*node, type) : nullptr;
}

std::vector<std::string> rdatas(const Zone& zone, const std::string& name, uint16_t type) {
  std::vector<std::string> out;
  const RRset* set = rrset_of(zone, name, type);
  if (!set) return out;
  for (const Record& r : zone.records(*set))
    out.emplace_back(reinterpret_cast<const char*>(zone.rdata(r)), r.rdata_length);
  return out;
}

// What ldns itself makes of an RR line: the independent reference for wire forms.
std::string ldns_rdata(const std::string& line) {
  ldns_rr* rr = nullptr;
  ldns_rdf* origin = ldns_dname_new_frm_str("example.test.");
  ldns_status s = ldns_rr_new_frm_str(&rr, line.c_str(), 3600, origin, nullptr);
  ldns_rdf_deep_free(origin);
  REQUIRE_MESSAGE(s == LDNS_STATUS_OK, line);
  std::string out;
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i)
    out.append(reinterpret_cast<const char*>(ldns_rdf_data(ldns_rr_rdf(rr, i))), ldns_rdf_size(ldns_rr_rdf(rr, i)));
  ldns_rr_free(rr);
  return out;
}

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list) out.push_back(char(b));
  return out;
}

// Wire of "example.test." with a prefix label list, written out by hand.
const std::string kExampleTest = std::string("\7example\4test\0", 14);

std::shared_ptr<const Zone> must_load(const std::string& text, const LoadOptions& options = {}) {
  LoadResult r = load(text, options);
  REQUIRE_MESSAGE(r.errors.empty(), all_errors(r));
  REQUIRE(r.zone);
  return r.zone;
}

}  // namespace

TEST_CASE("a complete example zone loads, with SOA, defaults and relative names completed") {
  auto zone = must_load(R"({
    "origin": "example.test.",
    "ttl": 300,
    "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 2024010201,
            "refresh": 3600, "retry": 600, "expire": 86400, "minimum": 60},
    "records": {
      "@":      {"NS": ["ns1", "ns2"], "MX": "10 mail", "TXT": "v=spf1 -all"},
      "ns1":    {"A": "127.0.0.1"},
      "www":    {"A": {"ttl": 5, "data": ["192.0.2.10", "192.0.2.11", "192.0.2.12"]}},
      "alias":  {"CNAME": "www"},
      "*.wild": {"A": "192.0.2.99"},
      "sub":    {"NS": "ns.sub"},
      "ns.sub": {"A": "192.0.2.53"}
    }})");
  CHECK(zone->origin_text() == "example.test.");
  CHECK(zone->serial() == 2024010201);
  CHECK(zone->soa().ttl == 300);
  CHECK(zone->negative_ttl() == 60);
  CHECK(rdatas(*zone, "example.test.", rrtype::SOA)[0] ==
        ldns_rdata("@ 300 IN SOA ns1 hostmaster 2024010201 3600 600 86400 60"));
  CHECK(rrset_of(*zone, "www.example.test.", rrtype::A)->ttl == 5);
  CHECK(rrset_of(*zone, "ns1.example.test.", rrtype::A)->ttl == 300);
  CHECK(rdatas(*zone, "www.example.test.", rrtype::A).size() == 3);
  CHECK(rdatas(*zone, "alias.example.test.", rrtype::CNAME)[0] == std::string("\3www", 4) + kExampleTest);
  CHECK(rdatas(*zone, "example.test.", rrtype::NS)[1] == std::string("\3ns2", 4) + kExampleTest);
  CHECK(node_of(*zone, "*.wild.example.test.") != nullptr);
  CHECK((node_of(*zone, "sub.example.test.")->flags & node_flag::kDelegation) != 0);
}

TEST_CASE("SOA defaults: rname hostmaster, serial 1, refresh 3600, retry 600, expire 604800, minimum 300") {
  auto zone = must_load(R"({"origin": "Example.Test.", "soa": {"mname": "ns1.other."},
                            "records": {"@": {"NS": "ns1.other."}}})");
  CHECK(zone->serial() == 1);
  CHECK(zone->soa().ttl == 3600);  // the zone's default ttl
  CHECK(rdatas(*zone, "example.test.", rrtype::SOA)[0] ==
        ldns_rdata("@ 3600 IN SOA ns1.other. hostmaster.Example.Test. 1 3600 600 604800 300"));
}

TEST_CASE("SOA ttl key overrides the zone ttl; rname may be written as a mail address") {
  auto zone = must_load(R"({"origin": "example.test.", "ttl": 600,
                            "soa": {"mname": "ns1", "rname": "dns.admin@example.org", "ttl": 120, "minimum": 900},
                            "records": {"@": {"NS": "ns1"}}})");
  CHECK(zone->soa().ttl == 120);
  CHECK(zone->negative_ttl() == 120);
  CHECK(rdatas(*zone, "example.test.", rrtype::SOA)[0] ==
        ldns_rdata("@ 1 IN SOA ns1 dns\\.admin.example.org. 1 3600 600 604800 900"));
}

TEST_CASE("every supported type becomes the wire form ldns gives for the same text") {
  struct Case {
    const char* type;
    const char* data;
    uint16_t code;
  };
  const Case cases[] = {
      {"A", "192.0.2.1", 1},
      {"AAAA", "2001:db8::1", 28},
      {"MX", "10 mail", 15},
      {"SRV", "0 5 5060 sip", 33},
      {"CAA", "0 issue \\\"ca.example\\\"", 257},
      {"PTR", "host.other.", 12},
      {"NAPTR", "100 10 \\\"S\\\" \\\"SIP+D2U\\\" \\\"\\\" _sip._udp", 35},
      {"SSHFP", "4 2 123456789abcdef67890123456789abcdef67890123456789abcdef123456789", 44},
      {"TLSA", "3 1 1 abcdef0123", 52},
      {"HTTPS", "1 . alpn=h2,h3 ipv4hint=192.0.2.1", 65},
      {"SVCB", "1 svc port=8443", 64},
      {"HINFO", "\\\"PC\\\" \\\"Linux\\\"", 13},
  };
  for (const Case& c : cases) {
    CAPTURE(c.type);
    auto zone = must_load(zone_with(std::string(R"("x": {")") + c.type + R"(": ")" + c.data + R"("})"));
    std::string data = c.data;
    // The JSON escapes \" become plain quotes for ldns.
    for (size_t p; (p = data.find("\\\"")) != std::string::npos;) data.replace(p, 2, "\"");
    auto got = rdatas(*zone, "x.example.test.", c.code);
    REQUIRE(got.size() == 1);
    CHECK(got[0] == ldns_rdata(std::string("x 300 IN ") + c.type + " " + data));
  }
}

TEST_CASE("known wire bytes: A, MX with a relative name, RFC 3597 generic data") {
  auto zone = must_load(zone_with(R"("x": {"A": "192.0.2.1", "MX": "10 mail", "TYPE1234": "\\# 3 abcdef"})"));
  CHECK(rdatas(*zone, "x.example.test.", rrtype::A)[0] == bytes({192, 0, 2, 1}));
  CHECK(rdatas(*zone, "x.example.test.", rrtype::MX)[0] == bytes({0, 10}) + std::string("\4mail", 5) + kExampleTest);
  CHECK(rdatas(*zone, "x.example.test.", 1234)[0] == bytes({0xab, 0xcd, 0xef}));
}

TEST_CASE("CNAME, NS and DS at a delegation point") {
  auto zone = must_load(zone_with(R"("sub": {"NS": ["ns.sub", "ns.other."],
                                            "DS": "12345 13 2 1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef"},
                                    "ns.sub": {"A": "192.0.2.53"},
                                    "c": {"CNAME": "target.other."})"));
  CHECK(rdatas(*zone, "sub.example.test.", rrtype::NS).size() == 2);
  CHECK(rdatas(*zone, "sub.example.test.", rrtype::DS)[0] ==
        ldns_rdata("sub 1 IN DS 12345 13 2 1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef"));
  CHECK(rdatas(*zone, "c.example.test.", rrtype::CNAME)[0] == std::string("\6target\5other\0", 14));
}

TEST_CASE("names inside rdata are absolute and uncompressed, case kept") {
  auto zone = must_load(zone_with(R"("a": {"MX": ["10 Mail", "20 mail.example.test.", "30 @"]})"));
  auto got = rdatas(*zone, "a.example.test.", rrtype::MX);
  REQUIRE(got.size() == 3);
  CHECK(got[0] == bytes({0, 10}) + std::string("\4Mail", 5) + kExampleTest);
  CHECK(got[1] == bytes({0, 20}) + std::string("\4mail", 5) + kExampleTest);
  CHECK(got[2] == bytes({0, 30}) + kExampleTest);
  for (const auto& rdata : got) CHECK(rdata.find('\xC0') == std::string::npos);  // no compression pointer
}

TEST_CASE("owner names: relative, @, absolute inside the origin, escaped, any case") {
  auto zone = must_load(zone_with(R"("rel": {"A": "192.0.2.1"},
                                    "abs.example.test.": {"A": "192.0.2.2"},
                                    "Deep.Name": {"A": "192.0.2.3"},
                                    "_sip._udp": {"SRV": "0 5 5060 sip"})"));
  CHECK(rrset_of(*zone, "rel.example.test.", rrtype::A));
  CHECK(rrset_of(*zone, "abs.example.test.", rrtype::A));
  CHECK(rrset_of(*zone, "deep.name.example.test.", rrtype::A));
  CHECK(rrset_of(*zone, "_sip._udp.example.test.", rrtype::SRV));
}

TEST_CASE("TXT is plain text, one record per string, split into 255-byte strings") {
  std::string long_text(600, 'k');
  auto zone = must_load(zone_with(R"("t": {"TXT": ["v=spf1 -all", "with \"quotes\" and \\ backslash", "", ")" +
                                  long_text + R"("]})"));
  auto got = rdatas(*zone, "t.example.test.", rrtype::TXT);
  REQUIRE(got.size() == 4);
  CHECK(got[0] == std::string("\13v=spf1 -all", 12));
  CHECK(got[1] == std::string(1, char(29)) + "with \"quotes\" and \\ backslash");
  CHECK(got[2] == std::string(1, '\0'));
  CHECK(got[3].size() == 600 + 3);
  CHECK(uint8_t(got[3][0]) == 255);
  CHECK(uint8_t(got[3][256]) == 255);
  CHECK(uint8_t(got[3][512]) == 90);
  CHECK(txt_rdata(std::string(255, 'a')).size() == 256);
  CHECK(txt_rdata(std::string(256, 'a')).size() == 258);
}

TEST_CASE("type keys are case-insensitive and TYPEnnn names a known type too") {
  auto zone = must_load(zone_with(R"("x": {"aaaa": "2001:db8::1", "TYPE1": "192.0.2.7"})"));
  CHECK(rdatas(*zone, "x.example.test.", rrtype::AAAA).size() == 1);
  CHECK(rdatas(*zone, "x.example.test.", rrtype::A)[0] == bytes({192, 0, 2, 7}));
}

// ---- errors ----------------------------------------------------------------

TEST_CASE("bad JSON: pointer \"\", line and column") {
  LoadResult r = load("{\n  \"origin\": \"example.test.\",\n  \"ttl\": 300,,\n}");
  CHECK_FALSE(r.zone);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].pointer == "");
  CHECK(r.errors[0].message.find("line 3, column 14") != std::string::npos);
  CHECK(r.errors[0].to_string().rfind("z.json: (root): invalid JSON at line 3", 0) == 0);
  CHECK_ERROR(load(""), "", "invalid JSON at line 1, column 1");
  CHECK_ERROR(load("[1, 2]"), "", "must be a JSON object");
}

TEST_CASE("a key repeated in one object is an error at its pointer") {
  LoadResult r = load(zone_with(R"("www": {"A": "192.0.2.1"}, "x": {"A": ["192.0.2.1", {"a": 1, "a": 2}]}, "www": {"A": "192.0.2.2"})"));
  CHECK_ERROR(r, "/records/www", "appears more than once");
  CHECK_ERROR(r, "/records/x/A/1/a", "appears more than once");
}

TEST_CASE("unknown keys are reported at every level, with a suggestion for typos") {
  LoadResult r = load(R"({"origin": "example.test.", "tll": 5,
    "soa": {"mname": "ns1", "serail": 3},
    "pools": {"web": {"members": [{"address": "192.0.2.1", "wieght": 2}], "polcy": "weighted",
                      "check": {"type": "http", "paht": "/"}}},
    "records": {"@": {"NS": "ns1"}, "w": {"A": {"data": "192.0.2.1", "tl": 5}}}})");
  CHECK_ERROR(r, "/tll", "unknown key \"tll\" (did you mean \"ttl\"?)");
  CHECK_ERROR(r, "/soa/serail", "did you mean \"serial\"");
  CHECK_ERROR(r, "/pools/web/members/0/wieght", "did you mean \"weight\"");
  CHECK_ERROR(r, "/pools/web/polcy", "did you mean \"policy\"");
  CHECK_ERROR(r, "/pools/web/check/paht", "did you mean \"path\"");
  CHECK_ERROR(r, "/records/w/A/tl", "did you mean \"ttl\"");
  CHECK_ERROR(load(zone_with("", R"("zzzzzz": 1,)")), "/zzzzzz", "allowed here:");
}

TEST_CASE("wrong types are reported with what was expected") {
  LoadResult r = load(R"({"origin": 5, "ttl": "300", "soa": [], "records": {"@": {"NS": 5}, "x": [], "y": {"A": [1]}}})");
  CHECK_ERROR(r, "/origin", "must be a string, not an integer");
  CHECK_ERROR(r, "/ttl", "must be an integer from 0 to 2147483647, not a string");
  CHECK_ERROR(r, "/soa", "must be an object, not an array");
  CHECK_ERROR(r, "/records/@/NS", "must be a string, a list of strings, or an object");
  CHECK_ERROR(r, "/records/x", "must be an object of record types");
  CHECK_ERROR(r, "/records/y/A/0", "must be a string, not an integer");
  CHECK_ERROR(load(zone_with(R"("f": {"A": {"ttl": 1.5, "data": "192.0.2.1"}})")), "/records/f/A/ttl",
              "not a number with a fraction");
}

TEST_CASE("bad addresses") {
  LoadResult r = load(zone_with(R"("a": {"A": ["192.0.2.1", "192.0.2", "2001:db8::1"]}, "b": {"AAAA": "192.0.2.1"})"));
  CHECK_ERROR(r, "/records/a/A/1", "\"192.0.2\" is not an IPv4 address");
  CHECK_ERROR(r, "/records/a/A/2", "is not an IPv4 address");
  CHECK_ERROR(r, "/records/b/AAAA", "\"192.0.2.1\" is not an IPv6 address");
  CHECK(r.errors.size() == 3);
}

TEST_CASE("owner names outside the origin and invalid owner names") {
  LoadResult r = load(zone_with(R"("www.other.test.": {"A": "192.0.2.1"}, "a..b": {"A": "192.0.2.1"},
                                   ")" + std::string(64, 'x') + R"(": {"A": "192.0.2.1"}, "": {"A": "192.0.2.1"},
                                   "sp ace": {"A": "192.0.2.1"}, "example.test.": {"A": "192.0.2.1"})"));
  CHECK_ERROR(r, "/records/www.other.test.", "outside the zone's origin example.test.");
  CHECK_ERROR(r, "/records/a..b", "invalid owner name: empty label");
  CHECK_ERROR(r, "/records/" + std::string(64, 'x'), "longer than 63");
  CHECK_ERROR(r, "/records/", "invalid owner name: empty name");
  CHECK_ERROR(r, "/records/sp ace", "whitespace");
  CHECK_ERROR(r, "/records/example.test.", "same owner name as /records/@");
}

TEST_CASE("JSON pointers escape ~ and / in keys (RFC 6901)") {
  LoadResult r = load(zone_with(R"("a/b~c": {"A": "nope"})"));
  CHECK_ERROR(r, "/records/a~1b~0c/A", "not an IPv4 address");
}

TEST_CASE("the same owner written twice is an error even when spelled differently") {
  LoadResult r = load(zone_with(R"("www": {"A": "192.0.2.1"}, "WWW.example.test.": {"AAAA": "2001:db8::1"})"));
  // Keys are visited in sorted order, so the upper-case spelling comes first.
  CHECK_ERROR(r, "/records/www", "\"www\" is the same owner name as /records/WWW.example.test.");
}

TEST_CASE("CNAME beside other data, at the apex, or with two targets") {
  LoadResult r = load(zone_with(R"("alias": {"CNAME": "www", "A": "192.0.2.1"}, "two": {"CNAME": ["a", "b"]})"));
  CHECK_ERROR(r, "/records/alias", "CNAME cannot share an owner name with other records (here: A)");
  CHECK_ERROR(r, "/records/two/CNAME", "exactly one target, not 2");
  LoadResult apex = load(R"({"origin": "example.test.", "soa": {"mname": "ns1"},
                             "records": {"@": {"NS": "ns1", "CNAME": "other.test."}}})");
  CHECK_ERROR(apex, "/records/@/CNAME", "not allowed at the zone apex");
}

TEST_CASE("missing origin, SOA, records, apex NS") {
  CHECK_ERROR(load(R"({"soa": {"mname": "ns1"}, "records": {"@": {"NS": "ns1"}}})"), "",
              "missing required key \"origin\"");
  CHECK_ERROR(load(R"({"origin": "example.test.", "records": {"@": {"NS": "ns1"}}})"), "",
              "missing required key \"soa\"");
  CHECK_ERROR(load(R"({"origin": "example.test.", "soa": {"mname": "ns1"}})"), "", "missing required key \"records\"");
  CHECK_ERROR(load(R"({"origin": "example.test.", "soa": {}, "records": {"@": {"NS": "ns1"}}})"), "/soa",
              "missing required key \"mname\"");
  CHECK_ERROR(load(R"({"origin": "example.test.", "soa": {"mname": "ns1"}, "records": {"www": {"A": "192.0.2.1"}}})"),
              "/records", "the apex has no NS records");
  CHECK_ERROR(load(R"({"origin": "example.test.", "soa": {"mname": "ns1"}, "records": {"@": {"MX": "10 mail"}}})"),
              "/records/@", "the apex has no NS records");
  CHECK_ERROR(load(R"({"origin": "example.test", "soa": {"mname": "ns1"}, "records": {"@": {"NS": "ns1"}}})"),
              "/origin", "absolute name ending in a dot");
}

TEST_CASE("an apex NS whose data failed is not also reported as missing") {
  LoadResult r = load(zone_with("").replace(zone_with("").find("\"ns1\", \"ns2.other.\""), 19, "\"a..b\""));
  CHECK_ERROR(r, "/records/@/NS/0", "cannot parse NS data \"a..b\": Syntax error");
  CHECK_FALSE(has_error(r, "/records/@", "no NS"));
}

TEST_CASE("TTL out of range (RFC 2181: 0..2147483647)") {
  LoadResult r = load(R"({"origin": "example.test.", "ttl": 99999999999999999999, "soa": {"mname": "ns1"},
                          "records": {"@": {"NS": "ns1"},
                                      "a": {"A": {"ttl": -1, "data": "192.0.2.1"}},
                                      "b": {"A": {"ttl": 2147483648, "data": "192.0.2.1"}},
                                      "c": {"A": {"ttl": 2147483647, "data": "192.0.2.1"}},
                                      "d": {"A": {"ttl": 0, "data": "192.0.2.1"}}}})");
  CHECK_ERROR(r, "/records/a/A/ttl", "must be an integer from 0 to 2147483647, not -1");
  CHECK_ERROR(r, "/records/b/A/ttl", "not 2147483648");
  CHECK_FALSE(has_error(r, "/records/c/A/ttl", ""));
  CHECK_FALSE(has_error(r, "/records/d/A/ttl", ""));
  CHECK_ERROR(r, "/ttl", "not 1e+20");  // too big for 64 bits, so JSON gives a float
  CHECK(r.errors.size() == 3);
  CHECK_ERROR(load(R"({"origin": "example.test.", "ttl": 4294967296, "soa": {"mname": "ns1"}, "records": {"@": {"NS": "ns1"}}})"),
              "/ttl", "not 4294967296");
  CHECK_ERROR(load(R"({"origin": "example.test.", "soa": {"mname": "ns1", "ttl": -5}, "records": {"@": {"NS": "ns1"}}})"),
              "/soa/ttl", "not -5");
}

TEST_CASE("duplicate records are found after parsing, not by comparing text") {
  LoadResult r = load(zone_with(R"("a": {"AAAA": ["2001:db8::1", "2001:DB8:0:0::1"]},
                                   "m": {"MX": ["10 mail", "10 MAIL.example.test."]},
                                   "t": {"TXT": ["x", "x"]},
                                   "ok": {"TXT": ["x", "X"]})"));
  CHECK_ERROR(r, "/records/a/AAAA/1", "duplicate record: \"2001:DB8:0:0::1\" is the same AAAA data as /records/a/AAAA/0");
  CHECK_ERROR(r, "/records/m/MX/1", "same MX data as /records/m/MX/0");
  CHECK_ERROR(r, "/records/t/TXT/1", "duplicate record");
  CHECK(r.errors.size() == 3);
}

TEST_CASE("rdata ldns cannot parse carries ldns's reason") {
  LoadResult r = load(zone_with(R"("s": {"SRV": "0 5 sip", "MX": {"data": ["10 mail", "ten mail"]}, "CAA": ""},
                                   "h": {"HTTPS": "1 . alpn=h2 nonsense=1", "TYPE1234": "abc"})"));
  CHECK_ERROR(r, "/records/s/SRV", "cannot parse SRV data \"0 5 sip\": ");
  CHECK_ERROR(r, "/records/s/MX/data/1", "cannot parse MX data \"ten mail\"");
  CHECK_ERROR(r, "/records/s/CAA", "CAA data is empty");
  CHECK_ERROR(r, "/records/h/HTTPS", "Syntax error");
  CHECK_ERROR(r, "/records/h/TYPE1234", "cannot parse TYPE1234 data");
  CHECK_ERROR(load(zone_with(R"("x": {"MX": "10 mail extra"})")), "/records/x/MX", "superfluous text");
}

TEST_CASE("SOA and DNAME in records, unknown and meta types are rejected") {
  LoadResult r = load(zone_with(R"("x": {"SOA": "a b 1 2 3 4 5", "DNAME": "other.test.", "BOGUS": "1",
                                         "ANY": "1", "RRSIG": "1", "TYPE0": "1"})"));
  CHECK_ERROR(r, "/records/x/SOA", "top-level \"soa\" object");
  CHECK_ERROR(r, "/records/x/DNAME", "DNAME is not supported");
  CHECK_ERROR(r, "/records/x/BOGUS", "unknown record type \"BOGUS\"");
  CHECK_ERROR(r, "/records/x/ANY", "query and meta types");
  CHECK_ERROR(r, "/records/x/RRSIG", "dnsd makes them itself");
  CHECK_ERROR(r, "/records/x/TYPE0", "unknown record type");
  // Read without ldns's atoi (undefined behaviour under UBSan for "TYPE-1").
  r = load(zone_with(R"("x": {"TYPE-1": "1", "TYPE": "1", "type99999999999": "1", "TYPE1x": "1"})"));
  for (const char* type : {"TYPE-1", "TYPE", "type99999999999", "TYPE1x"})
    CHECK_ERROR(r, std::string("/records/x/") + type, "unknown record type");
}

TEST_CASE("rrset shapes: empty list, missing data, data and pool together, a type given twice") {
  LoadResult r = load(zone_with(R"("a": {"A": []}, "b": {"A": {"ttl": 5}}, "c": {"A": {"data": "192.0.2.1", "pool": "p"}},
                                   "d": {"A": "192.0.2.1", "a": "192.0.2.2"}, "e": {})"));
  CHECK_ERROR(r, "/records/a/A", "at least one record");
  CHECK_ERROR(r, "/records/b/A", "missing required key \"data\"");
  CHECK_ERROR(r, "/records/c/A", "either \"data\" or \"pool\", not both");
  CHECK_ERROR(r, "/records/d/a", "A is given twice at this owner (also at /records/d/A)");
  CHECK_ERROR(r, "/records/e", "has no records");
}

TEST_CASE("DS only at a delegation point") {
  LoadResult r = load(zone_with(R"("x": {"DS": "1 13 2 abcd"})"));
  CHECK_ERROR(r, "/records/x/DS", "only allowed at a delegation point");
}

TEST_CASE("all errors of a file are collected, none stop the others") {
  LoadResult r = load(R"({"origin": "example.test.", "ttl": -1, "soa": {"mname": "a..b"},
                          "records": {"@": {"NS": "ns1"}, "a": {"A": "x"}, "b": {"AAAA": "y"}}})");
  CHECK(r.errors.size() == 4);
  CHECK_FALSE(r.zone);
  for (const auto& e : r.errors) CHECK(e.file == "z.json");
}

TEST_CASE("a whole-document error prints its pointer as (root), never as an empty field") {
  LoadResult r = load(R"({"origin": "example.test.", "records": {"@": {"NS": "ns1"}}})");
  REQUIRE(has_error(r, "", "missing required key \"soa\""));
  for (const auto& e : r.errors)
    if (e.pointer.empty()) CHECK(e.to_string() == "z.json: (root): " + e.message);
  CHECK(pointer_for_display("") == "(root)");
  CHECK(pointer_for_display("/records/www/A/0") == "/records/www/A/0");
  CHECK(LoadError{"z.json", "/ttl", "bad"}.to_string() == "z.json: /ttl: bad");
}

TEST_CASE("load_zone_file reports a missing file at pointer \"\"") {
  LoadResult r = load_zone_file("/nonexistent/zone.json");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].pointer == "");
  CHECK(r.errors[0].to_string() == "/nonexistent/zone.json: (root): cannot open file: No such file or directory");
  CHECK(load_zone_file("/tmp").errors.at(0).message == "is a directory, not a zone file");
}

// ---- pools -----------------------------------------------------------------

TEST_CASE("pools: a complete pool parses into Pool and CheckSpec") {
  auto zone = must_load(zone_with(R"("www": {"A": {"pool": "web"}}, "v6": {"AAAA": {"pool": "web", "ttl": 7}})",
                                  R"("pools": {"web": {
      "ttl": 20,
      "members": ["192.0.2.1",
                  {"address": "192.0.2.2", "weight": 3},
                  {"address": "192.0.2.3", "check_address": "10.0.0.3"},
                  {"address": "192.0.2.9", "backup": true},
                  {"address": "192.0.2.4", "state": "drain"},
                  "2001:DB8::10"],
      "check": {"type": "http", "port": 8080, "path": "/healthz", "host": "www.example.test",
                "expect": [200, 204], "interval": 2, "fast_interval": 0.25, "timeout": 1, "rise": 2, "fall": 3},
      "policy": "weighted",
      "max_answers": 4,
      "when_all_down": "serve-none"}},)"));
  REQUIRE(zone->pools().size() == 1);
  const Pool& p = zone->pool(0);
  CHECK(p.name == "web");
  CHECK(p.ttl == 20);
  CHECK(p.policy == PoolPolicy::Weighted);
  CHECK(p.max_answers == 4);
  CHECK(p.when_all_down == WhenAllDown::ServeNone);
  REQUIRE(p.members.size() == 6);
  CHECK(p.members[0].address_text == "192.0.2.1");
  CHECK(p.members[0].family == 4);
  CHECK(p.members[0].address[0] == 192);
  CHECK(p.members[0].weight == 1);
  CHECK(p.members[0].check_address == "192.0.2.1");
  CHECK(p.members[1].weight == 3);
  CHECK(p.members[2].check_address == "10.0.0.3");
  CHECK(p.members[3].backup);
  CHECK(p.members[4].drained);
  CHECK_FALSE(p.members[0].drained);
  CHECK(p.members[5].family == 6);
  CHECK(p.members[5].address_text == "2001:db8::10");
  const CheckSpec& c = p.check;
  CHECK(c.type == CheckType::Http);
  CHECK(c.port == 8080);
  CHECK(c.path == "/healthz");
  CHECK(c.host == "www.example.test");
  CHECK(c.expect == std::vector<int>{200, 204});
  CHECK(c.interval_ms == 2000);
  CHECK(c.fast_interval_ms == 250);
  CHECK(c.timeout_ms == 1000);
  const RRset* a = rrset_of(*zone, "www.example.test.", rrtype::A);
  REQUIRE(a);
  CHECK(a->pool == 0);
  CHECK(a->ttl == 20);  // the pool's ttl by default
  CHECK(rrset_of(*zone, "v6.example.test.", rrtype::AAAA)->ttl == 7);
}

TEST_CASE("pool defaults: no check means always up; ttl 20, round-robin, 8 answers, serve-all") {
  auto zone = must_load(zone_with(R"("www": {"A": {"pool": "p"}})", R"("pools": {"p": {"members": ["192.0.2.1"]}},)"));
  const Pool& p = zone->pool(0);
  CHECK(p.ttl == 20);
  CHECK(p.policy == PoolPolicy::RoundRobin);
  CHECK(p.max_answers == 8);
  CHECK(p.when_all_down == WhenAllDown::ServeAll);
  CHECK(p.check.type == CheckType::None);
}

TEST_CASE("check defaults per type: ports, timing, and timing that follows a short interval") {
  auto check = [](const std::string& json) {
    auto zone = must_load(zone_with(R"("www": {"A": {"pool": "p"}})",
                                    R"("pools": {"p": {"members": ["192.0.2.1"], "check": )" + json + "}},"));
    return zone->pool(0).check;
  };
  CheckSpec http = check(R"({"type": "http"})");
  CHECK(http.port == 80);
  CHECK(http.path == "/");
  CHECK(http.expect == std::vector<int>{200});
  CHECK(http.interval_ms == 2000);
  CHECK(http.fast_interval_ms == 500);
  CHECK(http.timeout_ms == 500);  // at most the fast interval, so fall x fast_interval holds
  CHECK(http.rise == 2);
  CHECK(http.fall == 3);
  CHECK(check(R"({"type": "https"})").port == 443);
  CHECK_FALSE(check(R"({"type": "https"})").tls_verify);
  CHECK(check(R"({"type": "https", "tls_verify": true})").tls_verify);
  CHECK(check(R"({"type": "tcp", "port": 22})").port == 22);
  CheckSpec dns = check(R"({"type": "dns", "query_name": "www.example.test", "query_type": "AAAA"})");
  CHECK(dns.port == 53);
  CHECK(dns.query_name == "www.example.test.");
  CHECK(dns.query_type == 28);
  CHECK(check(R"({"type": "dns"})").query_type == 6);
  CHECK(check(R"({"type": "dns", "query_type": 16})").query_type == 16);
  CheckSpec exec = check(R"({"type": "exec", "command": "/bin/check {address}"})");
  CHECK(exec.command == "/bin/check {address}");
  CheckSpec fast = check(R"({"type": "tcp", "port": 80, "interval": 0.2})");
  CHECK(fast.interval_ms == 200);
  CHECK(fast.fast_interval_ms == 200);
  CHECK(fast.timeout_ms == 200);
  CheckSpec slow = check(R"({"type": "tcp", "port": 80, "interval": 10, "fast_interval": 2})");
  CHECK(slow.timeout_ms == 1000);
  CheckSpec off = check(R"({"type": "none", "port": "ignored", "interval": -1})");
  CHECK(off.type == CheckType::None);
}

TEST_CASE("a cancelled load stops with one error and builds nothing") {
  std::atomic<bool> cancel{true};
  LoadOptions options;
  options.cancel = &cancel;
  LoadResult r = load(zone_with(R"("www": {"A": "192.0.2.1"})", ""), options);
  CHECK_FALSE(r.zone);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message == kLoadCancelled);
  cancel = false;
  CHECK(load(zone_with(R"("www": {"A": "192.0.2.1"})", ""), options).zone);
}

TEST_CASE("an unused pool is fine and is still part of the zone") {
  auto zone = must_load(zone_with("", R"("pools": {"spare": {"members": ["192.0.2.1"]}},)"));
  CHECK(zone->pools().size() == 1);
}

TEST_CASE("pool errors: references, families, members") {
  LoadResult r = load(zone_with(R"("a": {"A": {"pool": "nope"}}, "b": {"AAAA": {"pool": "v4"}}, "c": {"MX": {"pool": "v4"}},
                                   "d": {"A": {"pool": "broken"}})",
                                R"("pools": {
      "v4": {"members": ["192.0.2.1"]},
      "broken": {"members": ["192.0.2.1", "192.0.2.01x", "192.0.2.1", {"address": "::1", "weight": 0, "state": "up",
                 "backup": "yes", "check_address": "host"}, {"weight": 2}, 7]},
      "empty": {"members": []},
      "bad name!": {"members": ["192.0.2.1"]},
      "shape": {"members": "192.0.2.1", "max_answers": 65, "policy": "random", "when_all_down": "panic", "ttl": -3}},)"));
  CHECK_ERROR(r, "/records/a/A/pool", "unknown pool \"nope\"; declared pools: \"bad name!\", \"broken\", \"empty\", \"shape\", \"v4\"");
  CHECK_ERROR(r, "/records/b/AAAA/pool", "pool \"v4\" has no IPv6 member, so it cannot serve AAAA records");
  CHECK_ERROR(r, "/records/c/MX/pool", "only A and AAAA records can come from a pool");
  CHECK_FALSE(has_error(r, "/records/d/A/pool", ""));  // broken pool: its own errors suffice
  CHECK_ERROR(r, "/pools/broken/members/1", "\"192.0.2.01x\" is not an IPv4 or IPv6 address");
  CHECK_ERROR(r, "/pools/broken/members/2", "member 192.0.2.1 is listed twice (also at /pools/broken/members/0)");
  CHECK_ERROR(r, "/pools/broken/members/3/weight", "from 1 to 65535, not 0");
  CHECK_ERROR(r, "/pools/broken/members/3/state", "must be \"auto\" or \"drain\"");
  CHECK_ERROR(r, "/pools/broken/members/3/backup", "must be true or false");
  CHECK_ERROR(r, "/pools/broken/members/3/check_address", "\"host\" is not an IPv4 or IPv6 address");
  CHECK_ERROR(r, "/pools/broken/members/4", "missing required key \"address\"");
  CHECK_ERROR(r, "/pools/broken/members/5", "must be an address string or an object");
  CHECK_ERROR(r, "/pools/empty/members", "at least one member");
  CHECK_ERROR(r, "/pools/bad name!", "pool name \"bad name!\" must be");
  CHECK_ERROR(r, "/pools/shape/members", "must be an array of members");
  CHECK_ERROR(r, "/pools/shape/max_answers", "from 1 to 64, not 65");
  CHECK_ERROR(r, "/pools/shape/policy", "\"round-robin\" or \"weighted\"");
  CHECK_ERROR(r, "/pools/shape/when_all_down", "\"serve-all\" or \"serve-none\"");
  CHECK_ERROR(r, "/pools/shape/ttl", "not -3");
}

TEST_CASE("pool errors: more than 1024 members") {
  std::string members;
  for (int i = 0; i < 1025; ++i)
    members += (i ? ",\"10." : "\"10.") + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".1\"";
  LoadResult r = load(zone_with("", R"("pools": {"big": {"members": [)" + members + "]}},"));
  CHECK_ERROR(r, "/pools/big/members", "at most 1024 members, not 1025");
  members = members.substr(0, members.rfind(','));
  CHECK(load(zone_with("", R"("pools": {"big": {"members": [)" + members + "]}},")).errors.empty());
}

TEST_CASE("check errors: types, ports, timing, keys that do not apply") {
  auto errors_of = [](const std::string& check) {
    return load(zone_with("", R"("pools": {"p": {"members": ["192.0.2.1"], "check": )" + check + "}},"));
  };
  CHECK_ERROR(errors_of(R"({"port": 80})"), "/pools/p/check", "missing required key \"type\"");
  CHECK_ERROR(errors_of(R"({"type": "icmp"})"), "/pools/p/check/type", "must be one of");
  CHECK_ERROR(errors_of(R"({"type": "tcp"})"), "/pools/p/check", "a tcp check needs a \"port\"");
  CHECK_ERROR(errors_of(R"({"type": "tcp", "port": 0})"), "/pools/p/check/port", "from 1 to 65535");
  CHECK_ERROR(errors_of(R"({"type": "tcp", "port": 80, "path": "/x"})"), "/pools/p/check/path",
              "\"path\" applies only to http and https checks, not tcp");
  CHECK_ERROR(errors_of(R"({"type": "http", "tls_verify": true})"), "/pools/p/check/tls_verify", "only to https");
  CHECK_ERROR(errors_of(R"({"type": "http", "path": "healthz"})"), "/pools/p/check/path", "must start with '/'");
  CHECK_ERROR(errors_of(R"({"type": "http", "expect": [200, 700]})"), "/pools/p/check/expect/1", "100 to 599");
  CHECK_ERROR(errors_of(R"({"type": "http", "expect": []})"), "/pools/p/check/expect", "at least one");
  CHECK_ERROR(errors_of(R"({"type": "exec"})"), "/pools/p/check", "missing required key \"command\"");
  CHECK_ERROR(errors_of(R"({"type": "exec", "command": "x {port}"})"), "/pools/p/check/command", "no \"port\"");
  CHECK_ERROR(errors_of(R"({"type": "dns", "query_type": "NOPE"})"), "/pools/p/check/query_type", "record type");
  CHECK_ERROR(errors_of(R"({"type": "dns", "query_name": "a..b"})"), "/pools/p/check/query_name", "empty label");
  CHECK_ERROR(errors_of(R"({"type": "http", "interval": 0})"), "/pools/p/check/interval", "more than 0");
  CHECK_ERROR(errors_of(R"({"type": "http", "timeout": -1})"), "/pools/p/check/timeout", "more than 0");
  CHECK_ERROR(errors_of(R"({"type": "http", "interval": 1, "timeout": 2})"), "/pools/p/check/timeout",
              "timeout (2 s) must not exceed interval (1 s)");
  CHECK_ERROR(errors_of(R"({"type": "http", "interval": 1, "fast_interval": 1.5})"), "/pools/p/check/fast_interval",
              "must not exceed interval");
  CHECK_ERROR(errors_of(R"({"type": "http", "rise": 0})"), "/pools/p/check/rise", "from 1 to 100");
  CHECK_ERROR(errors_of(R"({"type": "http", "fall": 101})"), "/pools/p/check/fall", "from 1 to 100");
  CHECK_ERROR(errors_of(R"({"type": "http", "interval": "2s"})"), "/pools/p/check/interval", "number of seconds");
  CHECK_ERROR(errors_of("[]"), "/pools/p/check", "must be an object");
}

TEST_CASE("a relative name that repeats the origin (a forgotten trailing dot) is an error") {
  LoadResult r = load(zone_with(R"("www.example.test": {"A": "192.0.2.1"},
                                   "c": {"CNAME": "www.example.test"}, "m": {"MX": "10 mail.example.test"},
                                   "s": {"SRV": "0 5 5060 sip.example.test"},
                                   "fine": {"CNAME": "www.example.test."}, "txt": {"TXT": "www.example.test"})"));
  CHECK_ERROR(r, "/records/www.example.test", "it means www.example.test.example.test.; end it with a dot");
  CHECK_ERROR(r, "/records/c/CNAME", "names www.example.test.example.test., which repeats the origin");
  CHECK_ERROR(r, "/records/m/MX", "names mail.example.test.example.test.");
  CHECK_ERROR(r, "/records/s/SRV", "names sip.example.test.example.test.");
  CHECK(r.errors.size() == 4);
}

TEST_CASE("check expect accepts a single status code") {
  auto zone = must_load(zone_with("", R"("pools": {"p": {"members": ["192.0.2.1"], "check": {"type": "http", "expect": 204}}},)"));
  CHECK(zone->pool(0).check.expect == std::vector<int>{204});
}
