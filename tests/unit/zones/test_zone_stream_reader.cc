// The streaming read against the thorough one: every file, valid or broken,
// must give the same zone (node by node, record by record), the same errors
// and the same warnings whichever way it is read. Hand-written zones cover the
// shapes a file can take; random edits of them cover the ways one breaks.
#include <doctest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "zones/json_loader.h"

using namespace dnsd::zones;

namespace {

// Everything a built zone holds that queries, transfers and signing read.
std::string dump(const Zone& z) {
  std::string out = "serial " + std::to_string(z.serial()) + " neg " + std::to_string(z.negative_ttl()) + " slots " +
                    std::to_string(z.rotation_slots()) + " pools " + std::to_string(z.pools().size()) + " apex " +
                    std::to_string(z.apex()) + " transfer " + std::to_string(z.transfer().enabled) + " dnssec " +
                    std::to_string(z.dnssec().enabled) + "\n";
  for (uint32_t i = 0; i < z.node_count(); ++i) {
    const Node& n = z.node(i);
    out += name_to_text(z.node_name(n), n.name_length) + " flags " + std::to_string(n.flags) + " labels " +
           std::to_string(n.label_count) + " wild " + std::to_string(n.wildcard_child) + "\n";
    for (const RRset& set : z.rrsets(n)) {
      out += "  type " + std::to_string(set.type) + " ttl " + std::to_string(set.ttl) + " pool " +
             std::to_string(set.pool) + " slot " + std::to_string(set.rotation_slot) + "\n";
      for (const Record& r : z.records(set)) {
        out += "    ";
        for (size_t b = 0; b < r.rdata_length; ++b) {
          char hex[4];
          snprintf(hex, sizeof hex, "%02x", z.rdata(r)[b]);
          out += hex;
        }
        out += " at " + std::to_string(r.name_at[0]) + "," + std::to_string(r.name_at[1]) + " target " +
               std::to_string(r.target_node) + "\n";
      }
    }
  }
  for (const Pool& p : z.pools()) out += "pool " + p.name + " ttl " + std::to_string(p.ttl) + "\n";
  return out;
}

std::string outcome(const LoadResult& r) {
  std::string out = r.zone ? dump(*r.zone) : "no zone\n";
  for (const LoadError& e : r.errors) out += "error " + e.to_string() + "\n";
  for (const LoadError& w : r.warnings) out += "warning " + w.to_string() + "\n";
  return out;
}

// Loads `text` both ways and requires the same outcome; returns whether it loaded.
bool same_both_ways(const std::string& text) {
  LoadOptions thorough;
  thorough.stream = false;
  std::string streamed = outcome(load_zone_json(text, "z.json"));
  std::string reference = outcome(load_zone_json(text, "z.json", thorough));
  CHECK_MESSAGE(streamed == reference, "file:\n" << text << "\nstreamed:\n" << streamed << "\nthorough:\n" << reference);
  return streamed.rfind("no zone", 0) != 0;
}

const std::vector<std::string>& zones() {
  static const std::vector<std::string> all = {
      // Every common shape, records before "ttl" (as `dnsd import` writes keys: sorted).
      R"({"origin": "example.test.", "pools": {"web": {"members": [{"address": "192.0.2.10"}, {"address": "2001:db8::10"}], "ttl": 30}},
          "records": {"@": {"NS": ["ns1", "ns2.other."], "MX": ["10 mail", "20 mail.other."], "TXT": "v=spf1 -all"},
                      "ns1": {"A": "192.0.2.1", "AAAA": ["2001:db8::1", "2001:db8::2"]},
                      "www": {"A": {"pool": "web"}, "AAAA": {"pool": "web", "ttl": 5}},
                      "Mail": {"A": {"ttl": 60, "data": ["192.0.2.3", "192.0.2.4"]}, "TXT": {"data": "one"}},
                      "alias": {"CNAME": "www"}, "a.b.c.deep": {"A": "192.0.2.9"},
                      "*.wild": {"A": "192.0.2.7"}, "wild": {"TXT": "\"quoted\""},
                      "sub": {"NS": "ns.sub", "DS": "12345 13 2 3F4E8DCC8C10A5D1A0F0FD4F25AA7F8A9C3B4D5E6F708192A3B4C5D6E7F80912"},
                      "ns.sub": {"A": "192.0.2.8"}, "_sip._tcp": {"SRV": "10 5 5060 www", "TXT": ["\"a\" \"b\"", "x"]},
                      "esc\\.aped": {"A": "192.0.2.11"}, "ptr": {"PTR": "www.example.test."},
                      "caa": {"CAA": "0 issue \"ca.example\"", "HINFO": "\"PC\" \"Linux\""},
                      "abs.example.test.": {"A": "192.0.2.12"}, "upper": {"MX": "10 MAIL.Example.TEST."}},
          "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 7, "ttl": 100}, "ttl": 300})",
      // The plain order, with a transfer policy and a signed zone.
      R"({"$schema": "x", "origin": "signed.test.", "ttl": 60, "soa": {"mname": "ns1", "rname": "h@signed.test"},
          "transfer": {"allow": ["127.0.0.1"]}, "dnssec": {"algorithm": "ed25519"},
          "records": {"@": {"NS": "ns1"}, "ns1": {"A": "192.0.2.1"}}})",
      // Records before the origin and the pools: only the thorough read takes these.
      R"({"records": {"@": {"NS": "ns1"}, "ns1": {"A": {"pool": "p"}}}, "origin": "late.test.",
          "pools": {"p": {"members": [{"address": "192.0.2.1"}]}}, "soa": {"mname": "ns1"}})",
      // Broken in one way each.
      R"({"origin": "e.test.", "soa": {"mname": "ns1"}, "records": {"@": {"NS": "ns1"}, "x": {"A": "300.1.1.1"}}})",
      R"({"origin": "e.test.", "soa": {"mname": "ns1"}, "records": {"@": {"NS": "ns1"}, "x": {"A": "1.1.1.1"}, "X": {"A": "1.1.1.2"}}})",
      R"({"origin": "e.test.", "soa": {"mname": "ns1"}, "records": {"@": {"NS": "ns1"}, "x": {"A": "1.1.1.1"}, "x": {"A": "1.1.1.2"}}})",
      R"({"origin": "e.test.", "soa": {"mname": "ns1"}, "records": {"@": {"NS": "ns1"}, "x": {"CNAME": "y", "A": "1.1.1.1"}}})",
      R"({"origin": "e.test.", "soa": {"mname": "ns1"}, "records": {"@": {"NS": "ns1"}, "x": {"MX": ["10 a", "10 A"]}}})",
      R"({"origin": "e.test.", "soa": {"mname": "ns1"}, "records": {"@": {"NS": "ns1"}, "x": {"NS": "www.e.test"}}})",
      R"({"origin": "e.test.", "soa": {"mname": "ns1"}, "records": {"x": {"A": "1.1.1.1"}}})",
      R"({"origin": "e.test.", "soa": {"mname": "ns1"}, "records": {"@": {"NS": "ns1"}, "x": {"A": {"pool": "none"}}}})",
      R"({"origin": "e.test.", "soa": {"mname": "ns1"}, "records": {"@": {"NS": "ns1"}, "x": {"A": []}, "y": {}}})",
      R"({"origin": "e.test.", "soa": {"mname": "ns1", "mname": "ns2"}, "records": {"@": {"NS": "ns1"}}})",
      R"({"origin": "e.test.", "soa": {"mname": "ns1"}, "records": {"@": {"NS": "ns1", "DS": "1 1 1 00"}, "y.other.": {"A": "1.1.1.1"}}})",
      R"({"origin": "e.test.", "soa": {"mname": "ns1"}, "dnssec": {"algorithm": "ed25519"}, "records": {"@": {"NS": "ns1", "DNSKEY": "257 3 15 AAAA"}}})",
      R"({"origin": "e.test.", "soa": {"mname": "ns1"}, "records": {"@": {"NS": "ns1", "SOA": "x"}, "t": {"TYPE0": "x", "FOO": "y"}}})",
      R"({"origin": "e.test", "soa": {"mname": "ns1"}, "records": {"@": {"NS": "ns1"}}, "ttl": -1})",
      R"({"origin": "e.test.", "soa": {"mname": "ns1"}, "records": {"@": {"NS": "ns1"}, "t": {"A": {"data": "1.1.1.1", "tl": 5}}}})",
      R"([1, 2])",
      R"({"origin": "e.test.", "soa": {"mname": "ns1"}, "records": {"@": {"NS": "ns1"}})",
  };
  return all;
}

}  // namespace

