// A check's settings as JSON: the one rendering that the control API
// (/api/status, /api/explain) and the status file both show, so an operator
// reads the same keys and values in either place.
#pragma once

#include <nlohmann/json.hpp>

#include "zones/pool.h"

namespace dnsd::health {

/// `check` as JSON (CONTROL_API.md, "check"; status_report.cc). It renders the
/// normalized spec, so the port is the one probes really go to (the type's
/// default when the zone gave none) and the fields its type ignores show their
/// defaults. Every key is always present, whatever the type. Pure; any thread.
nlohmann::json check_json(const zones::CheckSpec& check);

}  // namespace dnsd::health
