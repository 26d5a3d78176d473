// The zone JSON loader (zones/json_loader.h) on arbitrary bytes, with and
// without a list of known TSIG keys. It must never crash or throw: a zone
// comes back with no errors, or no zone with at least one error located by a
// JSON pointer. A zone that loads must also build into a snapshot that
// answers its apex SOA.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dnsd/query/query.h"
#include "tests/fuzz/fuzz_fixture.h"
#include "zones/json_loader.h"
#include "zones/zone_set.h"

using namespace dnsd;

namespace {

/// An SOA query for `origin` (wire form).
std::vector<uint8_t> soa_query(const uint8_t* origin, size_t length) {
  std::vector<uint8_t> q = {0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  q.insert(q.end(), origin, origin + length);
  q.insert(q.end(), {0, 6, 0, 1});
  return q;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::set<std::string> keys = {"fuzz-key.", "xfr-key."};
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  zones::LoadOptions options;
  if (size % 2) options.tsig_keys = &keys;  // both ways, decided by the input
  const zones::LoadResult r = zones::load_zone_json(text, "fuzz.json", options);

  FUZZ_CHECK((r.zone != nullptr) == r.errors.empty());
  for (const zones::LoadError& e : r.errors) {
    FUZZ_CHECK(e.file == "fuzz.json");
    FUZZ_CHECK(e.pointer.empty() || e.pointer[0] == '/');
    FUZZ_CHECK(!e.message.empty());
    FUZZ_CHECK(e.to_string().rfind("fuzz.json: ", 0) == 0);
  }
  if (!r.zone) return 0;

  const auto set = std::make_shared<const zones::ZoneSet>(std::vector{r.zone});
  const auto snapshot = Snapshot::standalone(set);
  RotationState rotation;
  rotation.resize(set->rotation_slots());
  std::vector<uint8_t> response(kMaxMessage);
  const std::vector<uint8_t> q = soa_query(r.zone->origin(), r.zone->origin_length());
  const QueryResult answer = process_query(q, response, Transport::Tcp, *snapshot, rotation);
  FUZZ_CHECK(answer.action == QueryAction::Respond && answer.rcode == 0);
  FUZZ_CHECK(response[7] == 1);  // ANCOUNT: the SOA
  return 0;
}
