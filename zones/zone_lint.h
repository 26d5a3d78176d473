// Lint for zone data that loads but is probably not what its author meant,
// such as TXT text pasted from a BIND zone file with its quotes. The loader
// reports what these find as warnings, at the record's JSON pointer; they
// never stop a zone from loading. Any thread; pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dnsd::zones {

/// The warning for one record's data `text` of `type`, or nothing when it
/// looks as meant. Today: TXT (and SPF) text that starts and ends with a
/// double quote, which dnsd would serve with the quotes, since its TXT data
/// is the plain text and not BIND's quoted character-strings.
std::optional<std::string> lint_record_text(uint16_t type, std::string_view text);

}  // namespace dnsd::zones
