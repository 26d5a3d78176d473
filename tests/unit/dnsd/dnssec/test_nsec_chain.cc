// NsecChain: which names own an NSEC (apex, names with RRsets, delegation
// points; not empty non-terminals, not glue), their canonical order, the wrap
// from the last name to the apex, and which NSEC covers a name that is not there.
#include <doctest.h>
#include "zones/ldns.h"

#include <random>
#include <string>
#include <vector>

#include "dnsd/dnssec/nsec_chain.h"
#include "tests/unit/zone_fixture.h"

using namespace dnsd::zones;
using dnsd::dnssec::NsecChain;

namespace {

Name wire(const std::string& text) {
  Name out;
  std::string error;
  REQUIRE_MESSAGE(name_from_text(text, root_name(), out, error), error);
  return out.lowered();
}

uint32_t find(const Zone& zone, const std::string& text) {
  const Name name = wire(text);
  return zone.find(name.data(), name.size(), name_hash(name.data(), name.size()));
}

std::string text_of(const Zone& zone, uint32_t node) {
  if (node == kNone) return "(none)";
  return name_to_text(zone.node_name(zone.node(node)), zone.node(node).name_length);
}

std::string covering(const Zone& zone, const NsecChain& chain, const std::string& text) {
  const Name name = wire(text);
  return text_of(zone, chain.covering_node(zone, name.data(), name.size()));
}

// Apex; "b" and "x.b"; "a.b.c" under two empty non-terminals; ns1; a signed
// delegation "sub" with glue and a further cut below it; a wildcard under the
// empty non-terminal "wild"; www; and zz, the canonically last name.
std::shared_ptr<const Zone> test_zone() {
  return dnsd::test::zone_from_lines(
      "example.test.",
      {"@ 3600 IN SOA ns1 hostmaster 1 7200 900 1209600 300", "@ 3600 IN NS ns1", "zz 300 IN TXT last",
       "WWW 300 IN A 192.0.2.1", "*.wild 300 IN A 192.0.2.2", "sub 3600 IN NS ns.sub",
       "sub 3600 IN DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
       "ns.sub 3600 IN A 192.0.2.3", "deep.sub 3600 IN NS ns.sub", "ns1 3600 IN A 192.0.2.4",
       "a.b.c 300 IN TXT deep", "x.b 300 IN TXT x", "b 300 IN MX 10 www"});
}

}  // namespace

TEST_CASE("nsec_chain: the apex, names with RRsets and delegation points, in canonical order") {
  const auto zone = test_zone();
  const NsecChain chain(*zone);
  const std::vector<std::string> expected = {
      "example.test.",     "b.example.test.",   "x.b.example.test.", "a.b.c.example.test.", "ns1.example.test.",
      "sub.example.test.", "*.wild.example.test.", "www.example.test.",  "zz.example.test."};
  std::vector<std::string> actual;
  for (size_t p = 0; p < chain.size(); ++p) actual.push_back(text_of(*zone, chain.node_at(p)));
  CHECK(actual == expected);
  CHECK(chain.node_at(0) == zone->apex());

  // ldns, not canonical_compare, judges the order of neighbours.
  for (size_t p = 0; p + 1 < chain.size(); ++p) {
    const Node& a = zone->node(chain.node_at(p));
    const Node& b = zone->node(chain.node_at(p + 1));
    ldns_rdf* ra = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, a.name_length, zone->node_name(a));
    ldns_rdf* rb = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, b.name_length, zone->node_name(b));
    CHECK(ldns_dname_compare(ra, rb) < 0);
    ldns_rdf_deep_free(ra);
    ldns_rdf_deep_free(rb);
  }

  for (size_t p = 0; p < chain.size(); ++p) CHECK(chain.position_of(chain.node_at(p)) == p);
  CHECK(chain.bytes() >= (chain.size() + zone->node_count()) * sizeof(uint32_t));
}

TEST_CASE("nsec_chain: empty non-terminals, glue and cuts below a cut own no NSEC") {
  const auto zone = test_zone();
  const NsecChain chain(*zone);
  for (const std::string name : {"c.example.test.", "b.c.example.test.", "wild.example.test.",
                                 "ns.sub.example.test.", "deep.sub.example.test."}) {
    CAPTURE(name);
    const uint32_t node = find(*zone, name);
    REQUIRE(node != kNone);
    CHECK(chain.position_of(node) == kNone);
    CHECK(chain.next_of(node) == kNone);
  }
  CHECK(chain.position_of(find(*zone, "sub.example.test.")) != kNone);
  CHECK(chain.position_of(kNone) == kNone);
}

TEST_CASE("nsec_chain: next_of follows the chain and wraps from the last name to the apex") {
  const auto zone = test_zone();
  const NsecChain chain(*zone);
  CHECK(text_of(*zone, chain.next_of(zone->apex())) == "b.example.test.");
  CHECK(text_of(*zone, chain.next_of(find(*zone, "x.b.example.test."))) == "a.b.c.example.test.");
  CHECK(text_of(*zone, chain.next_of(find(*zone, "sub.example.test."))) == "*.wild.example.test.");
  CHECK(text_of(*zone, chain.next_of(find(*zone, "zz.example.test."))) == "example.test.");
}

