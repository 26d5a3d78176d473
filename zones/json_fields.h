// Reading typed fields out of a zone file's JSON while collecting every error
// with its RFC 6901 pointer. The loader and its helpers (pools, SOA, records)
// share these so that each mistake is reported once, in one wording, and the
// loader never stops at the first error. Loader thread only.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "zones/json_loader.h"

namespace dnsd::zones {

/// The JSON type the loader works on. Objects are sorted maps, so a file's
/// errors come out in key order; nlohmann::ordered_json would keep file order,
/// but its lookups are linear, and zones with 100k owners must load in seconds.
using Json = nlohmann::json;

/// Errors and warnings of one file being loaded.
struct LoadContext {
  std::string file;
  std::vector<LoadError> errors;
  std::vector<LoadError> warnings;
  /// Records one error at `pointer`.
  void error(std::string pointer, std::string message);
  /// Records one warning at `pointer`: the file still loads.
  void warn(std::string pointer, std::string message);
  /// Errors recorded so far; compare before and after a step to see if it failed.
  size_t error_count() const { return errors.size(); }
};

/// Escapes one reference token per RFC 6901 ("~" -> "~0", "/" -> "~1").
std::string pointer_escape(std::string_view token);
/// `base` + "/" + escaped `key`.
std::string pointer_append(std::string_view base, std::string_view key);
/// `base` + "/" + `index`.
std::string pointer_append(std::string_view base, size_t index);

/// JSON type in words ("a string", "an array", ...) for messages.
const char* json_type_words(const Json& value);
/// A JSON value quoted for a message, shortened when long.
std::string json_quote(const Json& value);

/// Reports an error unless `value` is an object; returns whether it is.
bool expect_object(const Json& value, const std::string& pointer, LoadContext& ctx);

/// Reports every key of `object` that is not in `allowed`, suggesting the
/// nearest allowed key when one is a likely typo.
void check_keys(const Json& object, std::initializer_list<std::string_view> allowed, const std::string& pointer,
                LoadContext& ctx);

/// Reports that required `key` is absent from the object at `pointer`.
void missing_key(std::string_view key, const std::string& pointer, LoadContext& ctx);

/// Field readers. Each looks up `key` in `object` (at `pointer`). Absent: returns
/// true and leaves `out` alone, so `out` keeps its default. Present and valid:
/// sets `out`, returns true. Present and invalid: reports and returns false.
bool read_integer(const Json& object, std::string_view key, const std::string& pointer, int64_t min, int64_t max,
                  int64_t& out, LoadContext& ctx);
bool read_string(const Json& object, std::string_view key, const std::string& pointer, std::string& out,
                 LoadContext& ctx);
bool read_bool(const Json& object, std::string_view key, const std::string& pointer, bool& out, LoadContext& ctx);
/// Seconds (a number, fractions allowed) in (0, max_seconds], stored as milliseconds (at least 1).
bool read_seconds(const Json& object, std::string_view key, const std::string& pointer, double max_seconds,
                  uint32_t& out_ms, LoadContext& ctx);

/// Largest TTL RFC 2181 section 8 allows.
inline constexpr int64_t kMaxTtl = 2147483647;

/// Reads a TTL ("ttl" and friends): an integer in 0..2147483647.
bool read_ttl(const Json& object, std::string_view key, const std::string& pointer, uint32_t& out, LoadContext& ctx);

}  // namespace dnsd::zones
