// `dnsd import`'s RFC 1035 reader and converter (zones/zone_importer.h) on
// arbitrary text, with and without --origin. It must never crash or throw,
// and keeps its promise: JSON comes back exactly when there are no errors,
// and that JSON loads with dnsd's own loader.
//
// $INCLUDE reads files: the text is anchored in a directory that does not
// exist, so relative names find nothing, and inputs that could name another
// directory ("$INCLUDE" and a '/') are rejected, so the fuzzer never reads
// /dev/zero or waits on a FIFO.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_fixture.h"
#include "zones/json_loader.h"
#include "zones/zone_importer.h"

using namespace dnsd;

namespace {

bool may_include_other_files(std::string_view text) {
  if (text.find('/') == std::string_view::npos) return false;
  static constexpr std::string_view kInclude = "$include";
  const auto it = std::search(text.begin(), text.end(), kInclude.begin(), kInclude.end(),
                              [](char a, char b) { return std::tolower(uint8_t(a)) == b; });
  return it != text.end();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (may_include_other_files(text)) return -1;  // not added to the corpus
  zones::ImportOptions options;
  if (size % 2) options.origin = "example.test.";  // both ways, decided by the input
  const zones::ImportResult r = zones::import_zone_text(text, "/nonexistent-dnsd-fuzz/zone.db", options);

  FUZZ_CHECK(r.ok() == !r.json.empty());
  for (const auto& m : r.errors) FUZZ_CHECK(!m.message.empty() && !m.to_string().empty());
  for (const auto& m : r.warnings) FUZZ_CHECK(!m.message.empty());
  if (!r.ok()) return 0;

  const zones::LoadResult loaded = zones::load_zone_json(r.json, "imported.json");
  if (!loaded.zone) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "imported JSON does not load: %s\n", e.to_string().c_str());
  }
  FUZZ_CHECK(loaded.zone != nullptr);
  return 0;
}
