// ZoneBuilder: what build() decides once so that queries never have to: the
// apex SOA and its serial, empty non-terminals, cut and occlusion flags,
// wildcard and target links, duplicate and TTL handling, rotation slots, and
// the hash table behind Zone::find().
#include <doctest.h>
#include "tests/unit/zones/name_text.h"
#include "zones/ldns.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "tests/unit/zone_fixture.h"
#include "zones/zone_builder.h"

using namespace dnsd::zones;
using dnsd::zones::testing::N;

namespace {

// Adds one RFC 1035 line ("www 300 IN A 192.0.2.1", relative to example.test.)
// with ldns doing the parsing, so the rdata is an independent reference.
void add(ZoneBuilder& builder, const std::string& line, const std::string& origin = "example.test.") {
  REQUIRE_NOTHROW(dnsd::test::add_line(builder, line, origin));
}

const char* kSoa = "@ 3600 IN SOA ns1 hostmaster 2024010101 7200 900 1209600 300";

// A builder for example.test. holding the SOA, the apex NS and `lines`.
std::shared_ptr<const Zone> build(const std::vector<std::string>& lines) {
  ZoneBuilder builder(N("example.test."));
  add(builder, kSoa);
  add(builder, "@ 3600 IN NS ns1");
  for (const std::string& line : lines) add(builder, line);
  std::string error;
  auto zone = builder.build(error);
  REQUIRE_MESSAGE(zone, error);
  CHECK(error.empty());
  return zone;
}

uint32_t find(const Zone& zone, const std::string& name) {
  Name wire = N(name);
  LabeledName n;
  REQUIRE(n.parse(wire.data(), wire.size()) != 0);
  return zone.find(n.wire, n.length, n.suffix_hash[0]);
}

// The node of `name`, which must exist.
const Node& node(const Zone& zone, const std::string& name) {
  uint32_t index = find(zone, name);
  REQUIRE_MESSAGE(index != kNone, name);
  return zone.node(index);
}

const RRset& rrset(const Zone& zone, const std::string& name, uint16_t type) {
  const RRset* set = zone.find_rrset(node(zone, name), type);
  REQUIRE_MESSAGE(set, name << " type " << type);
  return *set;
}

std::string node_text(const Zone& zone, uint32_t index) {
  if (index == kNone) return "(none)";
  const Node& n = zone.node(index);
  return name_to_text(zone.node_name(n), n.name_length);
}

// Where each record of an RRset points, as names.
std::vector<std::string> targets(const Zone& zone, const std::string& name, uint16_t type) {
  std::vector<std::string> out;
  for (const Record& r : zone.records(rrset(zone, name, type))) out.push_back(node_text(zone, r.target_node));
  return out;
}

}  // namespace

TEST_CASE("zone_builder: a zone needs an SOA at its apex") {
  std::string error;
  SUBCASE("no records at all") {
    ZoneBuilder builder(N("example.test."));
    CHECK(builder.build(error) == nullptr);
    CHECK(error == "zone example.test. has no SOA record at its apex");
  }
  SUBCASE("records at the apex, but no SOA") {
    ZoneBuilder builder(N("example.test."));
    add(builder, "@ IN NS ns1");
    add(builder, "www IN A 192.0.2.1");
    CHECK(builder.build(error) == nullptr);
    CHECK(error == "zone example.test. has no SOA record at its apex");
  }
  SUBCASE("an SOA below the apex does not count") {
    ZoneBuilder builder(N("example.test."));
    add(builder, "sub IN SOA ns1 hostmaster 1 2 3 4 5");
    CHECK(builder.build(error) == nullptr);
    CHECK(error == "zone example.test. has no SOA record at its apex");
  }
  SUBCASE("records outside the origin are ignored, an SOA there too") {
    ZoneBuilder builder(N("example.test."));
    add(builder, "other.test. IN SOA ns1 hostmaster 1 2 3 4 5");
    CHECK(builder.build(error) == nullptr);
    CHECK(error == "zone example.test. has no SOA record at its apex");
  }
}

