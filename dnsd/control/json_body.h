// JSON in and out of the control API: reading a request body as one JSON
// object, and making a JSON reply. Every route that takes or gives JSON uses
// these, so each says the same thing about a bad body.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "dnsd/control/http_server.h"

namespace dnsd {

/// Parses `text` (empty means `{}`) into `out`, which must be a JSON object.
/// False with `error` ("body is not JSON: ...", "body must be a JSON object")
/// otherwise. Any thread.
bool parse_json_object(std::string_view text, nlohmann::json& out, std::string& error);

/// A reply of `status` with `body` pretty-printed and `Cache-Control:
/// no-store` (control answers describe the moment). Any thread.
HttpResponse json_response(int status, const nlohmann::json& body);

}  // namespace dnsd
