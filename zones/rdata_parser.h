// Turns a record's presentation-format data ("10 mail", "0 issue \"ca.example\"")
// into uncompressed wire rdata with absolute names, using ldns for every type
// except the few where dnsd's zone format differs from RFC 1035 (TXT is plain
// text, not quoted strings). Loader and importer thread; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "zones/name.h"

namespace dnsd::zones {

/// A type from its mnemonic ("A", "https", case-insensitive) or RFC 3597 form
/// ("TYPE1234"). Returns false when neither. Any thread.
bool rr_type_from_text(std::string_view text, uint16_t& type);

/// The mnemonic of `type` ("AAAA"), or "TYPEn" when it has none. Any thread.
std::string rr_type_to_text(uint16_t type);

/// Why `type` may not appear in a zone file's "records", or nullptr when it may.
/// SOA has its own key, DNAME is unsupported, meta and DNSSEC-signing types
/// make no sense in an unsigned zone served by dnsd.
const char* rr_type_rejection(uint16_t type);

/// One record's data in the two forms the loader needs.
struct ParsedRdata {
  std::string wire;       ///< uncompressed rdata, names as written (case kept)
  std::string canonical;  ///< RFC 4034 6.2 canonical form (names lowercased), to find duplicates
};

/// Parses one record's data of `type`. Relative names in it are completed with
/// `origin`. On success fills `out` and returns true; on failure sets `error`
/// to a message that includes ldns's reason.
bool parse_rdata(uint16_t type, std::string_view data, const Name& origin, ParsedRdata& out, std::string& error);

/// Wire rdata of one TXT record holding `text`: the bytes split into as many
/// 255-byte character-strings as needed (one empty string for ""). Any thread.
std::string txt_rdata(std::string_view text);

}  // namespace dnsd::zones