TEST_CASE("zone_builder: a malformed SOA is refused; a good one gives serial and negative TTL") {
  std::string error;
  SUBCASE("only a root name") {
    ZoneBuilder builder(N("example.test."));
    builder.add_record(N("example.test."), rrtype::SOA, 3600, std::string(1, '\0'));
    CHECK(builder.build(error) == nullptr);
    CHECK(error == "zone example.test. has a malformed SOA record");
  }
  SUBCASE("two names and 19 of the 20 fixed bytes") {
    ZoneBuilder builder(N("example.test."));
    builder.add_record(N("example.test."), rrtype::SOA, 3600, N("ns1.example.test.").wire + N(".").wire +
                                                                  std::string(19, '\1'));
    CHECK(builder.build(error) == nullptr);
    CHECK(error == "zone example.test. has a malformed SOA record");
  }
  SUBCASE("a byte too many") {
    ZoneBuilder builder(N("example.test."));
    builder.add_record(N("example.test."), rrtype::SOA, 3600, N("ns1.example.test.").wire + N(".").wire +
                                                                  std::string(21, '\1'));
    CHECK(builder.build(error) == nullptr);
    CHECK(error == "zone example.test. has a malformed SOA record");
  }
  SUBCASE("well formed: the minimum is below the SOA TTL") {
    auto zone = build({});
    CHECK(zone->serial() == 2024010101u);
    CHECK(zone->negative_ttl() == 300u);  // min(3600, 300)
    CHECK(zone->soa().type == rrtype::SOA);
    CHECK(zone->soa().ttl == 3600u);
    CHECK(zone->soa().record_count == 1);
  }
  SUBCASE("well formed: the SOA TTL is below the minimum") {
    ZoneBuilder builder(N("Example.TEST."));  // any case: the zone stores names lowercased
    add(builder, "@ 60 IN SOA ns1 hostmaster 7 7200 900 1209600 300");
    auto zone = builder.build(error);
    REQUIRE_MESSAGE(zone, error);
    CHECK(zone->serial() == 7u);
    CHECK(zone->negative_ttl() == 60u);  // min(60, 300)
    CHECK(zone->origin_text() == "example.test.");
    CHECK(zone->origin_labels() == 2);
  }
}

TEST_CASE("zone_builder: empty non-terminals become nodes without RRsets") {
  auto zone = build({"a.b.c 300 IN A 192.0.2.1"});
  // apex, c, b.c, a.b.c: nothing else (ns1 has no records here).
  CHECK(zone->node_count() == 4);
  for (const char* ent : {"c.example.test.", "b.c.example.test."}) {
    CAPTURE(ent);
    const Node& n = node(*zone, ent);
    CHECK(n.rrset_count == 0);
    CHECK(n.flags == 0);
    CHECK(zone->rrsets(n).empty());
  }
  const Node& leaf = node(*zone, "a.b.c.example.test.");
  CHECK(leaf.rrset_count == 1);
  CHECK(leaf.label_count == 5);
  CHECK(zone->rrsets(leaf)[0].type == rrtype::A);
  CHECK(find(*zone, "x.c.example.test.") == kNone);
}

TEST_CASE("zone_builder: NS below the apex is a cut; everything below it is occluded") {
  auto zone = build({
      "www 300 IN A 192.0.2.1",
      "sub 300 IN NS ns.sub",
      "sub 300 IN DS 12345 8 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE",
      "ns.sub 300 IN A 192.0.2.53",
      "deep.er.sub 300 IN A 192.0.2.54",
  });
  CHECK(node(*zone, "example.test.").flags == node_flag::kApex);  // apex NS is no cut
  CHECK(zone->apex() == find(*zone, "example.test."));
  CHECK(node(*zone, "www.example.test.").flags == 0);
  CHECK(node(*zone, "sub.example.test.").flags == node_flag::kDelegation);
  CHECK(node(*zone, "ns.sub.example.test.").flags == node_flag::kOccluded);
  CHECK(node(*zone, "er.sub.example.test.").flags == node_flag::kOccluded);  // an empty non-terminal
  CHECK(node(*zone, "deep.er.sub.example.test.").flags == node_flag::kOccluded);
}

TEST_CASE("zone_builder: a cut below a cut is occluded too") {
  auto zone = build({"a 300 IN NS ns.other.", "b.a 300 IN NS ns.other."});
  CHECK(node(*zone, "a.example.test.").flags == node_flag::kDelegation);
  CHECK(node(*zone, "b.a.example.test.").flags == (node_flag::kDelegation | node_flag::kOccluded));
}

