#include "dnsd/control/explain.h"

#include "dnsd/xfr/versioner.h"

#include "zones/ldns.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>
#include <vector>

#include "dnsd/control/explain_dnssec.h"
#include "dnsd/query/lookup.h"
#include "dnsd/query/query.h"
#include "health/member_status.h"
#include "zones/name.h"
#include "zones/rcode.h"

namespace dnsd {

using nlohmann::json;
namespace rr = zones::rrtype;

namespace {

/// ldns's text of one rdata field or name, freed properly.
std::string rdf_text(const ldns_rdf* rdf) {
  char* s = ldns_rdf2str(rdf);
  std::string out = s ? s : "";
  free(s);
  return out;
}

std::string type_text(uint16_t type) {
  char* s = ldns_rr_type2str(ldns_rr_type(type));
  std::string out = s ? s : "TYPE" + std::to_string(type);
  free(s);
  return out;
}

/// One decoded record of the response.
struct Record {
  std::string owner;  ///< lowercase, trailing dot
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::string data;   ///< presentation form
  std::vector<uint8_t> rdata0;  ///< the first rdata field's bytes (addresses, CNAME target)
};

std::vector<Record> decode_section(const ldns_rr_list* list) {
  std::vector<Record> out;
  for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); ++i) {
    const ldns_rr* r = ldns_rr_list_rr(list, i);
    Record rec;
    rec.owner = zones::lower_text(rdf_text(ldns_rr_owner(r)));
    rec.type = uint16_t(ldns_rr_get_type(r));
    rec.ttl = ldns_rr_ttl(r);
    for (size_t f = 0; f < ldns_rr_rd_count(r); ++f) {
      if (f) rec.data += ' ';
      rec.data += rdf_text(ldns_rr_rdf(r, f));
    }
    if (ldns_rr_rd_count(r) > 0) {
      const ldns_rdf* first = ldns_rr_rdf(r, 0);
      rec.rdata0.assign(ldns_rdf_data(first), ldns_rdf_data(first) + ldns_rdf_size(first));
    }
    out.push_back(std::move(rec));
  }
  return out;
}

json records_json(const std::vector<Record>& records) {
  json out = json::array();
  for (const Record& r : records)
    out.push_back({{"name", r.owner}, {"type", type_text(r.type)}, {"ttl", r.ttl}, {"data", r.data}});
  return out;
}

