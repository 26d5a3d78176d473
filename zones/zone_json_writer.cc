// Renders an imported zone as dnsd's JSON (see zone_json_writer.h).
#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// After the standard headers: ldns's headers redefine bool, true and false.
#include "zones/zone_json_writer.h"
#include "zones/json_fields.h"
#include "zones/rdata_parser.h"
#include "zones/zone.h"

namespace dnsd::zones::importer {
namespace {

constexpr uint16_t kSpf = 99;

RdfPtr rdf_of(const Name& name) {
  return RdfPtr(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, name.size(), name.data()));
}

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or values
// past U+10FFFF): what a JSON string can carry.
bool valid_utf8(std::string_view s) {
  static constexpr uint32_t kMinimum[] = {0, 0x80, 0x800, 0x10000};
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    size_t extra = 0;
    uint32_t point = c;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1, point = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, point = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, point = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (size_t k = 1; k <= extra; ++k) {
      unsigned char b = s[i + k];
      if ((b & 0xC0) != 0x80) return false;
      point = (point << 6) | (b & 0x3F);
    }
    if (point < kMinimum[extra] || point > 0x10FFFF || (point >= 0xD800 && point <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

// Canonical DNS name order (RFC 4034 6.1): by labels from the right, each
// compared as lowercased bytes. Puts the apex first and children after parents.
bool canonical_less(const Name& a, const Name& b) {
  auto labels = [](const Name& n) {
    std::vector<std::string> out;
    for (size_t pos = 0; pos < n.wire.size() && n.wire[pos] != 0; pos += 1 + uint8_t(n.wire[pos])) {
      std::string label = n.wire.substr(pos + 1, uint8_t(n.wire[pos]));
      for (char& c : label) c = char(lower_byte(uint8_t(c)));
      out.push_back(std::move(label));
    }
    return out;
  };
  std::vector<std::string> la = labels(a), lb = labels(b);
  return std::lexicographical_compare(la.rbegin(), la.rend(), lb.rbegin(), lb.rend(),
                                      [](const std::string& x, const std::string& y) {
                                        return std::lexicographical_compare(
                                            x.begin(), x.end(), y.begin(), y.end(),
                                            [](char p, char q) { return uint8_t(p) < uint8_t(q); });
                                      });
}

/// The RFC 3597 form ("\\# length hex"): the fallback every type reads back from.
std::string generic(const std::string& wire) {
  static const char* hex = "0123456789abcdef";
  std::string text = "\\# " + std::to_string(wire.size());
  if (!wire.empty()) text.push_back(' ');
  for (unsigned char c : wire) {
    text.push_back(hex[c >> 4]);
    text.push_back(hex[c & 15]);
  }
  return text;
}

/// TXT character-strings joined: dnsd's TXT data is plain text.
std::string joined_text(const std::string& wire) {
  std::string text;
  for (size_t pos = 0; pos < wire.size(); pos += 1 + uint8_t(wire[pos]))
    text.append(wire, pos + 1, uint8_t(wire[pos]));
  return text;
}

/// The loader reads a name holding '@' as a mail address ("local@domain"):
/// escape every '@' numerically so that a name stays a name.
std::string without_at_signs(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '@' || (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '@')) {
      out += "\\064";
      if (text[i] == '\\') ++i;
    } else {
      out.push_back(text[i]);
      if (text[i] == '\\' && i + 1 < text.size()) out.push_back(text[++i]);
    }
  }
  return out;
}

}  // namespace

bool repeats_origin(const Name& name, const Name& origin) {
  if (origin.size() <= 1) return false;
  Name doubled;
  doubled.wire = origin.wire.substr(0, origin.size() - 1) + origin.wire;
  return doubled.size() <= kMaxNameLength && name.lowered().is_subdomain_of(doubled.lowered());
}

/// `name` relative to the origin when inside it ("@" for the apex), else absolute.
std::string ZoneJsonWriter::name_text(const Name& name, bool relative) const {
  if (!relative || !name.lowered().is_subdomain_of(zone_.origin.lowered()) || repeats_origin(name, zone_.origin))
    return rdf_text(rdf_of(name).get());
  size_t keep = name.size() - zone_.origin.size();
  if (keep == 0) return "@";
  Name prefix;
  prefix.wire = name.wire.substr(0, keep) + std::string(1, '\0');
  std::string text = rdf_text(rdf_of(prefix).get());
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

/// Whether the loader reads `text` as exactly the rdata `wire`.
bool ZoneJsonWriter::reads_back(uint16_t type, const std::string& text, const std::string& wire) const {
  ParsedRdata parsed;
  std::string error;
  return parse_rdata(type, text, zone_.origin, parsed, error) && parsed.wire == wire;
}

std::string ZoneJsonWriter::presentation(const ldns_rr* rr, bool relative) const {
  std::string text;
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* rdf = ldns_rr_rdf(rr, i);
    if (!text.empty()) text.push_back(' ');
    text += ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_DNAME ? name_text(name_of(rdf), relative) : rdf_text(rdf);
  }
  return text;
}

/// The record's data as the loader will read it; nothing (after a warning or
/// an error) when the record cannot be written.
std::optional<std::string> ZoneJsonWriter::record_text(const SourceRecord& r, uint16_t type) {
  const ldns_rr* rr = r.rr.get();
  std::string wire = rdata_wire(rr);
  if (type == rrtype::TXT || type == kSpf) return txt_text(r, type, wire);
  for (bool relative : {true, false}) {
    std::string text = presentation(rr, relative);
    if (reads_back(type, text, wire)) return text;
  }
  if (reads_back(type, generic(wire), wire)) return generic(wire);
  log_.error(at(r, "cannot express this " + rr_type_to_text(type) + " record in dnsd's format"));
  return std::nullopt;
}

// dnsd's TXT data is the plain text, cut into 255-byte strings when loaded.
// That is lossless when the file's strings were cut the same way. Otherwise
// the RFC 3597 form is used if the loader reads it back for TXT, and failing
// that the strings are joined, with a warning: the text survives, the
// boundaries between its strings do not.
std::optional<std::string> ZoneJsonWriter::txt_text(const SourceRecord& r, uint16_t type, const std::string& wire) {
  std::string text = joined_text(wire);
  bool utf8 = valid_utf8(text);
  if (utf8 && txt_rdata(text) == wire) return text;
  if (reads_back(type, generic(wire), wire)) return generic(wire);
  if (!utf8) {
    log_.skip(r, "its text is not UTF-8, which a JSON zone file cannot hold");
    return std::nullopt;
  }
  log_.warning(at(r, "the " + rr_type_to_text(type) + " record at " + name_of(ldns_rr_owner(r.rr.get())).text() +
                         " has " + std::to_string(ldns_rr_rd_count(r.rr.get())) +
                         " character-strings; dnsd stores TXT data as one text cut every 255 bytes, so they are "
                         "joined and the boundaries between them are lost (harmless for SPF, DKIM and DMARC, "
                         "which join them too)"));
  return text;
}

/// A SOA name for the "soa" object, relative when it can be; nothing (after an error) if it cannot be written.
std::optional<std::string> ZoneJsonWriter::soa_name(const ldns_rdf* rdf, bool mailbox) {
  Name name = name_of(rdf);
  for (bool relative : {true, false}) {
    std::string text = name_text(name, relative);
    if (mailbox) text = without_at_signs(text);
    Name back;
    std::string ignored;
    if (name_from_text(text, zone_.origin, back, ignored) && back == name) return text;
  }
  log_.error(at(*zone_.soa, "cannot express the SOA name " + name.text() + " in dnsd's format"));
  return std::nullopt;
}

/// The zone's "ttl": the TTL most RRsets have, so most need no "ttl" of their own.
uint32_t ZoneJsonWriter::default_ttl() const {
  std::map<uint32_t, size_t> counts;
  uint32_t soa_ttl = ldns_rr_ttl(zone_.soa->rr.get());
  counts[soa_ttl]++;
  for (const auto& [key, owner] : zone_.owners)
    for (const auto& [type, set] : owner.rrsets) counts[set.ttl]++;
  uint32_t best = soa_ttl;
  for (const auto& [ttl, count] : counts)  // ascending: ties go to the SOA's, then the lowest
    if (count > counts[best]) best = ttl;
  return best;
}

std::string ZoneJsonWriter::render(const Refusals& refused) {
  pointers_.clear();
  using Json = nlohmann::ordered_json;
  const ldns_rr* soa = zone_.soa->rr.get();
  uint32_t zone_ttl = default_ttl();
  Json doc;
  doc["origin"] = name_text(zone_.origin, false);
  doc["ttl"] = zone_ttl;
  Json soa_json = Json::object();
  std::optional<std::string> mname = soa_name(ldns_rr_rdf(soa, 0), false);
  std::optional<std::string> rname = soa_name(ldns_rr_rdf(soa, 1), true);
  if (!mname || !rname) return "";
  soa_json["mname"] = *mname;
  soa_json["rname"] = *rname;
  const char* fields[] = {"serial", "refresh", "retry", "expire", "minimum"};
  for (size_t i = 0; i < 5; ++i) soa_json[fields[i]] = ldns_rdf2native_int32(ldns_rr_rdf(soa, i + 2));
  if (ldns_rr_ttl(soa) != zone_ttl) soa_json["ttl"] = ldns_rr_ttl(soa);
  doc["soa"] = soa_json;

  std::vector<const ImportedOwner*> sorted;
  for (const auto& [key, owner] : zone_.owners) sorted.push_back(&owner);
  std::sort(sorted.begin(), sorted.end(),
            [](const ImportedOwner* a, const ImportedOwner* b) { return canonical_less(a->name, b->name); });
  Json records = Json::object();
  for (const ImportedOwner* owner : sorted) {
    std::string key = owner_key(*owner);
    std::string owner_pointer = pointer_append("/records", key);
    Json sets = Json::object();
    for (const auto& [type, set] : owner->rrsets) {
      Json data = Json::array();
      std::vector<const SourceRecord*> rendered;
      for (const SourceRecord* r : set.records) {
        if (refused.count(r)) continue;
        if (std::optional<std::string> text = record_text(*r, type)) {
          data.push_back(*text);
          rendered.push_back(r);
        }
      }
      if (data.empty()) continue;
      std::string type_text = rr_type_to_text(type);
      std::string set_pointer = pointer_append(owner_pointer, type_text);
      Json value = data.size() == 1 ? data[0] : data;
      if (set.ttl != zone_ttl) value = Json{{"ttl", set.ttl}, {"data", value}};
      sets[type_text] = value;
      // Where the loader will point at each record, to trace its errors back.
      std::string data_pointer = set.ttl != zone_ttl ? pointer_append(set_pointer, "data") : set_pointer;
      for (size_t i = 0; i < rendered.size(); ++i)
        pointers_[rendered.size() == 1 ? data_pointer : pointer_append(data_pointer, i)] = {rendered[i]};
      pointers_[set_pointer] = rendered;
      std::vector<const SourceRecord*>& all = pointers_[owner_pointer];
      all.insert(all.end(), rendered.begin(), rendered.end());
    }
    if (!sets.empty()) records[key] = sets;
  }
  doc["records"] = records;
  return doc.dump(2) + "\n";
}

std::string ZoneJsonWriter::owner_key(const ImportedOwner& owner) const {
  for (bool relative : {true, false}) {
    std::string text = name_text(owner.name, relative);
    Name back;
    std::string ignored;
    if (name_from_text(text, zone_.origin, back, ignored) && back == owner.name) return text;
  }
  // Unreachable for names ldns produced; keep the absolute form and let the load check report it.
  return name_text(owner.name, false);
}

const std::vector<const SourceRecord*>* ZoneJsonWriter::records_at(std::string pointer) const {
  while (pointer.size() > std::strlen("/records/")) {
    auto it = pointers_.find(pointer);
    if (it != pointers_.end()) return &it->second;
    pointer.erase(pointer.rfind('/'));
  }
  return nullptr;
}

}  // namespace dnsd::zones::importer
