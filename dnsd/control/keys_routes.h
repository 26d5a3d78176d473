// The handlers of GET /api/keys, POST /api/keys/roll and POST
// /api/keys/ds-seen (CONTROL_API.md): the signed zones' keys, the DS records
// their parents should hold, and the operator's two steps of a rollover.
// Kept apart from the control server's other routes. HTTP threads.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "dnsd/control/http_server.h"

namespace dnsd {

class SigningService;
struct ZoneSigningReport;

/// One signed zone as GET /api/keys shows it: its keys with their times
/// (ISO 8601 UTC or null), the zone-signing key, the signature window, the
/// next refresh and key event, the last error, and `ds`: the DS lines of the
/// keys that belong at the parent (every key not removed), with the zone's
/// parent_ds_ttl. Pure; any thread.
nlohmann::json zone_keys_json(const ZoneSigningReport& report);

/// A key command's body: {"zone": "example.test."} and, when `with_tag`,
/// "tag": a key tag (0..65535). `zone` comes back lowercase with a trailing
/// dot. False with `error` (the 400's message) for anything else. Pure.
bool parse_key_request(std::string_view body, bool with_tag, std::string& zone, uint16_t& tag, std::string& error);

/// GET /api/keys[?zone=Z]: {"zones": [zone_keys_json...]}; 404 when Z is
/// given and is not a signed zone.
HttpResponse get_keys(const SigningService& signing, const HttpRequest& request);

/// POST /api/keys/roll {"zone"}: starts a CSK rollover; 200 with the zone's
/// new report, 404 for a zone that is not signed, 409 while a rollover is in
/// progress (the reason in words), 500 when the new key cannot be saved.
HttpResponse post_keys_roll(SigningService& signing, const HttpRequest& request);

/// POST /api/keys/ds-seen {"zone", "tag"}: records that the parent serves
/// key `tag`'s DS, so the retired key may leave; 200 with the zone's report,
/// 404 for a zone that is not signed or a tag it has no (unremoved) key of.
HttpResponse post_keys_ds_seen(SigningService& signing, const HttpRequest& request);

}  // namespace dnsd
