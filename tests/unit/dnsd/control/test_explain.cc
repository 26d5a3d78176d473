// Explain runs the real query path and reports the rule select_members used,
// so what it shows is what a resolver gets.
#include "dnsd/control/explain.h"

#include <doctest.h>

#include "control_fixture.h"
#include "signed_fixture.h"
#include "dnsd/cli/ctl_format.h"

using nlohmann::json;
namespace zones = dnsd::zones;

namespace {

json explain(const dnsd::Snapshot& set, const std::string& name, uint16_t type = 1) {
  json out;
  std::string error;
  const dnsd::HealthIndex none;
  REQUIRE_MESSAGE(dnsd::explain_name(set, none, name, type, 1'000'000, out, error), error);
  return out;
}

}  // namespace

TEST_CASE("types by mnemonic or number") {
  uint16_t t = 0;
  CHECK((dnsd::parse_rrtype("A", t) && t == 1));
  CHECK((dnsd::parse_rrtype("aaaa", t) && t == 28));
  CHECK((dnsd::parse_rrtype("TYPE65", t) && t == 65));
  CHECK((dnsd::parse_rrtype("15", t) && t == 15));
  CHECK_FALSE(dnsd::parse_rrtype("", t));
  CHECK_FALSE(dnsd::parse_rrtype("NOTATYPE", t));
  CHECK_FALSE(dnsd::parse_rrtype("70000", t));
}

TEST_CASE("TYPEnnn must be a whole number up to 65535 (ldns's atoi wrapped and ignored junk)") {
  uint16_t t = 0;
  CHECK((dnsd::parse_rrtype("type65280", t) && t == 65280));
  CHECK((dnsd::parse_rrtype("TYPE0", t) && t == 0));
  for (const char* bad : {"TYPE70000", "TYPE65536", "TYPE33333333333333333333", "TYPE1x", "TYPE-1", "TYPE", "TYPE 1"})
    CHECK_FALSE_MESSAGE(dnsd::parse_rrtype(bad, t), bad);
}

TEST_CASE("worst-case detection: a jittered interval, fall-1 fast intervals, fall timeouts") {
  zones::CheckSpec c;  // interval 2000, fast 500, timeout 1000, fall 3
  CHECK(dnsd::worst_case_detection_ms(c) == 2200 + 2 * 550 + 3 * 1000);
  c.fall = 0;  // counts as 1
  CHECK(dnsd::worst_case_detection_ms(c) == 2200 + 1000);
}

TEST_CASE("explain follows a CNAME to the pool and names the rule") {
  auto set = dnsd::test::control_snapshot();
  const json e = explain(*set, "ALIAS.ctl.test");
  CHECK(e["name"] == "alias.ctl.test.");
  CHECK(e["outcome"] == "answer");
  CHECK(e["zone"] == "ctl.test.");
  CHECK(e["file"] == "ctl.test.json");
  CHECK(e["chain"] == json::parse(R"([{"owner": "alias.ctl.test.", "target": "www.ctl.test.", "ttl": 300}])"));
  CHECK(e["owner"] == "www.ctl.test.");
  const json& pool = e["pool"];
  CHECK(pool["name"] == "web");
  CHECK(pool["rule"] == "healthy-primaries");
  REQUIRE(pool["members"].size() == 4);  // the IPv4 ones
  std::map<std::string, std::string> why;
  int in_answer = 0;
  for (const json& m : pool["members"]) {
    why[m["address"]] = m["why"];
    in_answer += m["in_answer"].get<bool>();
  }
  CHECK(why == std::map<std::string, std::string>{
                   {"192.0.2.1", "up"}, {"192.0.2.2", "up"}, {"192.0.2.9", "backup-standby"}, {"192.0.2.4", "drained"}});
  CHECK(in_answer == 2);
  CHECK(e["answer"]["ttl"] == 20);
  CHECK(e["answer"]["rotates"] == true);
  CHECK(e["answer"]["records"].size() == 3);  // the CNAME and two addresses
  CHECK(e["failover"].is_null());             // check none
}