/// The query process_query sees: no RD, no EDNS, one question.
std::vector<uint8_t> make_query(const zones::Name& name, uint16_t qtype) {
  static constexpr uint8_t kHeader[12] = {0x0E, 0x71, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  std::vector<uint8_t> q(sizeof kHeader + name.size() + 4);
  std::memcpy(q.data(), kHeader, sizeof kHeader);
  std::memcpy(q.data() + sizeof kHeader, name.data(), name.size());
  uint8_t* tail = q.data() + sizeof kHeader + name.size();
  tail[0] = uint8_t(qtype >> 8);
  tail[1] = uint8_t(qtype);
  tail[2] = 0;
  tail[3] = 1;  // class IN
  return q;
}

/// Why a member is or is not handed out, in one word (CONTROL_API.md).
const char* member_why(const zones::PoolMember& m, const MemberReport& r, health::SelectionRule rule, bool in_answer) {
  if (r.serving) {
    if (!in_answer) return "cut";
    if (rule == health::SelectionRule::AllDownServeAll) return "fail-open";
    if (rule == health::SelectionRule::DrainedLastResort) return "drained-last-resort";
    return "up";
  }
  if (r.view.drained) return "drained";
  if (r.view.health == health::HealthState::Up && m.backup) return "backup-standby";
  return health::state_name(r.view.health);
}

json explain_pool(const zones::Zone& zone, uint32_t pool_index, std::span<const health::MemberLink> links,
                  uint16_t qtype, const std::vector<Record>& answer, const std::string& owner,
                  const HealthIndex& health, uint64_t now_ms) {
  const zones::Pool& pool = zone.pool(pool_index);
  const uint8_t family = qtype == rr::AAAA ? 6 : 4;
  const PoolReport report = report_pool(pool, links, health);
  const health::SelectionRule rule = report.rule_for(family);
  json j = pool_config_json(zone.origin_text(), pool);
  j["rule"] = health::rule_name(rule);
  j["rule_text"] = rule_text(rule);
  json members = json::array();
  for (size_t i = 0; i < pool.members.size(); ++i) {
    const zones::PoolMember& m = pool.members[i];
    if (m.family != family) continue;
    const size_t length = family == 6 ? 16 : 4;
    const bool in_answer = std::any_of(answer.begin(), answer.end(), [&](const Record& r) {
      return r.type == qtype && r.owner == owner && r.rdata0.size() == length &&
             std::memcmp(r.rdata0.data(), m.address.data(), length) == 0;
    });
    json mj = member_json(pool, i, report.members[i], now_ms);
    mj["role"] = m.backup ? "backup" : "primary";
    mj["in_answer"] = in_answer;
    mj["why"] = member_why(m, report.members[i], rule, in_answer);
    members.push_back(mj);
  }
  j["members"] = members;
  return j;
}

/// The name to explain in wire form; a missing trailing dot is implied, as
/// operators type names without it.
bool parse_name(std::string_view name_text, zones::Name& name, std::string& error) {
  std::string text(name_text);
  if (text.empty()) {
    error = "name is empty";
    return false;
  }
  if (text.back() != '.') text += '.';
  if (!zones::name_from_text(text, zones::root_name(), name, error)) {
    error = "bad name '" + std::string(name_text) + "': " + error;
    return false;
  }
  return true;
}

/// A response of the query path, decoded.
struct Response {
  QueryResult result;
  bool authoritative = false;     ///< AA
  std::vector<Record> answer;     ///< the answer section, in wire order
  std::vector<Record> authority;  ///< the authority section
};

/// Asks process_query itself, on the live snapshot, so the answer explained is
/// the one a worker would send now; private rotation counters (starting at 0)
/// keep explain from moving the order real clients see.
bool ask_query_path(const Snapshot& snapshot, const zones::Name& name, uint16_t qtype, Response& out,
                    std::string& error) {
  RotationState rotation;
  rotation.resize(snapshot.zones->rotation_slots());
  const std::vector<uint8_t> query = make_query(name, qtype);
  std::vector<uint8_t> response(kMaxMessage);
  out.result = process_query(query, response, Transport::Tcp, snapshot, rotation);
  ldns_pkt* raw = nullptr;
  if (out.result.action != QueryAction::Respond ||
      ldns_wire2pkt(&raw, response.data(), out.result.length) != LDNS_STATUS_OK) {
    error = "the query path gave no answer to decode";
    return false;
  }
  std::unique_ptr<ldns_pkt, void (*)(ldns_pkt*)> pkt(raw, ldns_pkt_free);
  out.authoritative = ldns_pkt_aa(pkt.get());
  out.answer = decode_section(ldns_pkt_answer(pkt.get()));
  out.authority = decode_section(ldns_pkt_authority(pkt.get()));
  return true;
}

/// The CNAMEs the answer carries, in order from `owner` (the query name);
/// `owner` becomes the name the chain ends at, whose RRset the rest explains.
json cname_chain(const std::vector<Record>& answer, uint16_t qtype, std::string& owner) {
  json chain = json::array();
  for (const Record& r : answer) {
    if (r.type != rr::CNAME || r.owner != owner || qtype == rr::CNAME) continue;
    const std::string target = zones::lower_text(r.data);
    chain.push_back({{"owner", r.owner}, {"target", target}, {"ttl", r.ttl}});
    owner = target;
  }
  return chain;
}

/// One word for what the response is (CONTROL_API.md, "outcome"), so a reader
/// need not interpret rcode, AA and sections together.
const char* outcome_of(const Response& r, uint32_t zone_index, uint16_t qtype, const std::string& owner,
                       bool followed_cname) {
  const bool has_answer = std::any_of(r.answer.begin(), r.answer.end(), [&](const Record& a) {
    return a.owner == owner && (a.type == qtype || qtype == rr::ANY);
  });
  if (zone_index == zones::kNone) return "refused";
  if (r.result.rcode == 3) return "nxdomain";
  if (r.result.rcode != 0) return "error";
  if (!r.authoritative) return "referral";
  if (has_answer) return "answer";
  if (followed_cname && !std::any_of(r.authority.begin(), r.authority.end(),
                                     [](const Record& a) { return a.type == rr::SOA; }))
    return "cname";  // the chain leaves the zone; a resolver follows it elsewhere
  return "nodata";
}

/// The records served and the shortest TTL among them: how long resolvers may
/// keep this answer. "rotates" is filled in once the answering RRset is known.
json answer_json(const Response& r) {
  uint32_t min_ttl = UINT32_MAX;
  for (const Record& a : r.answer) min_ttl = std::min(min_ttl, a.ttl);
  return json{{"ttl", r.answer.empty() ? json(nullptr) : json(min_ttl)},
              {"records", records_json(r.answer)},
              {"authority", records_json(r.authority)},
              {"rotates", false}};
}

/// How long a dead member of a probed pool may still be handed out: detection
/// plus the TTL resolvers cache it for (CONTROL_API.md, "failover").
json failover_json(const zones::CheckSpec& check, uint32_t ttl) {
  const uint64_t detection = worst_case_detection_ms(check);
  return json{{"interval_ms", check.interval_ms},
              {"fast_interval_ms", check.fast_interval_ms},
              {"timeout_ms", check.timeout_ms},
              {"fall", std::max<uint32_t>(check.fall, 1)},
              {"detection_ms", detection},
              {"ttl_s", ttl},
              {"worst_case_s", double(detection) / 1000.0 + ttl},
              {"formula", "detection (interval + (fall-1) x fast_interval, +10% jitter, + fall x timeout) + TTL"}};
}

/// Where the chain ends inside `zone`: the RRset that answered (or would
/// have), found with the query path's own lookup_name. Fills "wildcard",
/// "pool" and "failover" of `out`, and "rotates" of `answer`. `health_view`
/// gives the members' live state of zone `zone_index` of the snapshot.
/// Returns the global index of the pool RRset that answers, or kNone.
uint32_t explain_owner(const zones::Zone& zone, uint32_t zone_index, const health::HealthView& health_view,
                   const std::string& owner, uint16_t qtype, const Response& response, const HealthIndex& health,
                   uint64_t now_ms, json& out, json& answer) {
  zones::Name owner_name;
  std::string ignored;
  zones::LabeledName owner_labeled;
  if (!zones::name_from_text(owner, zones::root_name(), owner_name, ignored) ||
      owner_labeled.parse(owner_name.data(), owner_name.size()) == 0 ||
      !zones::name_is_subdomain(owner_labeled.wire, owner_labeled.length, zone.origin(), zone.origin_length()))
    return zones::kNone;  // the chain left the zone
  const Lookup found = lookup_name(zone, owner_labeled, qtype);
  if (found.kind != LookupKind::Found && found.kind != LookupKind::Wildcard) return zones::kNone;
  const zones::Node& node = zone.node(found.node);
  if (found.kind == LookupKind::Wildcard)
    out["wildcard"] = zones::lower_text(zones::name_to_text(zone.node_name(node), node.name_length));
  const zones::RRset* set = qtype == rr::ANY ? nullptr : zone.find_rrset(node, qtype);
  if (!set) return zones::kNone;
  answer["rotates"] = set->rotation_slot != zones::kNone;
  if (set->pool == zones::kNone) return zones::kNone;
  const zones::Pool& pool = zone.pool(set->pool);
  out["pool"] = explain_pool(zone, set->pool, health_view.pool(zone_index, set->pool), qtype, response.answer, owner,
                             health, now_ms);
  if (pool.check.type != zones::CheckType::None) {
    out["failover"] = failover_json(pool.check, set->ttl);
    if (zone.transfer().enabled) {
      // Through secondaries, a change also waits for the coalescing window,
      // then NOTIFY and the transfer (milliseconds on a LAN), then the
      // secondary's own delay before it serves it (NSD: xfrd-reload-timeout).
      const double detection_s = double(worst_case_detection_ms(pool.check)) / 1000.0;
      out["failover"]["through_secondaries"] = {
          {"coalesce_ms", xfr::kCoalesceWindowMs},
          {"notify", zone.transfer().notify.size()},
          {"worst_case_s", detection_s + double(xfr::kCoalesceWindowMs) / 1000.0 + set->ttl},
          {"formula",
           "detection + coalescing window + NOTIFY and IXFR round trips + the secondary's reload delay "
           "(NSD xfrd-reload-timeout; Knot none) + TTL"}};
    }
  }
  return zone.rrset_index(*set);
}

}  // namespace

