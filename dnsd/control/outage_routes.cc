#include "dnsd/control/outage_routes.h"

#include <cstdlib>

#include "dnsd/control/history_report.h"
#include "health/health_registry.h"
#include "health/status_report.h"

namespace dnsd {

namespace {

HttpResponse compact_json(const nlohmann::json& body) {
  HttpResponse r;
  r.status = 200;
  r.body = body.dump() + "\n";  // compact: the history has an array per member
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

HttpResponse get_events(const health::HealthRegistry* registry, const HttpRequest& request) {
  const std::string since_text = request.param("since", "0");
  char* end = nullptr;
  const unsigned long long since = std::strtoull(since_text.c_str(), &end, 10);
  if (since_text.empty() || end == since_text.c_str() || *end != '\0' || since_text[0] == '-')
    return HttpResponse::error(400, "query parameter 'since' must be an event id (a whole number), not '" +
                                        since_text + "'");
  if (!registry) return compact_json(events_json({}, 0));
  const uint64_t last = registry->events().last_id();
  return compact_json(events_json(registry->events().since(since), last));
}

HttpResponse get_history(const health::HealthRegistry* registry, const HttpRequest& request) {
  HistoryQuery query;
  std::string error;
  if (!parse_history_query(request.param("window"), request.param("zone"), request.param("pool"), query, error))
    return HttpResponse::error(400, error);
  if (!registry) return compact_json(history_json({}, {}, health::wall_clock_ms(), query));
  const health::HistorySnapshot history = registry->targets().history();
  const uint64_t wall_now = health::wall_clock_ms();
  return compact_json(history_json(history, registry->events().since(0), wall_now, query));
}

}  // namespace dnsd
