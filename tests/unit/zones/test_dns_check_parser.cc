// A dns check's own keys in zone JSON: defaults, every option, and each
// mistake reported at its JSON pointer.
#include <doctest.h>

#include <string>

#include "zones/pool_parser.h"

using namespace dnsd::zones;

namespace {

CheckSpec parse(const std::string& json, LoadContext& ctx) {
  return parse_check(Json::parse(json), "/pools/p/check", ctx);
}

CheckSpec must_parse(const std::string& json) {
  LoadContext ctx;
  ctx.file = "z.json";
  CheckSpec spec = parse(json, ctx);
  std::string errors;
  for (const auto& e : ctx.errors) errors += e.pointer + ": " + e.message + "\n";
  REQUIRE_MESSAGE(ctx.errors.empty(), errors);
  return spec;
}

// The one error of `json`: "pointer: message".
std::string error_of(const std::string& json) {
  LoadContext ctx;
  ctx.file = "z.json";
  parse(json, ctx);
  REQUIRE(ctx.errors.size() == 1);
  return ctx.errors[0].pointer + ": " + ctx.errors[0].message;
}

}  // namespace

TEST_CASE("dns check keys: defaults") {
  const CheckSpec spec = must_parse(R"({"type": "dns"})");
  CHECK(spec.edns);
  CHECK(spec.transport == DnsTransport::Udp);
  CHECK(spec.expect_rcode == std::vector<uint16_t>{0});
  CHECK(spec.expect_address.empty());
  CHECK_FALSE(spec.expect_answer);
}

TEST_CASE("dns check keys: every option") {
  const CheckSpec spec = must_parse(R"({"type": "dns", "query_name": "www.example.test", "query_type": "AAAA",
      "edns": false, "transport": "tcp", "expect_rcode": ["noerror", "NXDOMAIN", 5, "RCODE12"],
      "expect_address": "2001:DB8:0::1", "expect_answer": true})");
  CHECK_FALSE(spec.edns);
  CHECK(spec.transport == DnsTransport::Tcp);
  CHECK(spec.expect_rcode == std::vector<uint16_t>{0, 3, 5, 12});
  CHECK(spec.expect_address == "2001:db8::1");
  CHECK(spec.expect_answer);
  CHECK(must_parse(R"({"type": "dns", "expect_rcode": "SERVFAIL"})").expect_rcode == std::vector<uint16_t>{2});
  CHECK(must_parse(R"({"type": "dns", "expect_rcode": "BADVERS"})").expect_rcode == std::vector<uint16_t>{16});
  CHECK(must_parse(R"({"type": "dns", "query_type": "A", "expect_address": "192.0.2.1"})").expect_address ==
        "192.0.2.1");
  CHECK(must_parse(R"({"type": "dns", "query_type": "ANY", "expect_address": "192.0.2.1"})").expect_address ==
        "192.0.2.1");
}

TEST_CASE("dns check keys: mistakes name the pointer") {
  CHECK(error_of(R"({"type": "dns", "expect_rcode": "NOPE"})") ==
        "/pools/p/check/expect_rcode: must be an rcode name such as \"NOERROR\" or \"NXDOMAIN\", or a number from 0 "
        "to 4095, not \"NOPE\"");
  CHECK(error_of(R"({"type": "dns", "expect_rcode": ["NOERROR", 4096]})").rfind(
            "/pools/p/check/expect_rcode/1: must be an rcode name", 0) == 0);
  CHECK(error_of(R"({"type": "dns", "expect_rcode": []})") == "/pools/p/check/expect_rcode: must list at least one rcode");
  CHECK(error_of(R"({"type": "dns", "expect_rcode": true})").rfind("/pools/p/check/expect_rcode: must be", 0) == 0);
  CHECK(error_of(R"({"type": "dns", "transport": "quic"})") ==
        "/pools/p/check/transport: must be \"udp\" or \"tcp\", not \"quic\"");
  CHECK(error_of(R"({"type": "dns", "transport": 1})") == "/pools/p/check/transport: must be a string, not an integer");
  CHECK(error_of(R"({"type": "dns", "edns": "no"})") == "/pools/p/check/edns: must be true or false, not a string");
  CHECK(error_of(R"({"type": "dns", "expect_answer": 1})") ==
        "/pools/p/check/expect_answer: must be true or false, not an integer");
  CHECK(error_of(R"({"type": "dns", "query_type": "A", "expect_address": "192.0.2.300"})") ==
        "/pools/p/check/expect_address: \"192.0.2.300\" is not an IPv4 or IPv6 address");
  CHECK(error_of(R"({"type": "dns", "expect_address": "192.0.2.1"})") ==
        "/pools/p/check/expect_address: an IPv4 address is only in answers to \"query_type\": \"A\" (or \"ANY\"), "
        "and this check asks SOA");
  CHECK(error_of(R"({"type": "dns", "query_type": "A", "expect_address": "::1"})").find("\"AAAA\"") !=
        std::string::npos);
  CHECK(error_of(R"({"type": "http", "edns": false})") ==
        "/pools/p/check/edns: \"edns\" applies only to dns checks, not http");
  CHECK(error_of(R"({"type": "tcp", "port": 53, "expect_rcode": "NOERROR"})") ==
        "/pools/p/check/expect_rcode: \"expect_rcode\" applies only to dns checks, not tcp");
}
