// The browser-safety decision: Host names the listener, Origin is the API's
// own, and state changes carry application/json.
#include "dnsd/control/request_guard.h"

#include <doctest.h>

#include <initializer_list>
#include <utility>

namespace {

using dnsd::HttpRequest;
using dnsd::RequestGuard;

RequestGuard tcp(const char* text) {
  dnsd::ListenAddress address;
  std::string error;
  REQUIRE_MESSAGE(dnsd::parse_listen_address(text, address, error), error);
  return RequestGuard::for_tcp(address);
}

HttpRequest request(const char* method, std::initializer_list<std::pair<const char*, const char*>> headers) {
  HttpRequest r;
  r.method = method;
  r.path = "/api/drain";
  for (const auto& [name, value] : headers) r.headers[name] = value;
  return r;
}

}  // namespace

TEST_CASE("Host must name the listen address or localhost with its port") {
  const RequestGuard g = tcp("127.0.0.1:8053");
  CHECK(g.host_names_listener("127.0.0.1:8053"));
  CHECK(g.host_names_listener("localhost:8053"));
  CHECK(g.host_names_listener("LocalHost:8053"));
  CHECK_FALSE(g.host_names_listener("evil.example:8053"));  // a rebound name
  CHECK_FALSE(g.host_names_listener("127.0.0.1:8054"));
  CHECK_FALSE(g.host_names_listener("localhost:80"));
  CHECK_FALSE(g.host_names_listener("127.0.0.1"));  // port 80 implied
  CHECK_FALSE(g.host_names_listener("127.0.0.2:8053"));
  CHECK_FALSE(g.host_names_listener("localhost.:8053"));
  CHECK_FALSE(g.host_names_listener("127.0.0.1.evil.example:8053"));
  CHECK_FALSE(g.host_names_listener("user@127.0.0.1:8053"));
  CHECK_FALSE(g.host_names_listener("127.0.0.1:8053/x"));
  CHECK_FALSE(g.host_names_listener("127.0.0.1:"));
  CHECK_FALSE(g.host_names_listener("127.0.0.1:08053x"));
  CHECK_FALSE(g.host_names_listener(":8053"));
  CHECK_FALSE(g.host_names_listener(""));
  CHECK_FALSE(g.host_names_listener("[::1]:8053"));
  CHECK(g.expected_hosts() == "127.0.0.1:8053 or localhost:8053");
}

TEST_CASE("IPv6 hosts are compared numerically, with brackets") {
  const RequestGuard g = tcp("[::1]:8053");
  CHECK(g.host_names_listener("[::1]:8053"));
  CHECK(g.host_names_listener("[0:0:0:0:0:0:0:1]:8053"));
  CHECK(g.host_names_listener("localhost:8053"));
  CHECK_FALSE(g.host_names_listener("::1:8053"));
  CHECK_FALSE(g.host_names_listener("[::2]:8053"));
  CHECK_FALSE(g.host_names_listener("[::1%25lo]:8053"));
  CHECK_FALSE(g.host_names_listener("127.0.0.1:8053"));
}

TEST_CASE("port 80 may be left out") {
  const RequestGuard g = tcp("127.0.0.1:80");
  CHECK(g.host_names_listener("127.0.0.1"));
  CHECK(g.host_names_listener("127.0.0.1:80"));
  CHECK(g.host_names_listener("localhost"));
  CHECK_FALSE(g.host_names_listener("evil.example"));
  CHECK(tcp("[::1]:80").host_names_listener("[::1]"));
}

TEST_CASE("a wildcard listener takes any IP literal of its family with its port, never a name") {
  const RequestGuard g = tcp("0.0.0.0:8053");
  CHECK(g.host_names_listener("192.0.2.10:8053"));
  CHECK(g.host_names_listener("localhost:8053"));
  CHECK_FALSE(g.host_names_listener("dns1.example:8053"));
  CHECK_FALSE(g.host_names_listener("192.0.2.10:9000"));
  CHECK_FALSE(g.host_names_listener("[2001:db8::1]:8053"));
  CHECK(tcp("[::]:8053").host_names_listener("[2001:db8::1]:8053"));
  CHECK(g.expected_hosts().find("port 8053") != std::string::npos);
}

TEST_CASE("a UNIX socket does not check Host") {
  const RequestGuard g = RequestGuard::for_unix_socket();
  CHECK(g.host_names_listener("anything"));
  CHECK(g.check(request("GET", {{"host", "evil.example"}})).accepted());
  // Origin and Content-Type still hold.
  CHECK(g.check(request("GET", {{"host", "localhost"}, {"origin", "http://evil.example"}})).status == 403);
  CHECK(g.check(request("POST", {{"host", "localhost"}, {"content-type", "text/plain"}})).status == 415);
  CHECK(g.check(request("POST", {{"host", "localhost"}, {"content-type", "application/json"}})).accepted());
}

