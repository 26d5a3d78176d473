// Parses a zone file's text into JSON, turning syntax errors into
// "line L, column C" messages and catching repeated object keys, which a plain
// JSON parser silently resolves by dropping one of the values. Loader thread.
#pragma once

#include <atomic>
#include <string_view>

#include "zones/json_fields.h"

namespace dnsd::zones {

/// Parses `text` into `out`. On a syntax error reports it at pointer "" and
/// returns false. Repeated keys are reported at their pointer, and parsing
/// still succeeds so later checks can run. When `cancel` becomes true the
/// parse stops at the next object key and returns false, reporting nothing
/// (the caller says why). Never throws.
bool parse_json_document(std::string_view text, Json& out, LoadContext& ctx,
                         const std::atomic<bool>* cancel = nullptr);

/// 1-based line and column of byte `offset` in `text`, for error messages.
void line_and_column(std::string_view text, size_t offset, size_t& line, size_t& column);

}  // namespace dnsd::zones