bool parse_rrtype(std::string_view text, uint16_t& out) {
  if (text.empty()) return false;
  const auto all_digits = [](std::string_view t) {
    return !t.empty() && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  std::string upper(text);
  for (char& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
  // "TYPEnnn" (RFC 3597) is read here: ldns reads it with atoi, so "TYPE70000"
  // would wrap to 4464 and "TYPE1x" pass as 1.
  std::string_view number = text;
  if (upper.rfind("TYPE", 0) == 0) number = text.substr(4);
  if (all_digits(number)) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc() || end != number.data() + number.size() || value > 65535) return false;
    out = uint16_t(value);
    return true;
  }
  if (number.size() != text.size()) return false;  // "TYPE" without a number
  const ldns_rr_type type = ldns_get_rr_type_by_name(upper.c_str());
  if (type == 0) return false;
  out = uint16_t(type);
  return true;
}

uint64_t worst_case_detection_ms(const zones::CheckSpec& check) {
  const uint64_t fall = std::max<uint32_t>(check.fall, 1);
  const auto jittered_max = [](uint64_t ms) { return ms + (ms + 9) / 10; };
  return jittered_max(check.interval_ms) + (fall - 1) * jittered_max(check.fast_interval_ms) +
         fall * uint64_t(check.timeout_ms);
}

