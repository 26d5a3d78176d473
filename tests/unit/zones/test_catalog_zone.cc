// The catalog zone (RFC 9432 version 2): its records, rendered by ldns as an
// independent reference; member ids that are stable, distinct and a function
// of the name; identical zones for the same member set; bad names.
#include <doctest.h>
#include "tests/unit/zones/name_text.h"
#include "zones/ldns.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "zones/catalog_zone.h"

using namespace dnsd::zones;
using dnsd::zones::testing::N;

namespace {

// Every record of `zone` as ldns prints it ("owner<TAB>ttl<TAB>IN<TAB>TYPE<TAB>rdata"), in zone order.
std::vector<std::string> records_as_text(const Zone& zone) {
  std::vector<std::string> out;
  for (uint32_t i = 0; i < zone.node_count(); ++i) {
    const Node& node = zone.node(i);
    for (const RRset& set : zone.rrsets(node)) {
      for (const Record& record : zone.records(set)) {
        std::string wire(reinterpret_cast<const char*>(zone.node_name(node)), node.name_length);
        const uint8_t fixed[10] = {uint8_t(set.type >> 8), uint8_t(set.type), 0, 1,
                                   uint8_t(set.ttl >> 24), uint8_t(set.ttl >> 16), uint8_t(set.ttl >> 8),
                                   uint8_t(set.ttl), uint8_t(record.rdata_length >> 8), uint8_t(record.rdata_length)};
        wire.append(reinterpret_cast<const char*>(fixed), sizeof fixed);
        wire.append(reinterpret_cast<const char*>(zone.rdata(record)), record.rdata_length);
        ldns_rr* rr = nullptr;
        size_t pos = 0;
        REQUIRE(ldns_wire2rr(&rr, reinterpret_cast<const uint8_t*>(wire.data()), wire.size(), &pos,
                             LDNS_SECTION_ANSWER) == LDNS_STATUS_OK);
        char* text = ldns_rr2str(rr);
        std::string line(text);
        while (!line.empty() && line.back() == '\n') line.pop_back();
        out.push_back(line);
        free(text);
        ldns_rr_free(rr);
      }
    }
  }
  return out;
}

std::shared_ptr<const Zone> catalog(const std::vector<std::string>& members, const std::string& name = "catalog.invalid.",
                                    const TransferPolicy& transfer = {}) {
  std::string error;
  auto zone = build_catalog_zone(name, members, transfer, error);
  REQUIRE_MESSAGE(zone, error);
  return zone;
}

std::vector<std::string> ptr_lines(const Zone& zone) {
  std::vector<std::string> out;
  for (const std::string& line : records_as_text(zone))
    if (line.find("\tPTR\t") != std::string::npos) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("catalog content: SOA, NS invalid., version TXT \"2\", one PTR per member, TTL 0") {
  auto zone = catalog({"example.com.", "example.net."});
  std::vector<std::string> lines = records_as_text(*zone);
  std::vector<std::string> expected = {
      "catalog.invalid.\t0\tIN\tSOA\tinvalid. invalid. 1 3600 600 2147483646 0",
      "catalog.invalid.\t0\tIN\tNS\tinvalid.",
      "version.catalog.invalid.\t0\tIN\tTXT\t\"2\"",
      "951df47018d51fc6.zones.catalog.invalid.\t0\tIN\tPTR\texample.com.",
      "43634edb16ca486c.zones.catalog.invalid.\t0\tIN\tPTR\texample.net.",
  };
  std::sort(lines.begin(), lines.end());
  std::sort(expected.begin(), expected.end());
  CHECK(lines == expected);
  CHECK(zone->origin_text() == "catalog.invalid.");
  CHECK(zone->serial() == 1);
  CHECK(zone->negative_ttl() == 0);
}

TEST_CASE("member ids are 16 hex digits of FNV-1a over the lowercased wire name") {
  CHECK(catalog_member_id(N("example.com.")) == "951df47018d51fc6");
  CHECK(catalog_member_id(N("EXAMPLE.Com.")) == "951df47018d51fc6");
  CHECK(catalog_member_id(N("example.net.")) == "43634edb16ca486c");
}

TEST_CASE("ids are distinct across many members and the PTR count matches") {
  std::vector<std::string> members;
  for (int i = 0; i < 500; ++i) members.push_back("zone" + std::to_string(i) + ".example.");
  auto zone = catalog(members);
  std::vector<std::string> ptrs = ptr_lines(*zone);
  CHECK(ptrs.size() == 500);
  std::set<std::string> ids, targets;
  for (const std::string& line : ptrs) {
    std::string id = line.substr(0, line.find('.'));
    CHECK(id.size() == 16);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    ids.insert(id);
    targets.insert(line.substr(line.rfind('\t') + 1));
  }
  CHECK(ids.size() == 500);
  CHECK(targets.size() == 500);
}

TEST_CASE("the same member set gives an identical zone, whatever the order, case or repeats") {
  auto a = catalog({"b.example.", "a.example.", "c.example."});
  auto b = catalog({"C.EXAMPLE.", "a.example", "b.example.", "A.example."});
  CHECK(records_as_text(*a) == records_as_text(*b));
  CHECK(ptr_lines(*a).size() == 3);
  // A member keeps its id when others come and go.
  auto c = catalog({"a.example."});
  std::string a_line = ptr_lines(*c).at(0);
  std::vector<std::string> with_others = ptr_lines(*a);
  CHECK(std::find(with_others.begin(), with_others.end(), a_line) != with_others.end());
}

TEST_CASE("the catalog never lists itself; an empty catalog is valid") {
  auto zone = catalog({"example.com.", "Catalog.Invalid."});
  CHECK(ptr_lines(*zone).size() == 1);
  auto empty = catalog({});
  CHECK(ptr_lines(*empty).empty());
  CHECK(records_as_text(*empty).size() == 3);
}

TEST_CASE("the catalog carries its transfer policy") {
  TransferPolicy policy;
  policy.enabled = true;
  std::string error;
  policy.allow.push_back(*AddressPrefix::parse("127.0.0.0/8", error));
  policy.tsig_key = "xfr-key.";
  auto zone = catalog({"example.com."}, "cat.example.", policy);
  CHECK(zone->transfer() == policy);
  CHECK(ptr_lines(*zone).at(0).find(".zones.cat.example.") != std::string::npos);
}

TEST_CASE("bad names: the catalog, a member, the root, a catalog too long for member names") {
  std::string error;
  CHECK(build_catalog_zone("cat..example.", {}, {}, error) == nullptr);
  CHECK(error.find("catalog zone") != std::string::npos);
  error.clear();
  CHECK(build_catalog_zone("cat.example.", {"ok.example.", "bad..example."}, {}, error) == nullptr);
  CHECK(error.find("\"bad..example.\"") != std::string::npos);
  error.clear();
  CHECK(build_catalog_zone(".", {"example.com."}, {}, error) == nullptr);
  CHECK(error.find("root") != std::string::npos);
  std::string long_name;
  for (int i = 0; i < 4; ++i) long_name += std::string(60, 'a') + ".";
  error.clear();
  CHECK(build_catalog_zone(long_name, {}, {}, error) == nullptr);
  CHECK(error.find("too long") != std::string::npos);
}