TEST_CASE("explain computes failover for a probed pool") {
  auto set = dnsd::test::control_snapshot();
  const json e = explain(*set, "dead.ctl.test.");
  CHECK(e["pool"]["rule"] == "all-down-serve-all");
  CHECK(e["pool"]["members"][0]["why"] == "fail-open");
  CHECK(e["failover"]["detection_ms"] == 1100 + 275 + 500);
  CHECK(e["failover"]["ttl_s"] == 5);
}

TEST_CASE("explain of negative, wildcard, static and foreign names") {
  auto set = dnsd::test::control_snapshot();
  json e = explain(*set, "nope.ctl.test");
  CHECK(e["outcome"] == "nxdomain");
  CHECK(e["rcode"] == "NXDOMAIN");
  CHECK(e["answer"]["authority"][0]["type"] == "SOA");
  CHECK(explain(*set, "static.ctl.test", 15)["outcome"] == "nodata");
  e = explain(*set, "x.wild.ctl.test");
  CHECK(e["outcome"] == "answer");
  CHECK(e["wildcard"] == "*.wild.ctl.test.");
  CHECK(e["answer"]["rotates"] == false);
  e = explain(*set, "static.ctl.test");
  CHECK(e["pool"].is_null());
  CHECK(e["answer"]["rotates"] == true);
  e = explain(*set, "www.elsewhere.invalid");
  CHECK(e["outcome"] == "refused");
  CHECK(e["zone"].is_null());

  json out;
  std::string error;
  CHECK_FALSE(dnsd::explain_name(*set, dnsd::HealthIndex(), "a..b", 1, 0, out, error));
  CHECK(error.find("a..b") != std::string::npos);
}

TEST_CASE("negative answers and referrals: booleans stay JSON booleans, and ctl prints them") {
  // A zone with a delegation (sub) besides plain names.
  zones::LoadResult r = zones::load_zone_json(R"({
    "origin": "neg.test.", "ttl": 300,
    "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 3, "refresh": 3600, "retry": 600,
            "expire": 86400, "minimum": 60},
    "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.53"}, "www": {"A": ["192.0.2.1", "192.0.2.2"]},
                "sub": {"NS": "ns.sub"}, "ns.sub": {"A": "192.0.2.54"}}})", "neg.test.json");
  REQUIRE(r.errors.empty());
  const auto snapshot = dnsd::Snapshot::standalone(
      std::make_shared<const zones::ZoneSet>(std::vector{r.zone}, std::vector<zones::ZoneSource>{{"neg.test.json"}}));
  const dnsd::Snapshot& set = *snapshot;

  SUBCASE("NXDOMAIN") {
    const json e = explain(set, "nothere.neg.test");
    CHECK(e["outcome"] == "nxdomain");
    CHECK(e["answer"]["rotates"].is_boolean());
    CHECK(e["answer"]["rotates"] == false);
    CHECK(e["authoritative"] == true);
    CHECK(dnsd::format_explain(e) ==
          "nothere.neg.test. A: nxdomain (NXDOMAIN, authoritative)\n"
          "  zone neg.test. from neg.test.json\n"
          "  answer served now:\n"
          "    (empty answer section)\n"
          "  authority:\n"
          "    neg.test.  60  SOA  ns1.neg.test. hostmaster.neg.test. 3 3600 600 86400 60\n");
  }
  SUBCASE("NODATA") {
    const json e = explain(set, "www.neg.test", 15);
    CHECK(e["outcome"] == "nodata");
    CHECK(e["answer"]["rotates"].is_boolean());
    CHECK(e["answer"]["rotates"] == false);
    CHECK(dnsd::format_explain(e) ==
          "www.neg.test. MX: nodata (NOERROR, authoritative)\n"
          "  zone neg.test. from neg.test.json\n"
          "  answer served now:\n"
          "    (empty answer section)\n"
          "  authority:\n"
          "    neg.test.  60  SOA  ns1.neg.test. hostmaster.neg.test. 3 3600 600 86400 60\n");
  }
  SUBCASE("referral") {
    const json e = explain(set, "x.sub.neg.test");
    CHECK(e["outcome"] == "referral");
    CHECK(e["answer"]["rotates"].is_boolean());
    CHECK(e["answer"]["rotates"] == false);
    CHECK(e["authoritative"] == false);
    CHECK(dnsd::format_explain(e) ==
          "x.sub.neg.test. A: referral (NOERROR)\n"
          "  zone neg.test. from neg.test.json\n"
          "  answer served now:\n"
          "    (empty answer section)\n"
          "  authority:\n"
          "    sub.neg.test.  300  NS  ns.sub.neg.test.\n");
  }
}