TEST_CASE("zone_builder: *.name links name to its wildcard; names without one link nothing") {
  auto zone = build({
      "* 300 IN A 192.0.2.1",
      "*.x 300 IN TXT \"under an empty non-terminal\"",
      "www 300 IN A 192.0.2.2",
  });
  CHECK(node_text(*zone, node(*zone, "example.test.").wildcard_child) == "*.example.test.");
  CHECK(node_text(*zone, node(*zone, "x.example.test.").wildcard_child) == "*.x.example.test.");
  CHECK(node(*zone, "www.example.test.").wildcard_child == kNone);
  CHECK(node(*zone, "*.example.test.").wildcard_child == kNone);
  CHECK(node(*zone, "*.x.example.test.").wildcard_child == kNone);
}

TEST_CASE("zone_builder: a CNAME owner is flagged; others are not") {
  auto zone = build({"alias 300 IN CNAME www", "www 300 IN A 192.0.2.1"});
  CHECK(node(*zone, "alias.example.test.").flags == node_flag::kCname);
  CHECK(node(*zone, "www.example.test.").flags == 0);
  CHECK((node(*zone, "example.test.").flags & node_flag::kCname) == 0);
}

TEST_CASE("zone_builder: NS, MX, SRV and CNAME records point at their in-zone target nodes") {
  auto zone = build({
      "@ 3600 IN NS ns.other.",
      "ns1 300 IN A 192.0.2.53",
      "@ 300 IN MX 10 mail",
      "@ 300 IN MX 20 mail.other.",
      "mail 300 IN A 192.0.2.25",
      "_https._tcp 300 IN SRV 0 5 443 web",
      "web 300 IN AAAA 2001:db8::1",
      "alias 300 IN CNAME web",
      "dangling 300 IN CNAME missing",
      "outside 300 IN CNAME www.other.",
      "ptr 300 IN PTR web",
  });
  CHECK(targets(*zone, "example.test.", rrtype::NS) == std::vector<std::string>{"ns1.example.test.", "(none)"});
  CHECK(targets(*zone, "example.test.", rrtype::MX) == std::vector<std::string>{"mail.example.test.", "(none)"});
  CHECK(targets(*zone, "_https._tcp.example.test.", rrtype::SRV) == std::vector<std::string>{"web.example.test."});
  CHECK(targets(*zone, "alias.example.test.", rrtype::CNAME) == std::vector<std::string>{"web.example.test."});
  CHECK(targets(*zone, "dangling.example.test.", rrtype::CNAME) == std::vector<std::string>{"(none)"});
  CHECK(targets(*zone, "outside.example.test.", rrtype::CNAME) == std::vector<std::string>{"(none)"});
  // Types without a target the query path follows link nothing.
  CHECK(targets(*zone, "ptr.example.test.", rrtype::PTR) == std::vector<std::string>{"(none)"});
  CHECK(targets(*zone, "web.example.test.", rrtype::AAAA) == std::vector<std::string>{"(none)"});
  CHECK(targets(*zone, "example.test.", rrtype::SOA) == std::vector<std::string>{"(none)"});
}

TEST_CASE("zone_builder: an identical record added twice is kept once, in first-added order") {
  auto zone = build({
      "www 300 IN A 192.0.2.1",
      "www 300 IN A 192.0.2.2",
      "www 300 IN A 192.0.2.1",
  });
  const RRset& set = rrset(*zone, "www.example.test.", rrtype::A);
  REQUIRE(set.record_count == 2);
  std::vector<std::string> rdata;
  for (const Record& r : zone->records(set)) {
    CHECK(r.rdata_length == 4);
    rdata.emplace_back(reinterpret_cast<const char*>(zone->rdata(r)), r.rdata_length);
  }
  CHECK(rdata == std::vector<std::string>{std::string("\xC0\x00\x02\x01", 4), std::string("\xC0\x00\x02\x02", 4)});
}

TEST_CASE("zone_builder: an RRset takes the lowest TTL given for it, whatever the order") {
  auto zone = build({
      "down 300 IN A 192.0.2.1",
      "down 60 IN A 192.0.2.2",
      "down 600 IN A 192.0.2.3",
      "up 60 IN A 192.0.2.1",
      "up 300 IN A 192.0.2.2",
      "dup 300 IN TXT \"same\"",
      "dup 30 IN TXT \"same\"",  // a duplicate still lowers the TTL
  });
  CHECK(rrset(*zone, "down.example.test.", rrtype::A).ttl == 60u);
  CHECK(rrset(*zone, "down.example.test.", rrtype::A).record_count == 3);
  CHECK(rrset(*zone, "up.example.test.", rrtype::A).ttl == 60u);
  CHECK(rrset(*zone, "dup.example.test.", rrtype::TXT).ttl == 30u);
  CHECK(rrset(*zone, "dup.example.test.", rrtype::TXT).record_count == 1);
}

