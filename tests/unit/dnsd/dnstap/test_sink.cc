// --dnstap values: unix:PATH and file:PATH, and clear errors for the rest.
#include "dnsd/dnstap/sink.h"

#include <doctest.h>

#include <string>

using namespace dnsd::dnstap;

TEST_CASE("dnstap sink: unix and file paths parse") {
  Sink sink;
  std::string error;
  REQUIRE(parse_sink("unix:/run/dnstap.sock", sink, error));
  CHECK(sink.kind == Sink::Kind::Unix);
  CHECK(sink.path == "/run/dnstap.sock");
  CHECK(sink.to_string() == "unix:/run/dnstap.sock");
  REQUIRE(parse_sink("file:/var/log/dnsd.tap", sink, error));
  CHECK(sink.kind == Sink::Kind::File);
  CHECK(sink.path == "/var/log/dnsd.tap");
}

TEST_CASE("dnstap sink: bad values are refused with a reason") {
  Sink sink;
  std::string error;
  CHECK_FALSE(parse_sink("/tmp/x", sink, error));
  CHECK(error.find("unix:PATH") != std::string::npos);
  CHECK_FALSE(parse_sink("file:", sink, error));
  CHECK(error == "the path is empty");
  CHECK_FALSE(parse_sink("unix:/" + std::string(200, 'a'), sink, error));
  CHECK(error.find("at most") != std::string::npos);
}
