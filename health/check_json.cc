#include "health/check_json.h"

#include "health/check.h"
#include "zones/rcode.h"

namespace dnsd::health {

namespace {

// Rcodes by name ("NOERROR"), as a zone file may write them.
nlohmann::json rcode_names(const std::vector<uint16_t>& rcodes) {
  nlohmann::json names = nlohmann::json::array();
  for (uint16_t rcode : rcodes) names.push_back(zones::rcode_name(rcode));
  return names;
}

}  // namespace

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
                        {"edns", c.edns},
                        {"transport", c.transport == zones::DnsTransport::Tcp ? "tcp" : "udp"},
                        {"expect_rcode", rcode_names(c.expect_rcode)},
                        {"expect_address", c.expect_address},
                        {"expect_answer", c.expect_answer},
                        {"command", c.command},
                        {"interval_ms", c.interval_ms},
                        {"fast_interval_ms", c.fast_interval_ms},
                        {"timeout_ms", c.timeout_ms},
                        {"rise", c.rise},
                        {"fall", c.fall}};
}

}  // namespace dnsd::health
