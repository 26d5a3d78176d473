#include "health/check_json.h"

#include "health/check.h"

namespace dnsd::health {

nlohmann::json check_json(const zones::CheckSpec& check) {
  const zones::CheckSpec c = normalized_spec(check);  // normalized_spec makes the port explicit
  return nlohmann::json{{"type", check_type_name(c.type)},
                        {"port", c.port},
                        {"path", c.path},
                        {"host", c.host},
                        {"expect", c.expect},
                        {"body", c.body},
                        {"tls_verify", c.tls_verify},
                        {"query_name", c.query_name},
                        {"query_type", c.query_type},
                        {"command", c.command},
                        {"interval_ms", c.interval_ms},
                        {"fast_interval_ms", c.fast_interval_ms},
                        {"timeout_ms", c.timeout_ms},
                        {"rise", c.rise},
                        {"fall", c.fall}};
}

}  // namespace dnsd::health
