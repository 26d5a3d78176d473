#include "dnsd/control/keys_routes.h"

#include <optional>

#include "dnsd/control/iso_time.h"
#include "dnsd/control/json_body.h"
#include "dnsd/dnssec/ds_record.h"
#include "dnsd/server/log.h"
#include "dnsd/server/signing_service.h"
#include "health/drain_table.h"
#include "zones/name.h"

namespace dnsd {

using nlohmann::json;

namespace {


/// Unix seconds as ISO 8601 UTC; 0 (not yet) as null.
json time_json(int64_t unix_seconds) {
  if (unix_seconds <= 0) return nullptr;
  return iso_time(uint64_t(unix_seconds) * 1000);
}

/// The report of signed zone `zone`, read now.
std::optional<ZoneSigningReport> report_of(const SigningService& signing, const std::string& zone) {
  for (ZoneSigningReport& r : signing.report())
    if (r.zone == zone) return std::move(r);
  return std::nullopt;
}

HttpResponse no_zone(const std::string& zone) {
  return HttpResponse::error(404, zone + " is not a signed zone served here (no \"dnssec\" in its zone file)");
}

}  // namespace

json zone_keys_json(const ZoneSigningReport& r) {
  zones::Name owner;
  std::string ignored;
  const bool have_owner = zones::name_from_text(r.zone, zones::root_name(), owner, ignored);
  json keys = json::array();
  json ds = json::array();
  for (size_t i = 0; i < r.keys.size(); ++i) {
    const dnssec::KeyRecord& k = r.keys[i];
    const dnssec::KeyState state = i < r.states.size() ? r.states[i] : dnssec::KeyState::Published;
    json key{{"tag", k.tag},
             {"algorithm", dnssec::algorithm_name(k.algorithm)},
             {"algorithm_number", unsigned(k.algorithm)},
             {"state", dnssec::key_state_name(state)},
             {"zone_signing", k.tag == r.zone_key_tag && state == dnssec::KeyState::Active},
             {"created", time_json(k.created)},
             {"published", time_json(k.published)},
             {"active", time_json(k.active)},
             {"retired", time_json(k.retired)},
             {"removed", time_json(k.removed)},
             {"ds_seen", time_json(k.ds_seen)},
             {"ds", nullptr}};
    const bool has_rdata = i < r.dnskey_rdata.size() && !r.dnskey_rdata[i].empty();
    if (state != dnssec::KeyState::Removed && has_rdata && have_owner) {
      const std::string line = dnssec::ds_text(owner.data(), owner.size(), r.dnskey_rdata[i], r.parent_ds_ttl);
      if (!line.empty()) {
        key["ds"] = line;
        ds.push_back(line);
      }
    }
    keys.push_back(std::move(key));
  }
  const bool signing = r.window.expiration != 0;
  return json{{"zone", r.zone},
              {"keys", keys},
              {"zone_key_tag", r.zone_key_tag ? json(r.zone_key_tag) : json(nullptr)},
              {"signature_window", signing ? json{{"inception", time_json(r.window.inception)},
                                                  {"expiration", time_json(r.window.expiration)}}
                                           : json(nullptr)},
              {"next_refresh", time_json(r.next_refresh)},
              {"next_event", r.next_event.empty() ? json(nullptr) : json(r.next_event)},
              {"error", r.error.empty() ? json(nullptr) : json(r.error)},
              {"parent_ds_ttl", r.parent_ds_ttl},
              {"ds", ds}};
}

bool parse_key_request(std::string_view body_text, bool with_tag, std::string& zone, uint16_t& tag,
                       std::string& error) {
  json body;
  if (!parse_json_object(body_text, body, error)) return false;
  const auto z = body.find("zone");
  if (z == body.end() || !z->is_string() || z->get<std::string>().empty()) {
    error = "'zone' is required: the signed zone's name, e.g. \"example.test.\"";
    return false;
  }
  zone = health::normalized_zone(z->get<std::string>());
  if (!with_tag) return true;
  const auto t = body.find("tag");
  if (t == body.end() || !t->is_number_integer() || t->get<int64_t>() < 0 || t->get<int64_t>() > 65535) {
    error = "'tag' is required: the key tag (0 to 65535) whose DS the parent now serves";
    return false;
  }
  tag = uint16_t(t->get<int64_t>());
  return true;
}

HttpResponse get_keys(const SigningService& signing, const HttpRequest& request) {
  const std::string wanted = request.param("zone");
  const std::string zone = wanted.empty() ? "" : health::normalized_zone(wanted);
  json zones = json::array();
  for (const ZoneSigningReport& r : signing.report())
    if (zone.empty() || r.zone == zone) zones.push_back(zone_keys_json(r));
  if (!zone.empty() && zones.empty()) return no_zone(zone);
  return json_response(200, json{{"zones", zones}});
}

HttpResponse post_keys_roll(SigningService& signing, const HttpRequest& request) {
  std::string zone, error;
  uint16_t tag = 0;
  if (!parse_key_request(request.body, false, zone, tag, error)) return HttpResponse::error(400, error);
  const auto before = report_of(signing, zone);
  if (!before) return no_zone(zone);
  std::string why;
  if (!dnssec::can_start_rollover(before->keys, before->now, why))
    return HttpResponse::error(409, "cannot start a rollover of " + zone + ": " + why);
  if (!signing.roll(zone, error)) {
    // Another roll may have come in between; else the key could not be made or saved.
    const auto now = report_of(signing, zone);
    const bool busy = now && !dnssec::can_start_rollover(now->keys, now->now, why);
    return HttpResponse::error(busy ? 409 : 500, error);
  }
  const auto after = report_of(signing, zone);
  if (!after) return no_zone(zone);
  log_info("control: key rollover of %s started", zone.c_str());
  return json_response(200, zone_keys_json(*after));
}

HttpResponse post_keys_ds_seen(SigningService& signing, const HttpRequest& request) {
  std::string zone, error;
  uint16_t tag = 0;
  if (!parse_key_request(request.body, true, zone, tag, error)) return HttpResponse::error(400, error);
  const auto before = report_of(signing, zone);
  if (!before) return no_zone(zone);
  bool known = false;
  for (size_t i = 0; i < before->keys.size(); ++i)
    known |= before->keys[i].tag == tag && before->states[i] != dnssec::KeyState::Removed;
  if (!known) return HttpResponse::error(404, zone + " has no key " + std::to_string(tag) + " (or it was removed)");
  if (!signing.ds_seen(zone, tag, error)) return HttpResponse::error(500, error);
  const auto after = report_of(signing, zone);
  if (!after) return no_zone(zone);
  log_info("control: the DS of key %u of %s is at the parent", unsigned(tag), zone.c_str());
  return json_response(200, zone_keys_json(*after));
}

}  // namespace dnsd
