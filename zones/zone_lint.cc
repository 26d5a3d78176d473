#include "zones/zone_lint.h"

#include "zones/rdata_parser.h"
#include "zones/zone.h"

namespace dnsd::zones {
namespace {

constexpr uint16_t kSpf = 99;
/// Longest suggested text quoted in full; longer ones are cut with "...".
constexpr size_t kMaxSuggestion = 60;

// BIND's `"part one" "part two"` read as its character-strings joined, as
// dnsd's TXT text would be written, and how many there are; nothing if `text`
// is not only quoted strings separated by blanks. Backslash escapes keep the
// escaped character.
std::optional<std::string> joined_quoted_strings(std::string_view text, size_t& strings) {
  std::string out;
  strings = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ' || text[i] == '\t') {
      ++i;
      continue;
    }
    if (text[i] != '"') return std::nullopt;
    ++strings;
    for (++i;; ++i) {
      if (i >= text.size()) return std::nullopt;
      if (text[i] == '"') break;
      if (text[i] == '\\' && i + 1 < text.size()) ++i;
      out.push_back(text[i]);
    }
    ++i;
  }
  return out;
}

std::string shortened(std::string text) {
  if (text.size() <= kMaxSuggestion) return text;
  return text.substr(0, kMaxSuggestion - 3) + "...";
}

}  // namespace

std::optional<std::string> lint_record_text(uint16_t type, std::string_view text) {
  if (type != rrtype::TXT && type != kSpf) return std::nullopt;
  if (text.size() < 2 || text.front() != '"' || text.back() != '"') return std::nullopt;
  size_t strings = 0;
  std::optional<std::string> joined = joined_quoted_strings(text, strings);
  bool split = joined && strings > 1;  // BIND's "..." "..." form
  std::string meant = joined ? *joined : std::string(text.substr(1, text.size() - 2));
  std::string message = rr_type_to_text(type) +
                        " string starts and ends with a double quote; dnsd takes JSON strings literally, so the "
                        "quotes are served as part of the text. Write \"" +
                        shortened(meant) + "\"";
  message += split ? " instead: dnsd cuts long text into 255-byte strings itself" : " without them";
  return message;
}

}  // namespace dnsd::zones
