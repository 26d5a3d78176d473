// Helpers for the DNSSEC tests that cross-check dnsd against ldns: wire names
// from text, and ldns records built from dnsd's wire pieces. Test thread only.
#pragma once

#include <doctest.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "zones/ldns.h"
#include "zones/name.h"

namespace dnsd::test {

/// Uncompressed wire form of an absolute presentation name, case kept.
inline std::vector<uint8_t> wire_name(const std::string& text) {
  zones::Name name;
  std::string error;
  REQUIRE_MESSAGE(zones::name_from_text(text, zones::root_name(), name, error), error);
  return {name.data(), name.data() + name.size()};
}

/// Frees an ldns record when it goes out of scope.
struct LdnsRrDeleter {
  void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
using LdnsRr = std::unique_ptr<ldns_rr, LdnsRrDeleter>;

/// An ldns record (class IN) read from the wire bytes of its parts.
inline LdnsRr ldns_rr_from_wire(std::span<const uint8_t> owner, uint16_t type, uint32_t ttl,
                                std::span<const uint8_t> rdata) {
  std::vector<uint8_t> wire(owner.begin(), owner.end());
  const uint8_t fixed[] = {uint8_t(type >> 8), uint8_t(type), 0, 1, uint8_t(ttl >> 24), uint8_t(ttl >> 16),
                           uint8_t(ttl >> 8),  uint8_t(ttl),  uint8_t(rdata.size() >> 8), uint8_t(rdata.size())};
  wire.insert(wire.end(), fixed, fixed + sizeof fixed);
  wire.insert(wire.end(), rdata.begin(), rdata.end());
  ldns_rr* rr = nullptr;
  size_t pos = 0;
  REQUIRE(ldns_wire2rr(&rr, wire.data(), wire.size(), &pos, LDNS_SECTION_ANSWER) == LDNS_STATUS_OK);
  REQUIRE(pos == wire.size());
  return LdnsRr(rr);
}

/// An ldns record read from one presentation line.
inline LdnsRr ldns_rr_from_text(const std::string& line) {
  ldns_rr* rr = nullptr;
  REQUIRE_MESSAGE(ldns_rr_new_frm_str(&rr, line.c_str(), 0, nullptr, nullptr) == LDNS_STATUS_OK, line);
  return LdnsRr(rr);
}

/// The rdata of an ldns record in wire form, as ldns holds it.
inline std::vector<uint8_t> ldns_rdata_wire(const ldns_rr* rr) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* rdf = ldns_rr_rdf(rr, i);
    out.insert(out.end(), ldns_rdf_data(rdf), ldns_rdf_data(rdf) + ldns_rdf_size(rdf));
  }
  return out;
}

}  // namespace dnsd::test
