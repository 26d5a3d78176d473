#include "zones/json_fields.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace dnsd::zones {
namespace {

// Edit distance counting a swap of neighbours as one edit (optimal string
// alignment), for "did you mean" on unknown keys: "paht" is one from "path".
size_t edit_distance(std::string_view a, std::string_view b) {
  auto same = [](char x, char y) { return std::tolower((unsigned char)x) == std::tolower((unsigned char)y); };
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (same(a[i - 1], b[j - 1]) ? 0 : 1)});
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1]))
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

void LoadContext::error(std::string pointer, std::string message) {
  errors.push_back(LoadError{file, std::move(pointer), std::move(message)});
}

void LoadContext::warn(std::string pointer, std::string message) {
  warnings.push_back(LoadError{file, std::move(pointer), std::move(message)});
}

std::string pointer_escape(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out.push_back(c);
  }
  return out;
}

std::string pointer_append(std::string_view base, std::string_view key) {
  return std::string(base) + "/" + pointer_escape(key);
}

std::string pointer_append(std::string_view base, size_t index) {
  return std::string(base) + "/" + std::to_string(index);
}

const char* json_type_words(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer";
    case Json::value_t::number_float: return "a number with a fraction";
    default: return "an unsupported value";
  }
}

std::string json_quote(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

bool expect_object(const Json& value, const std::string& pointer, LoadContext& ctx) {
  if (value.is_object()) return true;
  ctx.error(pointer, std::string("must be an object, not ") + json_type_words(value));
  return false;
}

void check_keys(const Json& object, std::initializer_list<std::string_view> allowed, const std::string& pointer,
                LoadContext& ctx) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string message = "unknown key " + in_quotes(key);
    std::string_view best;
    size_t best_distance = 3;
    for (std::string_view candidate : allowed) {
      size_t d = edit_distance(key, candidate);
      if (d < best_distance) {
        best_distance = d;
        best = candidate;
      }
    }
    if (!best.empty()) {
      message += " (did you mean " + in_quotes(best) + "?)";
    } else {
      message += "; allowed here:";
      const char* separator = " ";
      for (std::string_view candidate : allowed) {
        message += separator + in_quotes(candidate);
        separator = ", ";
      }
    }
    ctx.error(pointer_append(pointer, key), message);
  }
}

void missing_key(std::string_view key, const std::string& pointer, LoadContext& ctx) {
  ctx.error(pointer, "missing required key " + in_quotes(key));
}

bool read_integer(const Json& object, std::string_view key, const std::string& pointer, int64_t min, int64_t max,
                  int64_t& out, LoadContext& ctx) {
  auto it = object.find(key);
  if (it == object.end()) return true;
  std::string at = pointer_append(pointer, key);
  std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!it->is_number_integer()) {
    // Integers too large for 64 bits arrive as floats; call them out of range, not fractional.
    bool whole = it->is_number_float() && std::trunc(it->get<double>()) == it->get<double>();
    ctx.error(at, "must be " + range + ", not " + (whole ? json_quote(*it) : json_type_words(*it)));
    return false;
  }
  bool in_range;
  int64_t value = 0;
  if (it->is_number_unsigned()) {
    uint64_t u = it->get<uint64_t>();
    in_range = u <= uint64_t(max) && int64_t(u) >= min;
    value = int64_t(u);
  } else {
    value = it->get<int64_t>();
    in_range = value >= min && value <= max;
  }
  if (!in_range) {
    ctx.error(at, "must be " + range + ", not " + json_quote(*it));
    return false;
  }
  out = value;
  return true;
}

bool read_string(const Json& object, std::string_view key, const std::string& pointer, std::string& out,
                 LoadContext& ctx) {
  auto it = object.find(key);
  if (it == object.end()) return true;
  if (!it->is_string()) {
    ctx.error(pointer_append(pointer, key), std::string("must be a string, not ") + json_type_words(*it));
    return false;
  }
  out = it->get<std::string>();
  return true;
}

bool read_bool(const Json& object, std::string_view key, const std::string& pointer, bool& out, LoadContext& ctx) {
  auto it = object.find(key);
  if (it == object.end()) return true;
  if (!it->is_boolean()) {
    ctx.error(pointer_append(pointer, key), std::string("must be true or false, not ") + json_type_words(*it));
    return false;
  }
  out = it->get<bool>();
  return true;
}

bool read_seconds(const Json& object, std::string_view key, const std::string& pointer, double max_seconds,
                  uint32_t& out_ms, LoadContext& ctx) {
  auto it = object.find(key);
  if (it == object.end()) return true;
  std::string at = pointer_append(pointer, key);
  if (!it->is_number()) {
    ctx.error(at, std::string("must be a number of seconds, not ") + json_type_words(*it));
    return false;
  }
  double seconds = it->get<double>();
  if (!std::isfinite(seconds) || seconds <= 0 || seconds > max_seconds) {
    char limit[32];
    snprintf(limit, sizeof limit, "%g", max_seconds);
    ctx.error(at, "must be more than 0 and at most " + std::string(limit) + " seconds, not " + json_quote(*it));
    return false;
  }
  double ms = std::round(seconds * 1000.0);
  out_ms = ms < 1 ? 1u : uint32_t(ms);
  return true;
}

bool read_ttl(const Json& object, std::string_view key, const std::string& pointer, uint32_t& out, LoadContext& ctx) {
  int64_t value = out;
  if (!read_integer(object, key, pointer, 0, kMaxTtl, value, ctx)) return false;
  out = uint32_t(value);
  return true;
}

}  // namespace dnsd::zones
