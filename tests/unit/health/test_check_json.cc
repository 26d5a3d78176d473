// The one JSON rendering of a check: effective port, normalized fields, fixed keys.
#include <doctest.h>

#include "health/check_json.h"

namespace zones = dnsd::zones;
using dnsd::health::check_json;

TEST_CASE("check_json shows the port probes go to, not 0 for the default") {
  zones::CheckSpec http;
  http.type = zones::CheckType::Http;
  CHECK(check_json(http)["port"] == 80);
  zones::CheckSpec https;
  https.type = zones::CheckType::Https;
  CHECK(check_json(https)["port"] == 443);
  zones::CheckSpec dns;
  dns.type = zones::CheckType::Dns;
  CHECK(check_json(dns)["port"] == 53);
  zones::CheckSpec tcp;
  tcp.type = zones::CheckType::Tcp;
  tcp.port = 8080;
  CHECK(check_json(tcp)["port"] == 8080);
}

TEST_CASE("check_json has every key for every type; tls_verify is true only for a verifying https check") {
  zones::CheckSpec https;
  https.type = zones::CheckType::Https;
  https.tls_verify = true;
  https.path = "/healthz";
  const auto j = check_json(https);
  CHECK(j["type"] == "https");
  CHECK(j["tls_verify"] == true);
  CHECK(j["path"] == "/healthz");
  for (const char* key : {"type", "port", "path", "host", "expect", "body", "tls_verify", "query_name", "query_type",
                          "edns", "transport", "expect_rcode", "expect_address", "expect_answer", "command", "interval_ms", "fast_interval_ms", "timeout_ms", "rise", "fall"})
    CHECK_MESSAGE(j.contains(key), key);

  zones::CheckSpec tcp = https;  // fields tcp ignores are shown at their defaults
  tcp.type = zones::CheckType::Tcp;
  tcp.port = 22;
  const auto t = check_json(tcp);
  CHECK(t["tls_verify"] == false);
  CHECK(t["path"] == "/");
  CHECK(t.size() == j.size());
}

TEST_CASE("check_json shows a dns check's EDNS, transport and expectations") {
  zones::CheckSpec dns;
  dns.type = zones::CheckType::Dns;
  auto j = check_json(dns);
  CHECK(j["edns"] == true);
  CHECK(j["transport"] == "udp");
  CHECK(j["expect_rcode"] == nlohmann::json::array({"NOERROR"}));
  CHECK(j["expect_address"] == "");
  CHECK(j["expect_answer"] == false);
  dns.edns = false;
  dns.transport = zones::DnsTransport::Tcp;
  dns.expect_rcode = {0, 3, 12};
  dns.expect_address = "192.0.2.1";
  dns.expect_answer = true;
  j = check_json(dns);
  CHECK(j["edns"] == false);
  CHECK(j["transport"] == "tcp");
  CHECK(j["expect_rcode"] == nlohmann::json::array({"NOERROR", "NXDOMAIN", "RCODE12"}));
  CHECK(j["expect_address"] == "192.0.2.1");
  CHECK(j["expect_answer"] == true);
  zones::CheckSpec http = dns;  // another type shows the defaults
  http.type = zones::CheckType::Http;
  CHECK(check_json(http)["expect_address"] == "");
  CHECK(check_json(http)["transport"] == "udp");
}