TEST_CASE("nsec_chain: covering_node finds the NSEC that matches or covers a name") {
  const auto zone = test_zone();
  const NsecChain chain(*zone);
  // Equal to a chain name: its own NSEC matches.
  CHECK(covering(*zone, chain, "example.test.") == "example.test.");
  CHECK(covering(*zone, chain, "www.example.test.") == "www.example.test.");
  CHECK(covering(*zone, chain, "a.b.c.example.test.") == "a.b.c.example.test.");
  CHECK(covering(*zone, chain, "*.wild.example.test.") == "*.wild.example.test.");
  // Before the first name after the apex.
  CHECK(covering(*zone, chain, "a.example.test.") == "example.test.");
  CHECK(covering(*zone, chain, "\\000.example.test.") == "example.test.");
  // Between two chain names.
  CHECK(covering(*zone, chain, "mm.example.test.") == "a.b.c.example.test.");
  CHECK(covering(*zone, chain, "wj.example.test.") == "*.wild.example.test.");
  CHECK(covering(*zone, chain, "www-2.example.test.") == "www.example.test.");
  CHECK(covering(*zone, chain, "wx.example.test.") == "www.example.test.");
  CHECK(covering(*zone, chain, "y.b.example.test.") == "x.b.example.test.");
  // After the last: the last NSEC covers it, its next name is the apex.
  CHECK(covering(*zone, chain, "zzz.example.test.") == "zz.example.test.");
  CHECK(covering(*zone, chain, "a.zz.example.test.") == "zz.example.test.");
  // An empty non-terminal, and names below one.
  CHECK(covering(*zone, chain, "c.example.test.") == "x.b.example.test.");
  CHECK(covering(*zone, chain, "b.c.example.test.") == "x.b.example.test.");
  CHECK(covering(*zone, chain, "x.c.example.test.") == "a.b.c.example.test.");
  CHECK(covering(*zone, chain, "q.a.b.c.example.test.") == "a.b.c.example.test.");
  // The wildcard's parent and names below it: "*" sorts before the letters.
  CHECK(covering(*zone, chain, "wild.example.test.") == "sub.example.test.");
  CHECK(covering(*zone, chain, "foo.wild.example.test.") == "*.wild.example.test.");
  CHECK(covering(*zone, chain, "\\001.wild.example.test.") == "sub.example.test.");
  // Below the cut (the query path refers instead), and the glue itself.
  CHECK(covering(*zone, chain, "ns.sub.example.test.") == "sub.example.test.");
}

TEST_CASE("nsec_chain: a zone holding only its apex is a chain of one that wraps to itself") {
  const auto zone = dnsd::test::zone_from_lines("example.test.", {"@ 3600 IN SOA ns1 hostmaster 1 7200 900 1209600 300"});
  const NsecChain chain(*zone);
  REQUIRE(chain.size() == 1);
  CHECK(chain.node_at(0) == zone->apex());
  CHECK(chain.next_of(zone->apex()) == zone->apex());
  CHECK(covering(*zone, chain, "www.example.test.") == "example.test.");
}

TEST_CASE("nsec_chain: covering_node agrees with a linear scan under ldns_dname_compare on random names") {
  std::mt19937 random(4035);
  // Few symbols and labels of up to 6 of them, so names share labels and
  // label prefixes, the 4-byte prefixes the chain keeps included; zero and
  // high bytes too.
  auto random_label = [&] {
    static const std::vector<std::string> symbols = {"a", "b", "0", "*", "\\000", "\\001", "\\002", "\\255"};
    std::string label;
    for (size_t length = 1 + random() % 6; length > 0; --length) label += symbols[random() % symbols.size()];
    return label;
  };
  auto random_name = [&] {
    std::string text;
    for (size_t labels = random() % 3; labels > 0; --labels) text += random_label() + ".";
    return text + random_label() + ".example.test.";
  };
  std::vector<std::string> lines = {"@ 3600 IN SOA ns1 hostmaster 1 7200 900 1209600 300"};
  for (int i = 0; i < 600; ++i) lines.push_back(random_name() + " 300 IN TXT x");
  const auto zone = dnsd::test::zone_from_lines("example.test.", lines);
  const NsecChain chain(*zone);
  auto rdf = [](const uint8_t* data, size_t size) { return ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, size, data); };
  size_t mismatches = 0;
  for (int i = 0; i < 2000; ++i) {
    const Name name = wire(random_name());
    ldns_rdf* query = rdf(name.data(), name.size());
    uint32_t expected = chain.node_at(0);
    for (size_t p = 0; p < chain.size(); ++p) {
      const Node& n = zone->node(chain.node_at(p));
      ldns_rdf* owner = rdf(zone->node_name(n), n.name_length);
      if (ldns_dname_compare(owner, query) <= 0) expected = chain.node_at(p);
      ldns_rdf_deep_free(owner);
    }
    ldns_rdf_deep_free(query);
    const uint32_t actual = chain.covering_node(*zone, name.data(), name.size());
    if (actual != expected) {
      ++mismatches;
      MESSAGE(name.text() << ": expected " << text_of(*zone, expected) << ", got " << text_of(*zone, actual));
    }
  }
  CHECK(mismatches == 0);
}
