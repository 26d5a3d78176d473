#include "dnsd/control/json_body.h"

namespace dnsd {

bool parse_json_object(std::string_view text, nlohmann::json& out, std::string& error) {
  try {
    out = nlohmann::json::parse(text.empty() ? std::string_view("{}") : text);
  } catch (const std::exception& e) {
    error = std::string("body is not JSON: ") + e.what();
    return false;
  }
  if (!out.is_object()) {
    error = "body must be a JSON object";
    return false;
  }
  return true;
}

HttpResponse json_response(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(2) + "\n";
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace dnsd
