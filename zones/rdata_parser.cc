#include "zones/rdata_parser.h"

#include <arpa/inet.h>
#include "zones/ldns.h"

#include <cctype>
#include <memory>

#include "zones/zone.h"

namespace dnsd::zones {
namespace {

constexpr uint16_t kSpf = 99;

struct RdfDeleter {
  void operator()(ldns_rdf* p) const { ldns_rdf_deep_free(p); }
};
struct RrDeleter {
  void operator()(ldns_rr* p) const { ldns_rr_free(p); }
};
struct BufferDeleter {
  void operator()(ldns_buffer* p) const { ldns_buffer_free(p); }
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::toupper((unsigned char)a[i]) != std::toupper((unsigned char)b[i])) return false;
  return true;
}

bool parse_address(int family, std::string_view data, std::string& wire, std::string& error) {
  char buffer[64];  // a C string for inet_pton, on the stack for any address-sized text
  std::string long_text;
  const char* text = buffer;
  if (data.size() < sizeof buffer) {
    data.copy(buffer, data.size());
    buffer[data.size()] = '\0';
  } else {
    long_text.assign(data);
    text = long_text.c_str();
  }
  unsigned char bytes[16];
  if (inet_pton(family, text, bytes) != 1) {
    error = "\"" + std::string(data) + "\" is not an " + (family == AF_INET ? "IPv4" : "IPv6") + " address";
    return false;
  }
  wire.assign(reinterpret_cast<const char*>(bytes), family == AF_INET ? 4 : 16);
  return true;
}

// Uncompressed wire form of an ldns record's rdata.
bool rdata_wire(const ldns_rr* rr, std::string& wire) {
  std::unique_ptr<ldns_buffer, BufferDeleter> buffer(ldns_buffer_new(512));
  if (!buffer || ldns_rr_rdata2buffer_wire(buffer.get(), rr) != LDNS_STATUS_OK) return false;
  wire.assign(reinterpret_cast<const char*>(ldns_buffer_begin(buffer.get())), ldns_buffer_position(buffer.get()));
  return true;
}

// Everything else goes through ldns's own zone-file parser, given one RR line.
bool parse_with_ldns(uint16_t type, std::string_view data, const Name& origin, ParsedRdata& out, std::string& error) {
  std::unique_ptr<ldns_rdf, RdfDeleter> origin_rdf(
      ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, origin.size(), origin.data()));
  if (!origin_rdf) {
    error = "out of memory";
    return false;
  }
  std::string line = origin.text() + " 0 IN " + rr_type_to_text(type) + " " + std::string(data);
  ldns_rr* raw = nullptr;
  ldns_rdf* previous = nullptr;
  ldns_status status = ldns_rr_new_frm_str(&raw, line.c_str(), 0, origin_rdf.get(), &previous);
  if (previous) ldns_rdf_deep_free(previous);
  std::unique_ptr<ldns_rr, RrDeleter> rr(raw);
  if (status != LDNS_STATUS_OK || !rr) {
    error = "cannot parse " + rr_type_to_text(type) + " data \"" + std::string(data) +
            "\": " + ldns_get_errorstr_by_id(status);
    return false;
  }
  if (ldns_rr_get_type(rr.get()) != type) {
    error = "cannot parse " + rr_type_to_text(type) + " data \"" + std::string(data) + "\": it reads as a " +
            rr_type_to_text(uint16_t(ldns_rr_get_type(rr.get()))) + " record";
    return false;
  }
  if (!rdata_wire(rr.get(), out.wire)) {
    error = "cannot encode " + rr_type_to_text(type) + " data \"" + std::string(data) + "\"";
    return false;
  }
  ldns_rr2canonical(rr.get());  // lowercases the embedded names of the types RFC 4034 6.2 lists
  if (!rdata_wire(rr.get(), out.canonical)) out.canonical = out.wire;
  return true;
}

// Appends the wire form of a name in its plainest spelling: labels of 1 to 63
// letters, digits, '-', '_' or '*' between single dots, relative (completed
// with `origin`) or absolute. False for anything else (escapes, "@", quotes,
// over-long names), which ldns reads instead.
bool plain_name(std::string_view text, const Name& origin, std::string& wire) {
  size_t start = wire.size(), label = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '.') {
      unsigned char c = text[i];
      if (!std::isalnum(c) && c != '-' && c != '_' && c != '*') return false;
      continue;
    }
    size_t length = i - label;
    if (length == 0 || length > 63) return false;
    wire.push_back(char(length));
    wire.append(text.substr(label, length));
    label = i + 1;
    if (i + 1 == text.size()) {  // a trailing dot: absolute
      wire.push_back('\0');
      return wire.size() - start <= kMaxNameLength;
    }
  }
  wire += origin.wire;
  return wire.size() - start <= kMaxNameLength;
}

// Appends a 16-bit number written as 1 to 5 plain digits; false otherwise.
bool plain_u16(std::string_view text, std::string& wire) {
  if (text.empty() || text.size() > 5) return false;
  uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + uint32_t(c - '0');
  }
  if (value > 65535) return false;
  wire.push_back(char(value >> 8));
  wire.push_back(char(value));
  return true;
}