TEST_CASE("explain of a signed zone: which key signs the answer, until when, and the pool's rotation windows") {
  dnsd::test::SignedServing serving;
  const dnsd::Snapshot& snapshot = *serving.snapshot;
  const uint16_t tag = serving.zone_key_tag();
  const auto window = snapshot.versions[0]->signatures->zone->window();

  json e = explain(snapshot, "www.signed.test");
  const json& d = e.at("dnssec");
  REQUIRE(d.is_object());
  CHECK(d.at("signed") == true);
  CHECK(d.at("zone_key").at("tag") == tag);
  CHECK(d.at("zone_key").at("algorithm") == "ecdsap256sha256");
  CHECK(d.at("expiration_ms") == uint64_t(window.expiration) * 1000);
  CHECK(d.at("pool_windows").is_null());
  // The signatures are the query path's own DO=1 answer: the A RRset's, by the zone key, to the window's end.
  REQUIRE(d.at("signatures").size() == 1);
  const json& sig = d.at("signatures")[0];
  CHECK(sig.at("covers") == "A");
  CHECK(sig.at("name") == "www.signed.test.");
  CHECK(sig.at("tag") == tag);
  CHECK(sig.at("expiration") == d.at("expiration"));
  // The answer shown is still the DO=0 one: no RRSIG in it.
  for (const json& r : e.at("answer").at("records")) CHECK(r.at("type") != "RRSIG");
  const std::string text = dnsd::format_explain(e);
  CHECK(text.find("DNSSEC signed: answers to DO=1 queries carry RRSIGs by key " + std::to_string(tag) +
                  " (ecdsap256sha256), valid until ") != std::string::npos);

  // A max_answers pool: five members served two at a time, five windows each signed on its own.
  e = explain(snapshot, "api.signed.test");
  CHECK(e.at("dnssec").at("pool_windows") == 5);
  CHECK(dnsd::format_explain(e).find("each of the pool's 5 rotation windows has a signature of its own") !=
        std::string::npos);

  // DNSKEY: signed by the DNSKEY signers; NXDOMAIN: the proofs in the authority section are signed.
  e = explain(snapshot, "signed.test", 48);
  CHECK(e.at("dnssec").at("dnskey_signers").size() == 1);
  CHECK(e.at("dnssec").at("dnskey_signers")[0].at("tag") == tag);
  CHECK(e.at("dnssec").at("signatures")[0].at("covers") == "DNSKEY");
  e = explain(snapshot, "nope.signed.test");
  bool nsec = false;
  for (const json& s : e.at("dnssec").at("signatures")) nsec |= s.at("covers") == "NSEC" && s.at("section") == "authority";
  CHECK(nsec);
}

TEST_CASE("explain of an unsigned zone has no DNSSEC part, and ctl prints no DNSSEC line") {
  const auto snapshot = dnsd::test::control_snapshot();
  const json e = explain(*snapshot, "www.ctl.test");
  CHECK(e.at("dnssec").is_null());
  CHECK(dnsd::format_explain(e).find("DNSSEC") == std::string::npos);
}
