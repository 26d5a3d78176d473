// Builds zones and queries for unit tests from zone-file text via ldns, so
// tests state records the way operators read them.
#pragma once

#include "zones/ldns.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "zones/zone_builder.h"
#include "zones/zone_set.h"

namespace dnsd::test {

/// Adds one RFC 1035 line ("www 300 IN A 192.0.2.1"), relative to `origin`,
/// to `builder`. Throws on a line ldns cannot parse.
inline void add_line(zones::ZoneBuilder& builder, const std::string& line, const std::string& origin) {
  ldns_rr* rr = nullptr;
  ldns_rdf* origin_rdf = ldns_dname_new_frm_str(origin.c_str());
  const ldns_status s = ldns_rr_new_frm_str(&rr, line.c_str(), 3600, origin_rdf, nullptr);
  ldns_rdf_deep_free(origin_rdf);
  if (s != LDNS_STATUS_OK) throw std::runtime_error("bad test RR '" + line + "': " + ldns_get_errorstr_by_id(s));
  zones::Name owner;
  owner.wire.assign(reinterpret_cast<const char*>(ldns_rdf_data(ldns_rr_owner(rr))), ldns_rdf_size(ldns_rr_owner(rr)));
  std::string rdata;
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i)
    rdata.append(reinterpret_cast<const char*>(ldns_rdf_data(ldns_rr_rdf(rr, i))), ldns_rdf_size(ldns_rr_rdf(rr, i)));
  builder.add_record(owner, ldns_rr_get_type(rr), ldns_rr_ttl(rr), rdata);
  ldns_rr_free(rr);
}

/// Zone from RFC 1035 lines ("www 300 IN A 192.0.2.1"), relative to `origin`.
inline std::shared_ptr<const zones::Zone> zone_from_lines(const std::string& origin,
                                                           const std::vector<std::string>& lines) {
  zones::Name origin_name;
  std::string error;
  zones::name_from_text(origin, zones::root_name(), origin_name, error);
  zones::ZoneBuilder builder(origin_name);
  for (const auto& line : lines) add_line(builder, line, origin);
  auto zone = builder.build(error);
  if (!zone) throw std::runtime_error(error);
  return zone;
}

/// Wire query for `name`/`type`, optionally with EDNS at `udp_size`.
inline std::vector<uint8_t> make_query(const std::string& name, ldns_rr_type type, bool edns = false,
                                       uint16_t udp_size = 1232, uint16_t id = 0x1234) {
  ldns_pkt* pkt = nullptr;
  ldns_pkt_query_new_frm_str(&pkt, name.c_str(), type, LDNS_RR_CLASS_IN, 0);
  ldns_pkt_set_id(pkt, id);
  if (edns) {
    ldns_pkt_set_edns_udp_size(pkt, udp_size);
  }
  uint8_t* wire = nullptr;
  size_t size = 0;
  ldns_pkt2wire(&wire, pkt, &size);
  std::vector<uint8_t> out(wire, wire + size);
  free(wire);
  ldns_pkt_free(pkt);
  return out;
}

/// Owning ldns packet.
struct PacketDeleter {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using Packet = std::unique_ptr<ldns_pkt, PacketDeleter>;

/// Parses a response; null if ldns rejects it.
inline Packet parse_packet(const uint8_t* data, size_t size) {
  ldns_pkt* pkt = nullptr;
  if (ldns_wire2pkt(&pkt, data, size) != LDNS_STATUS_OK) return nullptr;
  return Packet(pkt);
}

/// Rdata of every RR of a section in presentation form, in order.
inline std::vector<std::string> rdatas(ldns_rr_list* list) {
  std::vector<std::string> out;
  for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(list, i);
    std::string text;
    for (size_t j = 0; j < ldns_rr_rd_count(rr); ++j) {
      char* s = ldns_rdf2str(ldns_rr_rdf(rr, j));
      if (!text.empty()) text += ' ';
      text += s;
      free(s);
    }
    out.push_back(text);
  }
  return out;
}

}  // namespace dnsd::test