TEST_CASE("JSON content types") {
  CHECK(dnsd::is_json_content_type("application/json"));
  CHECK(dnsd::is_json_content_type("Application/JSON; charset=utf-8"));
  CHECK(dnsd::is_json_content_type("  application/json  ;charset=UTF-8"));
  CHECK_FALSE(dnsd::is_json_content_type(""));
  CHECK_FALSE(dnsd::is_json_content_type("text/plain"));
  CHECK_FALSE(dnsd::is_json_content_type("text/plain; application/json"));
  CHECK_FALSE(dnsd::is_json_content_type("application/x-www-form-urlencoded"));
  CHECK_FALSE(dnsd::is_json_content_type("multipart/form-data; boundary=x"));
  CHECK_FALSE(dnsd::is_json_content_type("application/json, text/plain"));  // two headers, joined
  CHECK_FALSE(dnsd::is_json_content_type("text/plain, application/json"));
  CHECK_FALSE(dnsd::is_json_content_type("application/jsonx"));
  CHECK_FALSE(dnsd::is_json_content_type("application/json-seq"));
}

TEST_CASE("methods that change state") {
  for (const char* m : {"POST", "PUT", "PATCH", "DELETE", "PROPFIND", "post"}) CHECK(dnsd::changes_state(m));
  for (const char* m : {"GET", "HEAD", "OPTIONS"}) CHECK_FALSE(dnsd::changes_state(m));
}

TEST_CASE("own origin") {
  CHECK(dnsd::is_own_origin("http://127.0.0.1:8053", "127.0.0.1:8053"));
  CHECK(dnsd::is_own_origin("HTTP://LOCALHOST:8053", "localhost:8053"));
  CHECK(dnsd::is_own_origin("http://[::1]:8053", "[::1]:8053"));
  CHECK(dnsd::is_own_origin("http://127.0.0.1", "127.0.0.1:80"));
  CHECK_FALSE(dnsd::is_own_origin("https://127.0.0.1:8053", "127.0.0.1:8053"));
  CHECK_FALSE(dnsd::is_own_origin("http://evil.example", "127.0.0.1:8053"));
  CHECK_FALSE(dnsd::is_own_origin("http://localhost:8053", "127.0.0.1:8053"));
  CHECK_FALSE(dnsd::is_own_origin("http://127.0.0.1:8054", "127.0.0.1:8053"));
  CHECK_FALSE(dnsd::is_own_origin("null", "127.0.0.1:8053"));
  CHECK_FALSE(dnsd::is_own_origin("http://127.0.0.1:8053/", "127.0.0.1:8053"));
  CHECK_FALSE(dnsd::is_own_origin("http://127.0.0.1:8053, http://evil.example", "127.0.0.1:8053"));
  CHECK_FALSE(dnsd::is_own_origin("http://", ""));
}

TEST_CASE("check: the first broken rule decides, for every method") {
  const RequestGuard g = tcp("127.0.0.1:8053");
  const char* own = "127.0.0.1:8053";

  CHECK(g.check(request("GET", {{"host", own}})).accepted());
  CHECK(g.check(request("GET", {})).accepted());  // no Host (HTTP/1.0): not a browser
  CHECK(g.check(request("POST", {{"host", own}, {"content-type", "application/json"}})).accepted());
  CHECK(g.check(request("POST", {{"host", "localhost:8053"}, {"origin", "http://localhost:8053"},
                                 {"content-type", "application/json; charset=utf-8"}}))
            .accepted());  // the dashboard's own POST

  const dnsd::GuardVerdict rebound = g.check(request("GET", {{"host", "evil.example:8053"}}));
  CHECK(rebound.status == 403);
  CHECK(rebound.reason.find("'evil.example:8053'") != std::string::npos);
  CHECK(rebound.reason.find("127.0.0.1:8053 or localhost:8053") != std::string::npos);

  for (const char* method : {"GET", "POST", "OPTIONS", "DELETE"}) {
    const dnsd::GuardVerdict v = g.check(
        request(method, {{"host", own}, {"origin", "http://evil.example"}, {"content-type", "application/json"}}));
    CHECK_MESSAGE(v.status == 403, method);
    CHECK(v.reason.find("http://evil.example") != std::string::npos);
  }
  CHECK(g.check(request("GET", {{"origin", "http://127.0.0.1:8053"}})).status == 403);  // Origin without Host
  CHECK(g.check(request("GET", {{"host", own}, {"origin", "null"}})).status == 403);

  const dnsd::GuardVerdict text = g.check(request("POST", {{"host", own}, {"content-type", "text/plain"}}));
  CHECK(text.status == 415);
  CHECK(text.reason.find("got 'text/plain'") != std::string::npos);
  CHECK(g.check(request("POST", {{"host", own}})).reason.find("none sent") != std::string::npos);
  CHECK(g.check(request("PUT", {{"host", own}, {"content-type", "application/x-www-form-urlencoded"}})).status ==
        415);
  CHECK(g.check(request("OPTIONS", {{"host", own}})).accepted());  // no preflight is granted later either

  // Host is judged before Origin, Origin before Content-Type.
  CHECK(g.check(request("POST", {{"host", "evil.example:8053"}, {"origin", "http://evil.example:8053"}}))
            .reason.find("Host") == 0);
  CHECK(g.check(request("POST", {{"host", own}, {"origin", "http://evil.example"}})).status == 403);
}

TEST_CASE("header values in reasons are printable and bounded") {
  const RequestGuard g = tcp("127.0.0.1:8053");
  const dnsd::GuardVerdict v = g.check(request("GET", {{"host", "\xff\x01zz"}}));
  CHECK(v.status == 403);
  CHECK(v.reason.find("'??zz'") != std::string::npos);
  const std::string long_host(500, 'a');
  CHECK(g.check(request("GET", {{"host", long_host.c_str()}})).reason.size() < 300);
}
