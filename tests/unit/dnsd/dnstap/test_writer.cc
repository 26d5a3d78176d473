// The writer thread with a file sink: every record pushed before stop() is
// in the Frame Streams file, read back with libfstrm's reader, as an
// AUTH_QUERY and an AUTH_RESPONSE; an absent collector drops and counts.
#include "dnsd/dnstap/writer.h"

#include <doctest.h>
#include <fstrm.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "dnstap.pb-c.h"

using namespace dnsd::dnstap;

namespace {

/// Reads every data frame of a Frame Streams file, decoded.
std::vector<Dnstap__Message__Type> read_types(const std::string& path, std::string& content_type) {
  std::vector<Dnstap__Message__Type> types;
  fstrm_file_options* fopt = fstrm_file_options_init();
  fstrm_file_options_set_file_path(fopt, path.c_str());
  fstrm_reader* r = fstrm_file_reader_init(fopt, nullptr);
  fstrm_file_options_destroy(&fopt);
  REQUIRE(r != nullptr);
  REQUIRE(fstrm_reader_open(r) == fstrm_res_success);
  const fstrm_control* start = nullptr;
  if (fstrm_reader_get_control(r, FSTRM_CONTROL_START, &start) == fstrm_res_success) {
    const uint8_t* type = nullptr;
    size_t length = 0;
    if (fstrm_control_get_field_content_type(start, 0, &type, &length) == fstrm_res_success)
      content_type.assign(reinterpret_cast<const char*>(type), length);
  }
  const uint8_t* data = nullptr;
  size_t length = 0;
  while (fstrm_reader_read(r, &data, &length) == fstrm_res_success) {
    Dnstap__Dnstap* d = dnstap__dnstap__unpack(nullptr, length, data);
    REQUIRE(d != nullptr);
    REQUIRE(d->message != nullptr);
    types.push_back(d->message->type);
    dnstap__dnstap__free_unpacked(d, nullptr);
  }
  fstrm_reader_destroy(&r);
  return types;
}

}  // namespace

TEST_CASE("dnstap writer: a file gets every record pushed before stop") {
  char path[] = "/tmp/dnsd-dnstap-test-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  WriterOptions options;
  options.sink = {Sink::Kind::File, path};
  options.rings = 2;
  options.identity = "test";
  options.version = "dnsd test";
  Writer writer(options);
  std::string error;
  REQUIRE(writer.open(error));
  writer.start();
  const std::vector<uint8_t> query{1, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}, response{1, 2, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  for (unsigned i = 0; i < 100; ++i) {
    RecordHeader h;
    h.has_response = i % 10 != 0;  // every tenth is a handed-off query
    REQUIRE(writer.ring(i % 2).push(h, query, response));
  }
  writer.stop();
  const DnstapTotals totals = writer.totals();
  CHECK(totals.written == 190);
  CHECK(totals.dropped == 0);
  std::string content_type;
  const auto types = read_types(path, content_type);
  CHECK(content_type == "protobuf:dnstap.Dnstap");
  CHECK(types.size() == 190);
  size_t queries = 0;
  for (auto t : types) queries += t == DNSTAP__MESSAGE__TYPE__AUTH_QUERY;
  CHECK(queries == 100);
  unlink(path);
}

TEST_CASE("dnstap writer: without a collector the rings drain and the messages count as dropped") {
  WriterOptions options;
  options.sink = {Sink::Kind::Unix, "/tmp/dnsd-dnstap-test-no-such-socket"};
  Writer writer(options);
  std::string error;
  REQUIRE(writer.open(error));  // an absent collector is no start-up error
  writer.start();
  RecordHeader h;
  h.has_response = true;
  const std::vector<uint8_t> query(20, 1);
  for (unsigned i = 0; i < 10; ++i) REQUIRE(writer.ring(0).push(h, query, query));
  writer.stop();
  const DnstapTotals totals = writer.totals();
  CHECK(totals.written == 0);
  CHECK(totals.dropped == 20);
  CHECK_FALSE(totals.connected);
}

TEST_CASE("dnstap writer: a file that cannot be opened is a start-up error") {
  WriterOptions options;
  options.sink = {Sink::Kind::File, "/nonexistent-dir/x.tap"};
  Writer writer(options);
  std::string error;
  CHECK_FALSE(writer.open(error));
  CHECK(error.find("/nonexistent-dir/x.tap") != std::string::npos);
}