bool explain_name(const Snapshot& snapshot, const HealthIndex& health, std::string_view name_text, uint16_t qtype,
                  uint64_t now_ms, json& out, std::string& error) {
  const zones::ZoneSet& zones = *snapshot.zones;
  zones::Name name;
  if (!parse_name(name_text, name, error)) return false;
  Response response;
  if (!ask_query_path(snapshot, name, qtype, response, error)) return false;

  const std::string qname = zones::lower_text(name.text());
  out = json{{"name", qname},
             {"type", type_text(qtype)},
             {"zone", nullptr},
             {"file", nullptr},
             {"rcode", zones::rcode_name(response.result.rcode)},
             {"authoritative", response.authoritative},
             {"chain", json::array()},
             {"owner", nullptr},
             {"wildcard", nullptr},
             {"pool", nullptr},
             {"failover", nullptr},
             {"dnssec", nullptr}};
  std::string owner = qname;
  out["chain"] = cname_chain(response.answer, qtype, owner);
  zones::LabeledName labeled;
  labeled.parse(name.data(), name.size());
  const uint32_t zone_index = answering_zone(zones, labeled, qtype);
  out["outcome"] = outcome_of(response, zone_index, qtype, owner, !out["chain"].empty());
  json answer = answer_json(response);
  if (zone_index != zones::kNone) {
    const zones::Zone& zone = zones.zone(zone_index);
    out["zone"] = zones::lower_text(zone.origin_text());
    out["file"] = zones.source(zone_index).file;
    out["owner"] = owner;
    const uint32_t pool_rrset =
        explain_owner(zone, zone_index, *snapshot.health, owner, qtype, response, health, now_ms, out, answer);
    out["dnssec"] = explain_dnssec(snapshot, zone_index, name, qtype, pool_rrset);
  }
  out["answer"] = answer;
  return true;
}

}  // namespace dnsd