TEST_CASE("the streaming read and the thorough read agree on hand-written zones") {
  size_t loaded = 0;
  for (const std::string& text : zones()) loaded += same_both_ways(text);
  CHECK(loaded == 3);  // the first three are valid
}

TEST_CASE("the streaming read and the thorough read agree on randomly edited zones") {
  std::mt19937 random(20261201);
  const std::string pieces[] = {"\"", "{", "}", "[", "]", ",", ":", "\\", ".", "@", "1", " ", "A", "x", "-", "\"A\": \"1.2.3.4\""};
  size_t loaded = 0, runs = 0;
  for (const std::string& original : zones()) {
    for (int trial = 0; trial < 150; ++trial) {
      std::string text = original;
      int edits = 1 + int(random() % 3);
      for (int e = 0; e < edits && !text.empty(); ++e) {
        size_t at = random() % text.size();
        switch (random() % 3) {
          case 0: text.erase(at, 1 + random() % 4); break;
          case 1: text.insert(at, pieces[random() % std::size(pieces)]); break;
          default: text[at] = pieces[random() % std::size(pieces)][0]; break;
        }
      }
      loaded += same_both_ways(text);
      ++runs;
    }
  }
  MESSAGE(loaded << " of " << runs << " edited zones loaded");
  CHECK(loaded > 0);
}
