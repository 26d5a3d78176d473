// The handlers of GET /api/events and GET /api/history (CONTROL_API.md),
// kept apart from the control server's other routes. HTTP threads.
#pragma once

#include "dnsd/control/http_server.h"

namespace dnsd::health {
class HealthRegistry;
}

namespace dnsd {

/// GET /api/events?since=ID: the events after ID (all kept ones without it),
/// oldest first. `registry` may be null (no health table: no events).
HttpResponse get_events(const health::HealthRegistry* registry, const HttpRequest& request);

/// GET /api/history?window=S&zone=Z&pool=P: every pool member's state
/// segments and probe latency over the last S seconds (default 900).
/// `registry` may be null (no members).
HttpResponse get_history(const health::HealthRegistry* registry, const HttpRequest& request);

}  // namespace dnsd
