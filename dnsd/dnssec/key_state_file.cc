#include "dnsd/dnssec/key_state_file.h"

#include <cstdint>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "zones/json_document.h"
#include "zones/json_fields.h"

namespace dnsd::dnssec {
namespace {

using zones::Json;
using zones::LoadContext;

/// The time fields of a record, in file order.
constexpr const char* kTimeFields[] = {"created", "published", "active", "retired", "removed", "ds_seen"};

int64_t* time_field(KeyRecord& record, std::string_view name) {
  if (name == "created") return &record.created;
  if (name == "published") return &record.published;
  if (name == "active") return &record.active;
  if (name == "retired") return &record.retired;
  if (name == "removed") return &record.removed;
  return &record.ds_seen;
}

/// Reads a required string field; reports it missing.
bool read_required_string(const Json& object, std::string_view key, const std::string& pointer, std::string& out,
                          LoadContext& ctx) {
  if (!object.contains(key)) {
    zones::missing_key(key, pointer, ctx);
    return false;
  }
  return zones::read_string(object, key, pointer, out, ctx);
}

/// Reads one record at `pointer`; false after reporting a problem.
bool read_record(const Json& value, const std::string& pointer, KeyRecord& record, LoadContext& ctx) {
  if (!zones::expect_object(value, pointer, ctx)) return false;
  const size_t errors = ctx.error_count();
  zones::check_keys(value, {"tag", "algorithm", "file", "created", "published", "active", "retired", "removed",
                            "ds_seen"},
                    pointer, ctx);
  int64_t tag = -1;
  if (!value.contains("tag")) zones::missing_key("tag", pointer, ctx);
  zones::read_integer(value, "tag", pointer, 0, 65535, tag, ctx);
  record.tag = uint16_t(tag);

  std::string algorithm;
  if (read_required_string(value, "algorithm", pointer, algorithm, ctx)) {
    if (const auto parsed = algorithm_from_name(algorithm))
      record.algorithm = *parsed;
    else
      ctx.error(zones::pointer_append(pointer, "algorithm"),
                "unknown algorithm " + zones::json_quote(value["algorithm"]) + "; expected " +
                    algorithm_name(Algorithm::EcdsaP256Sha256) + " or " + algorithm_name(Algorithm::Ed25519));
  }
  if (read_required_string(value, "file", pointer, record.file, ctx) &&
      (record.file.empty() || record.file.find('/') != std::string::npos ||
       record.file.find('\0') != std::string::npos || record.file == "." || record.file == ".."))
    ctx.error(zones::pointer_append(pointer, "file"), "must be a file name inside the key directory, not " +
                                                          zones::json_quote(value["file"]));

  for (const char* field : kTimeFields)
    zones::read_integer(value, field, pointer, 0, std::numeric_limits<int64_t>::max() / 2, *time_field(record, field),
                        ctx);
  if (ctx.error_count() == errors && record.published == 0)
    ctx.error(zones::pointer_append(pointer, "published"), "every key must have been published (not 0)");
  return ctx.error_count() == errors;
}

}  // namespace

std::string key_state_text(const std::string& origin, const std::vector<KeyRecord>& records) {
  nlohmann::ordered_json keys = nlohmann::ordered_json::array();
  for (const KeyRecord& r : records) {
    KeyRecord copy = r;
    nlohmann::ordered_json key{{"tag", r.tag}, {"algorithm", algorithm_name(r.algorithm)}, {"file", r.file}};
    for (const char* field : kTimeFields) key[field] = *time_field(copy, field);
    keys.push_back(std::move(key));
  }
  nlohmann::ordered_json doc{{"zone", origin}, {"keys", std::move(keys)}};
  return doc.dump(2) + "\n";
}

bool parse_key_state(std::string_view text, const std::string& file, const std::string& origin,
                     std::vector<KeyRecord>& records, std::string& error) {
  LoadContext ctx;
  ctx.file = file;
  auto failed = [&] {
    error = ctx.errors.front().to_string();
    return false;
  };
  Json doc;
  if (!zones::parse_json_document(text, doc, ctx) || !ctx.errors.empty() || !zones::expect_object(doc, "", ctx))
    return failed();
  zones::check_keys(doc, {"zone", "keys"}, "", ctx);
  std::string zone;
  if (read_required_string(doc, "zone", "", zone, ctx) && zone != origin)
    ctx.error("/zone", "is " + zones::json_quote(doc["zone"]) + ", but this file is for " + origin);
  if (!doc.contains("keys")) {
    zones::missing_key("keys", "", ctx);
  } else if (!doc["keys"].is_array()) {
    ctx.error("/keys", std::string("must be an array, not ") + zones::json_type_words(doc["keys"]));
  } else {
    std::vector<KeyRecord> parsed;
    std::set<uint16_t> tags;
    const Json& keys = doc["keys"];
    for (size_t i = 0; i < keys.size(); ++i) {
      const std::string pointer = zones::pointer_append("/keys", i);
      KeyRecord record;
      if (!read_record(keys[i], pointer, record, ctx)) continue;
      if (!tags.insert(record.tag).second)
        ctx.error(zones::pointer_append(pointer, "tag"), "key tag " + std::to_string(record.tag) + " is used twice");
      parsed.push_back(std::move(record));
    }
    if (ctx.errors.empty()) records = std::move(parsed);
  }
  if (!ctx.errors.empty()) return failed();
  return true;
}

}  // namespace dnsd::dnssec
