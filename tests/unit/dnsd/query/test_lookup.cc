// answering_zone: which zone answers a (name, qtype), the rule process_query
// and explain share.
#include "dnsd/query/lookup.h"

#include <doctest.h>

#include "tests/unit/zone_fixture.h"

using namespace dnsd;

namespace {

zones::LabeledName labeled(const std::string& text) {
  zones::Name name;
  std::string error;
  zones::name_from_text(text, zones::root_name(), name, error);
  zones::LabeledName out;
  out.parse(name.data(), name.size());
  return out;
}

}  // namespace

TEST_CASE("answering_zone: the closest zone, except DS at an apex goes to a served parent") {
  const std::string soa = "@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60";
  const zones::ZoneSet set({test::zone_from_lines("example.test.", {soa, "@ IN NS ns1", "ns1 IN A 192.0.2.1"}),
                            test::zone_from_lines("sub.example.test.", {soa, "@ IN NS ns1", "ns1 IN A 192.0.2.2"}),
                            test::zone_from_lines("lone.test.", {soa, "@ IN NS ns1", "ns1 IN A 192.0.2.3"})});
  auto origin_of = [&](const std::string& name, uint16_t qtype) -> std::string {
    const uint32_t index = answering_zone(set, labeled(name), qtype);
    return index == zones::kNone ? "none" : set.zone(index).origin_text();
  };
  CHECK(origin_of("www.sub.example.test.", zones::rrtype::A) == "sub.example.test.");
  CHECK(origin_of("sub.example.test.", zones::rrtype::A) == "sub.example.test.");
  CHECK(origin_of("sub.example.test.", zones::rrtype::DS) == "example.test.");           // parent side
  CHECK(origin_of("www.sub.example.test.", zones::rrtype::DS) == "sub.example.test.");  // not an apex
  CHECK(origin_of("lone.test.", zones::rrtype::DS) == "lone.test.");  // no parent served: the zone itself
  CHECK(origin_of("other.test.", zones::rrtype::A) == "none");
}