TEST_CASE("zone_builder: rotation slots go only to RRsets with several records or a pool") {
  ZoneBuilder builder(N("example.test."));
  add(builder, kSoa);
  add(builder, "@ 3600 IN NS ns1");
  add(builder, "@ 3600 IN NS ns2");
  add(builder, "single 300 IN A 192.0.2.1");
  add(builder, "multi 300 IN A 192.0.2.1");
  add(builder, "multi 300 IN A 192.0.2.2");
  add(builder, "once 300 IN A 192.0.2.9");
  add(builder, "once 300 IN A 192.0.2.9");  // a duplicate does not make it rotate
  CHECK(builder.add_pool(Pool{}) == 0u);
  CHECK(builder.add_pool(Pool{}) == 1u);
  builder.add_pool_rrset(N("web.example.test."), rrtype::A, 20, 1);
  std::string error;
  auto zone = builder.build(error);
  REQUIRE_MESSAGE(zone, error);

  CHECK(rrset(*zone, "example.test.", rrtype::SOA).rotation_slot == kNone);
  CHECK(rrset(*zone, "single.example.test.", rrtype::A).rotation_slot == kNone);
  CHECK(rrset(*zone, "once.example.test.", rrtype::A).rotation_slot == kNone);
  const RRset& pool = rrset(*zone, "web.example.test.", rrtype::A);
  CHECK(pool.pool == 1u);
  CHECK(pool.ttl == 20u);
  CHECK(pool.record_count == 0);
  CHECK(rrset(*zone, "multi.example.test.", rrtype::A).pool == kNone);
  std::set<uint32_t> slots{rrset(*zone, "example.test.", rrtype::NS).rotation_slot,
                           rrset(*zone, "multi.example.test.", rrtype::A).rotation_slot, pool.rotation_slot};
  CHECK(slots == std::set<uint32_t>{0, 1, 2});  // one each, numbered from 0 without gaps
  CHECK(zone->rotation_slots() == 3u);
  CHECK(zone->pools().size() == 2);
}

TEST_CASE("zone_builder: a zone with nothing to rotate has no rotation slots") {
  auto zone = build({"www 300 IN A 192.0.2.1"});
  CHECK(zone->rotation_slots() == 0u);
  CHECK(zone->pools().empty());
}

TEST_CASE("zone_builder: find() hits every node by name and hash, and misses everything else") {
  std::vector<std::string> lines;
  for (int i = 0; i < 100; ++i) lines.push_back("host" + std::to_string(i) + " 300 IN A 192.0.2.1");
  auto zone = build(lines);
  REQUIRE(zone->node_count() == 101);
  for (int i = 0; i < 100; ++i) {
    std::string name = "host" + std::to_string(i) + ".example.test.";
    uint32_t index = find(*zone, name);
    REQUIRE_MESSAGE(index != kNone, name);
    CHECK(node_text(*zone, index) == name);
  }
  CHECK(find(*zone, "example.test.") == zone->apex());
  CHECK(find(*zone, "HOST7.Example.Test.") == find(*zone, "host7.example.test."));  // parse lowercases
  CHECK(find(*zone, "host100.example.test.") == kNone);
  CHECK(find(*zone, "host1.host1.example.test.") == kNone);
  CHECK(find(*zone, "test.") == kNone);
  CHECK(find(*zone, "example.other.") == kNone);
  CHECK(find(*zone, ".") == kNone);

  // The hash must match the name too.
  Name wire = N("host1.example.test.");
  LabeledName n;
  REQUIRE(n.parse(wire.data(), wire.size()) != 0);
  CHECK(zone->find(n.wire, n.length, n.suffix_hash[0] + 1) == kNone);
  CHECK(zone->find(n.wire, n.length, n.suffix_hash[0]) != kNone);
}

TEST_CASE("zone_builder: records outside the origin are ignored") {
  ZoneBuilder builder(N("example.test."));
  add(builder, kSoa);
  add(builder, "www.other.test. 300 IN A 192.0.2.1");
  add(builder, "test. 300 IN A 192.0.2.1");
  builder.add_pool_rrset(N("pool.other.test."), rrtype::A, 20, 0);
  std::string error;
  auto zone = builder.build(error);
  REQUIRE_MESSAGE(zone, error);
  CHECK(zone->node_count() == 1);
  CHECK(find(*zone, "www.other.test.") == kNone);
  CHECK(zone->rotation_slots() == 0u);
}
