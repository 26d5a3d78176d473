// The control API's request inputs (dnsd/control/CONTROL_API.md) on arbitrary
// bytes: the body of POST /api/drain and /api/undrain (admin_request.h), and
// the name and type parameters of GET /api/explain against the fixture's
// snapshot. Nothing may throw or crash. A rejected input has an error
// message, and the 400 reply made of it is JSON; an accepted body has an
// address already in canonical form, and a zone only with a pool; explain's
// output serialises.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "dnsd/control/admin_request.h"
#include "dnsd/control/explain.h"
#include "dnsd/control/http_server.h"
#include "health/check.h"
#include "health/drain_table.h"
#include "tests/fuzz/fuzz_fixture.h"

using namespace dnsd;

namespace {

/// The 400 reply the control server sends for `error`, checked to be JSON with that message.
void check_error_reply(const std::string& error) {
  FUZZ_CHECK(!error.empty());
  const HttpResponse reply = HttpResponse::error(400, error);
  FUZZ_CHECK(reply.status == 400);
  FUZZ_CHECK(nlohmann::json::accept(reply.body));
}

void admin_body(std::string_view body) {
  AdminRequest request;
  std::string error;
  if (!parse_admin_request(body, request, error)) {
    check_error_reply(error);
    return;
  }
  FUZZ_CHECK(!request.address_text.empty());
  FUZZ_CHECK(!request.every_pool() || request.zone.empty());
  FUZZ_CHECK(health::canonical_address(request.address) == request.address);
  FUZZ_CHECK(request.zone.empty() || health::normalized_zone(request.zone) == request.zone);
}

void explain(std::string_view input) {
  // "TYPE NAME" when the input has a space (as `dnsd ctl explain` passes them), else a name of type A.
  uint16_t qtype = 1;
  std::string_view name = input;
  const size_t space = input.find(' ');
  if (space != std::string_view::npos) {
    const std::string_view type = input.substr(0, space);
    if (!parse_rrtype(type, qtype)) {  // the server's 400, as get_explain words it
      check_error_reply("unknown record type '" + std::string(type) + "'");
      return;
    }
    name = input.substr(space + 1);
  }
  static const HealthIndex no_details;
  nlohmann::json out;
  std::string error;
  if (!explain_name(fuzz::snapshot(), no_details, name, qtype, fuzz::kNowMs, out, error)) {
    check_error_reply(error);
    return;
  }
  FUZZ_CHECK(!out.dump(2).empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  admin_body(input);
  explain(input);
  return 0;
}