// NS, CNAME, PTR, MX and SRV data in the plain spelling nearly every zone uses
// ("10 mail", "0 5 5060 sip.example."), encoded here without ldns; false when
// the text is anything else, and ldns reads it. Gives what ldns gives.
bool parse_plain(uint16_t type, std::string_view data, const Name& origin, ParsedRdata& out) {
  size_t numbers;
  switch (type) {
    case rrtype::NS: case rrtype::CNAME: case rrtype::PTR: numbers = 0; break;
    case rrtype::MX: numbers = 1; break;
    case rrtype::SRV: numbers = 3; break;
    default: return false;
  }
  out.wire.clear();
  for (size_t i = 0; i < numbers; ++i) {
    size_t space = data.find(' ');
    if (space == std::string_view::npos || !plain_u16(data.substr(0, space), out.wire)) return false;
    data.remove_prefix(space + 1);
  }
  size_t name_at = out.wire.size();
  if (!plain_name(data, origin, out.wire)) return false;
  out.canonical = out.wire;
  for (size_t i = name_at; i < out.canonical.size(); ++i) out.canonical[i] = char(lower_byte(uint8_t(out.canonical[i])));
  return true;
}

// Rdata must fit its 16-bit length field.
bool check_length(uint16_t type, bool ok, const ParsedRdata& out, std::string& error) {
  if (ok && out.wire.size() > 65535) {
    error = rr_type_to_text(type) + " data is longer than 65535 bytes in wire form";
    return false;
  }
  return ok;
}

}  // namespace

bool rr_type_from_text(std::string_view text, uint16_t& type) {
  // RFC 3597's TYPEnnn is read here and never by ldns, whose atoi turns
  // "TYPE-1" into a value outside its enum.
  if (text.size() >= 4 && iequals(text.substr(0, 4), "TYPE")) {
    if (text.size() == 4) return false;
    uint32_t value = 0;
    for (char c : text.substr(4)) {
      if (!std::isdigit((unsigned char)c)) return false;
      value = value * 10 + uint32_t(c - '0');
      if (value > 65535) return false;
    }
    if (value == 0) return false;
    type = uint16_t(value);
    return true;
  }
  std::string name(text);
  ldns_rr_type t = ldns_get_rr_type_by_name(name.c_str());
  if (t == 0) return false;
  // ldns also resolves some names loosely; insist on the exact mnemonic.
  if (!iequals(rr_type_to_text(uint16_t(t)), text)) return false;
  type = uint16_t(t);
  return true;
}

std::string rr_type_to_text(uint16_t type) {
  char* text = ldns_rr_type2str(ldns_rr_type(type));
  if (!text) return "TYPE" + std::to_string(type);
  std::string out(text);
  LDNS_FREE(text);
  return out;
}

const char* rr_type_rejection(uint16_t type) {
  switch (type) {
    case rrtype::SOA:
      return "SOA is not allowed in \"records\": the zone's SOA comes from the top-level \"soa\" object";
    case rrtype::DNAME:
      return "DNAME is not supported";
    case rrtype::OPT:
      return "OPT is a protocol pseudo-record, not zone data";
    case rrtype::RRSIG:
    case rrtype::NSEC:
    case rrtype::NSEC3:
    case 51:  // NSEC3PARAM
      return "signatures and denial-of-existence records are never zone data here: dnsd makes them itself "
             "when it signs a zone (\"dnssec\")";
    default:
      break;
  }
  if (type == 0) return "type 0 is reserved";
  if (type >= 128 && type <= 255) return "query and meta types (128-255) cannot be zone data";
  return nullptr;
}

std::string txt_rdata(std::string_view text) {
  std::string wire;
  if (text.empty()) {
    wire.push_back('\0');
    return wire;
  }
  for (size_t pos = 0; pos < text.size(); pos += 255) {
    std::string_view piece = text.substr(pos, 255);
    wire.push_back(char(piece.size()));
    wire.append(piece);
  }
  return wire;
}

bool parse_rdata(uint16_t type, std::string_view data, const Name& origin, ParsedRdata& out, std::string& error) {
  bool generic = data.substr(0, 2) == "\\#";
  bool ok;
  if (type == rrtype::TXT || type == kSpf) {
    out.wire = txt_rdata(data);
    ok = true;
  } else if (data.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    error = rr_type_to_text(type) + " data is empty";
    return false;
  } else if (type == rrtype::A && !generic) {
    ok = parse_address(AF_INET, data, out.wire, error);
  } else if (type == rrtype::AAAA && !generic) {
    ok = parse_address(AF_INET6, data, out.wire, error);
  } else if (!generic && parse_plain(type, data, origin, out)) {
    return true;  // at most 6 + 255 bytes
  } else {
    return check_length(type, parse_with_ldns(type, data, origin, out, error), out, error);
  }
  out.canonical = out.wire;
  return check_length(type, ok, out, error);
}

}  // namespace dnsd::zones
