// The text of a zone's key state file (dnsd/dnssec/key_store.h describes the
// layout): the key records written as JSON and read back, with every mistake
// in a hand-edited file reported as "FILE: /json/pointer: message".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dnsd/dnssec/key_timeline.h"

namespace dnsd::dnssec {

/// The state file text for zone `origin` (canonical: lowercase, trailing dot)
/// holding `records`, in order. Any thread.
std::string key_state_text(const std::string& origin, const std::vector<KeyRecord>& records);

/// Parses state file `text` (`file` names it in errors) of zone `origin` into
/// `records`. Checks every field: types, ranges, algorithm names, key file
/// names (a plain name inside the directory), that the zone is `origin`, that
/// each key was published, and that no tag is used twice. False with `error`
/// naming the file and the JSON pointer of the first bad field. Any thread.
bool parse_key_state(std::string_view text, const std::string& file, const std::string& origin,
                     std::vector<KeyRecord>& records, std::string& error);

}  // namespace dnsd::dnssec
