#include "dnsd/xfr/tsig_record.h"

#include "zones/ldns.h"

#include <cstdlib>

namespace dnsd::xfr {
namespace {

constexpr uint16_t kTypeTsig = 250;
constexpr uint16_t kClassAny = 255;
constexpr size_t kHeader = 12;

uint16_t read16(std::span<const uint8_t> w, size_t at) { return uint16_t(w[at] << 8 | w[at + 1]); }

void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(uint8_t(v >> 8));
  out.push_back(uint8_t(v));
}

void put48(std::vector<uint8_t>& out, uint64_t v) {
  for (int shift = 40; shift >= 0; shift -= 8) out.push_back(uint8_t(v >> shift));
}

void put_bytes(std::vector<uint8_t>& out, std::span<const uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// Moves past a (possibly compressed) name without decoding it.
bool skip_name(std::span<const uint8_t> w, size_t& pos) {
  while (pos < w.size()) {
    const uint8_t length = w[pos];
    if (length == 0) return ++pos, true;
    if ((length & 0xC0) == 0xC0) return pos + 2 <= w.size() ? (pos += 2, true) : false;
    if ((length & 0xC0) != 0) return false;
    pos += 1 + size_t(length);
  }
  return false;
}

// Reads a name at `pos` (following compression pointers) into canonical wire
// form, reading no further than `limit`.
std::optional<std::vector<uint8_t>> read_name(std::span<const uint8_t> w, size_t limit, size_t& pos) {
  ldns_rdf* name = nullptr;
  if (ldns_wire2dname(&name, w.data(), limit, &pos) != LDNS_STATUS_OK || name == nullptr) return std::nullopt;
  ldns_dname2canonical(name);
  std::vector<uint8_t> out(ldns_rdf_data(name), ldns_rdf_data(name) + ldns_rdf_size(name));
  ldns_rdf_deep_free(name);
  return out;
}

}  // namespace

TsigPlace find_tsig(std::span<const uint8_t> wire) {
  if (wire.size() < kHeader) return {};
  const size_t counts[4] = {read16(wire, 4), read16(wire, 6), read16(wire, 8), read16(wire, 10)};
  size_t pos = kHeader;
  for (size_t i = 0; i < counts[0]; ++i)
    if (!skip_name(wire, pos) || (pos += 4) > wire.size()) return {};
  const size_t before_additional = counts[1] + counts[2];
  const size_t records = before_additional + counts[3];
  for (size_t i = 0; i < records; ++i) {
    const size_t start = pos;
    if (!skip_name(wire, pos) || pos + 10 > wire.size()) return {};
    const uint16_t type = read16(wire, pos);
    pos += 10 + size_t(read16(wire, pos + 8));
    if (type != kTypeTsig) continue;
    // Only the last additional record may be a TSIG; any other TSIG, or a
    // second one, makes the message malformed.
    if (i + 1 != records || i < before_additional) return {TsigPlace::Kind::Misplaced, 0};
    return {TsigPlace::Kind::Last, start};
  }
  return {};
}

std::optional<TsigRecord> read_tsig(std::span<const uint8_t> wire, size_t offset) {
  TsigRecord r;
  size_t pos = offset;
  auto owner = read_name(wire, wire.size(), pos);
  if (!owner || pos + 10 > wire.size()) return std::nullopt;
  r.key_name = std::move(*owner);
  if (read16(wire, pos) != kTypeTsig || read16(wire, pos + 2) != kClassAny) return std::nullopt;
  const size_t end = pos + 10 + size_t(read16(wire, pos + 8));
  pos += 10;
  if (end != wire.size()) return std::nullopt;  // the TSIG ends the message, exactly
  auto algorithm = read_name(wire, end, pos);
  if (!algorithm || pos + 10 > end) return std::nullopt;
  r.algorithm = std::move(*algorithm);
  for (int i = 0; i < 6; ++i) r.time_signed = r.time_signed << 8 | wire[pos++];
  r.fudge = read16(wire, pos);
  const size_t mac_size = read16(wire, pos + 2);
  pos += 4;
  if (pos + mac_size + 6 > end) return std::nullopt;
  r.mac.assign(wire.begin() + pos, wire.begin() + pos + mac_size);
  pos += mac_size;
  r.original_id = read16(wire, pos);
  r.error = read16(wire, pos + 2);
  const size_t other_size = read16(wire, pos + 4);
  pos += 6;
  if (pos + other_size != end) return std::nullopt;
  r.other.assign(wire.begin() + pos, wire.end());
  return r;
}

bool write_tsig(std::vector<uint8_t>& message, const TsigRecord& record) {
  if (message.size() < kHeader) return false;
  const uint16_t arcount = read16(message, 10);
  if (arcount == 0xFFFF) return false;
  std::vector<uint8_t> rdata;
  put_bytes(rdata, record.algorithm);
  put48(rdata, record.time_signed);
  put16(rdata, record.fudge);
  put16(rdata, uint16_t(record.mac.size()));
  put_bytes(rdata, record.mac);
  put16(rdata, record.original_id);
  put16(rdata, record.error);
  put16(rdata, uint16_t(record.other.size()));
  put_bytes(rdata, record.other);

  put_bytes(message, record.key_name);
  put16(message, kTypeTsig);
  put16(message, kClassAny);
  put16(message, 0);  // TTL, two halves
  put16(message, 0);
  put16(message, uint16_t(rdata.size()));
  put_bytes(message, rdata);
  message[10] = uint8_t((arcount + 1) >> 8);
  message[11] = uint8_t(arcount + 1);
  return true;
}

std::vector<uint8_t> without_tsig(std::span<const uint8_t> wire, size_t offset) {
  std::vector<uint8_t> out(wire.begin(), wire.begin() + offset);
  const uint16_t arcount = uint16_t(read16(out, 10) - 1);
  out[10] = uint8_t(arcount >> 8);
  out[11] = uint8_t(arcount);
  return out;
}

std::vector<uint8_t> tsig_digest_input(std::span<const uint8_t> prior_mac, std::span<const uint8_t> message,
                                       const TsigRecord& record, bool timers_only) {
  std::vector<uint8_t> d;
  d.reserve(prior_mac.size() + message.size() + 300);
  if (!prior_mac.empty()) {
    put16(d, uint16_t(prior_mac.size()));
    put_bytes(d, prior_mac);
  }
  put16(d, record.original_id);  // RFC 8945 4.3.2: the original ID stands in for the ID
  put_bytes(d, message.subspan(2));
  if (!timers_only) {
    put_bytes(d, record.key_name);
    put16(d, kClassAny);
    put16(d, 0);  // TTL
    put16(d, 0);
    put_bytes(d, record.algorithm);
  }
  put48(d, record.time_signed);
  put16(d, record.fudge);
  if (!timers_only) {
    put16(d, record.error);
    put16(d, uint16_t(record.other.size()));
    put_bytes(d, record.other);
  }
  return d;
}

std::optional<std::vector<uint8_t>> tsig_name_wire(std::string_view name) {
  if (name.empty()) return std::nullopt;
  const std::string text(name);
  ldns_rdf* rdf = ldns_dname_new_frm_str(text.c_str());
  if (rdf == nullptr) return std::nullopt;
  ldns_dname2canonical(rdf);
  std::vector<uint8_t> out(ldns_rdf_data(rdf), ldns_rdf_data(rdf) + ldns_rdf_size(rdf));
  ldns_rdf_deep_free(rdf);
  return out;
}

std::string tsig_name_text(std::span<const uint8_t> wire_name) {
  ldns_rdf* rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, wire_name.size(), wire_name.data());
  if (rdf == nullptr) return {};
  ldns_dname2canonical(rdf);
  char* text = ldns_rdf2str(rdf);
  ldns_rdf_deep_free(rdf);
  if (text == nullptr) return {};
  std::string out(text);
  std::free(text);
  return out;
}

std::optional<std::string> canonical_tsig_name(std::string_view name) {
  auto wire = tsig_name_wire(name);
  if (!wire) return std::nullopt;
  std::string text = tsig_name_text(*wire);
  if (text.empty()) return std::nullopt;
  return text;
}

}  // namespace dnsd::xfr
