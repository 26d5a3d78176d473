// The dashboard: one self-contained HTML page (inline CSS and JS,
// no external resources) that the control server serves at GET / and
// GET /dashboard. The page itself holds no data: its script polls
// GET /api/status every 1.5 s and posts JSON (Content-Type: application/json,
// which the API requires of every state change) to /api/drain and
// /api/undrain, so the route is public and the API calls carry the token
// (`#token=...` in the URL, or asked for after a 401).
#pragma once

#include <string_view>

namespace dnsd {

/// The dashboard page's HTML. Static storage; any thread.
std::string_view dashboard_html();

}  // namespace dnsd
