// The JSON Schema (draft 2020-12) of the zone file format, printed by
// `dnsd schema` so editors can complete and check zone files as they are typed.
// The loader stays the authority: the schema catches shape and key mistakes,
// the loader also checks record data, names and cross-references.
#pragma once

#include <string_view>

namespace dnsd::zones {

/// The schema document, as JSON text. Any thread.
std::string_view zone_schema_json();

}  // namespace dnsd::zones
