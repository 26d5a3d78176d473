// The importer works in three steps:
//   read   - ldns parses the master file record by record (ldns_rr_new_frm_fp_l,
//            which handles $ORIGIN, $TTL, parentheses and comments); $INCLUDE,
//            which ldns reports but does not follow, is followed here;
//   model  - records are grouped into owners and RRsets, and the rules dnsd's
//            loader enforces are applied: what dnsd cannot serve is skipped with
//            a warning, what no server should load is an error;
//   render - each record becomes presentation text that is parsed back with the
//            loader's own rdata parser and must give the same wire bytes; the
//            JSON is then loaded as `dnsd check` would, so output always loads.
#include "zones/zone_importer.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

// After the standard headers: ldns's headers redefine bool, true and false.
#include <ldns/ldns.h>

#include "zones/json_fields.h"
#include "zones/json_loader.h"
#include "zones/name.h"
#include "zones/rdata_parser.h"
#include "zones/zone.h"

namespace dnsd::zones {
namespace {

constexpr int kMaxIncludeDepth = 16;
/// Renderings tried before giving up on output the loader accepts (each skips what the last was refused for).
constexpr int kMaxRenders = 4;
constexpr uint16_t kSpf = 99;
constexpr uint16_t kNsec3Param = 51;
/// ldns's own default when a file has no $TTL (LDNS_DEFAULT_TTL).
constexpr uint32_t kDefaultTtl = 3600;
/// Completes relative names while no origin is known, so that a file using one
/// without $ORIGIN or --origin is reported instead of landing under the root.
constexpr const char* kNoOrigin = "origin-unknown.dnsd-import.invalid.";

struct RdfFree {
  void operator()(ldns_rdf* p) const { ldns_rdf_deep_free(p); }
};
struct RrFree {
  void operator()(ldns_rr* p) const { ldns_rr_free(p); }
};
struct FileClose {
  void operator()(FILE* f) const { std::fclose(f); }
};
using RdfPtr = std::unique_ptr<ldns_rdf, RdfFree>;
using RrPtr = std::unique_ptr<ldns_rr, RrFree>;

Name name_of(const ldns_rdf* rdf) {
  Name n;
  n.wire.assign(reinterpret_cast<const char*>(ldns_rdf_data(rdf)), ldns_rdf_size(rdf));
  return n;
}

RdfPtr rdf_of(const Name& name) {
  return RdfPtr(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, name.size(), name.data()));
}

std::string rdf_text(const ldns_rdf* rdf) {
  char* text = ldns_rdf2str(rdf);
  if (!text) return "";
  std::string out(text);
  LDNS_FREE(text);
  return out;
}

// Uncompressed wire rdata: the rdfs back to back.
std::string rdata_wire(const ldns_rr* rr) {
  std::string wire;
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i)
    wire.append(reinterpret_cast<const char*>(ldns_rdf_data(ldns_rr_rdf(rr, i))), ldns_rdf_size(ldns_rr_rdf(rr, i)));
  return wire;
}

// Rdata with the embedded names of RFC 4034 6.2 lowercased: equal for records
// that are duplicates of each other.
std::string canonical_rdata(const ldns_rr* rr) {
  RrPtr copy(ldns_rr_clone(rr));
  if (!copy) return rdata_wire(rr);
  ldns_rr2canonical(copy.get());
  return rdata_wire(copy.get());
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

// ---------------------------------------------------------------------------
// Reading

/// One record as ldns read it, and where.
struct SourceRecord {
  RrPtr rr;
  std::string file;
  int line = 0;
};

/// Line numbers of byte offsets in one file's text.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) {
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') starts_.push_back(i + 1);
  }
  int line_of(size_t offset) const {
    return int(std::upper_bound(starts_.begin(), starts_.end(), offset) - starts_.begin());
  }

 private:
  std::vector<size_t> starts_{0};
};

/// First offset in [from, to) that is neither blank nor in a comment: where
/// the record or directive ldns just read starts.
size_t significant_start(std::string_view text, size_t from, size_t to) {
  size_t i = from;
  while (i < to) {
    char c = text[i];
    if (c == ';') {
      while (i < to && text[i] != '\n') ++i;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else {
      return i;
    }
  }
  return to;
}

/// The text of a record for a message: one line, shortened.
std::string snippet(std::string_view text, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to && out.size() < 80; ++i) {
    char c = text[i];
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

/// "$INCLUDE file [origin] [;comment]" split into its arguments; quotes allowed around each.
std::vector<std::string> directive_arguments(std::string_view text, size_t from) {
  std::vector<std::string> args;
  size_t i = from;
  while (i < text.size() && text[i] != '\n' && text[i] != ';') {
    if (text[i] == ' ' || text[i] == '\t' || text[i] == '\r') {
      ++i;
      continue;
    }
    std::string arg;
    if (text[i] == '"') {
      for (++i; i < text.size() && text[i] != '"' && text[i] != '\n'; ++i) arg.push_back(text[i]);
      if (i < text.size() && text[i] == '"') ++i;
    } else {
      for (; i < text.size() && !std::strchr(" \t\r\n;", text[i]); ++i) arg.push_back(text[i]);
    }
    args.push_back(std::move(arg));
  }
  return args;
}

/// Whether a name as written is absolute: it ends in a dot that is not escaped.
bool is_absolute(std::string_view text) {
  if (text.empty() || text.back() != '.') return false;
  size_t backslashes = 0;
  for (size_t i = text.size() - 1; i > 0 && text[i - 1] == '\\'; --i) ++backslashes;
  return backslashes % 2 == 0;
}

/// A name as written in a directive, relative names completed with `origin`.
RdfPtr name_from(const std::string& text, const ldns_rdf* origin) {
  if (text == "@") return RdfPtr(ldns_rdf_clone(origin));
  if (is_absolute(text)) return RdfPtr(ldns_dname_new_frm_str(text.c_str()));
  std::string suffix = rdf_text(origin);
  return RdfPtr(ldns_dname_new_frm_str((text + (suffix == "." ? "." : "." + suffix)).c_str()));
}

bool read_text_file(const std::string& path, std::string& text, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::string("cannot open file: ") + std::strerror(errno);
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    error = std::string("cannot read file: ") + std::strerror(errno);
    return false;
  }
  text = buffer.str();
  return true;
}

/// Reads a master file and the files it includes into records, in file order.
class ZoneFileReader {
 public:
  explicit ZoneFileReader(ImportResult& result) : result_(result) {}

  /// Reads `text`, the contents of `file`, starting at `origin` with default TTL `ttl`.
  void read(const std::string& file, std::string_view text, const ldns_rdf* origin, uint32_t ttl, int depth) {
    if (text.empty()) return;
    std::string buffer(text);  // fmemopen reads from it; it outlives the stream
    std::unique_ptr<FILE, FileClose> fp(fmemopen(buffer.data(), buffer.size(), "r"));
    if (!fp) {
      error(file, 0, std::string("cannot read: ") + std::strerror(errno));
      return;
    }
    LineIndex lines(buffer);
    RdfPtr current(ldns_rdf_clone(origin));
    RdfPtr previous_owner(ldns_rdf_clone(origin));
    uint32_t default_ttl = ttl;
    int line_nr = 1;
    while (!std::feof(fp.get())) {
      long begin = std::ftell(fp.get());
      RdfPtr origin_before(ldns_rdf_clone(current.get()));
      ldns_rr* raw = nullptr;
      ldns_rdf* origin_io = current.release();
      ldns_rdf* prev_io = previous_owner.release();
      ldns_status status = ldns_rr_new_frm_fp_l(&raw, fp.get(), &default_ttl, &origin_io, &prev_io, &line_nr);
      current.reset(origin_io);
      previous_owner.reset(prev_io);
      RrPtr rr(raw);
      long end = std::ftell(fp.get());
      size_t start = significant_start(buffer, size_t(begin), size_t(end));
      int line = lines.line_of(start);
      if (!current) current = std::move(origin_before);  // a bad $ORIGIN leaves none
      if (!previous_owner) previous_owner.reset(ldns_rdf_clone(current.get()));

      switch (status) {
        case LDNS_STATUS_OK:
          if (ldns_rr_get_class(rr.get()) != LDNS_RR_CLASS_IN) {
            warning(file, line, "skipped a record of class " + class_text(rr.get()) + ": dnsd serves class IN only");
            break;
          }
          records_.push_back(SourceRecord{std::move(rr), file, line});
          break;
        case LDNS_STATUS_SYNTAX_EMPTY:
        case LDNS_STATUS_SYNTAX_TTL:
          break;
        case LDNS_STATUS_SYNTAX_ORIGIN: {
          // ldns reads "$ORIGIN sub" as "sub."; RFC 1035 5.1, BIND, NSD and
          // Knot read it relative to the current origin.
          std::vector<std::string> args = directive_arguments(buffer, start + std::strlen("$ORIGIN"));
          if (args.size() == 1 && !is_absolute(args[0])) {
            RdfPtr completed = name_from(args[0], origin_before.get());
            if (completed)
              current = std::move(completed);
            else
              error(file, line, "$ORIGIN " + args[0] + " is not a valid name below " + rdf_text(origin_before.get()));
          }
          break;
        }
        case LDNS_STATUS_SYNTAX_INCLUDE:
          include(file, line, buffer, start, current.get(), default_ttl, depth);
          break;
        default:
          if (start >= size_t(end) && std::feof(fp.get())) break;  // only blanks or a comment at the end
          if (buffer[start] == '$' && status != LDNS_STATUS_SYNTAX_DNAME_ERR)
            error(file, line, "unsupported directive: " + snippet(buffer, start, size_t(end)) +
                                  " (only $ORIGIN, $TTL and $INCLUDE are standard; expand BIND's $GENERATE first)");
          else
            error(file, line,
                  std::string(ldns_get_errorstr_by_id(status)) + ": " + snippet(buffer, start, size_t(end)));
          if (end <= begin) return;  // ldns made no progress; stop rather than loop
          break;
      }
    }
  }

  std::vector<SourceRecord>& records() { return records_; }

 private:
  static std::string class_text(const ldns_rr* rr) {
    char* text = ldns_rr_class2str(ldns_rr_get_class(rr));
    std::string out = text ? text : "?";
    LDNS_FREE(text);
    return out;
  }

  // RFC 1035 5.1: the included file starts at the given origin (default: the
  // current one); the including file's origin is unchanged afterwards.
  void include(const std::string& file, int line, std::string_view text, size_t start, const ldns_rdf* origin,
               uint32_t ttl, int depth) {
    std::vector<std::string> args = directive_arguments(text, start + std::strlen("$INCLUDE"));
    if (args.empty() || args.size() > 2) {
      error(file, line, "$INCLUDE needs a file name and at most an origin: $INCLUDE FILE [ORIGIN]");
      return;
    }
    if (depth >= kMaxIncludeDepth) {
      error(file, line, "$INCLUDE nested more than " + std::to_string(kMaxIncludeDepth) + " deep (a loop?)");
      return;
    }
    std::filesystem::path path(args[0]);
    if (path.is_relative()) path = std::filesystem::path(file).parent_path() / path;
    RdfPtr include_origin(args.size() == 2 ? name_from(args[1], origin) : RdfPtr(ldns_rdf_clone(origin)));
    if (!include_origin) {
      error(file, line, "$INCLUDE origin \"" + args[1] + "\" is not a valid name");
      return;
    }
    std::string included, why;
    if (!read_text_file(path.string(), included, why)) {
      error(file, line, "$INCLUDE " + path.string() + ": " + why);
      return;
    }
    read(path.string(), included, include_origin.get(), ttl, depth + 1);
  }

  void error(const std::string& file, int line, std::string message) {
    result_.errors.push_back(ImportMessage{file, line, std::move(message)});
  }
  void warning(const std::string& file, int line, std::string message) {
    result_.warnings.push_back(ImportMessage{file, line, std::move(message)});
  }

  ImportResult& result_;
  std::vector<SourceRecord> records_;
};

// ---------------------------------------------------------------------------
// Model and rendering

/// One RRset being collected.
struct ImportedRRset {
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::vector<const SourceRecord*> records;  ///< file order, duplicates removed
  std::vector<std::string> canonical;        ///< parallel to records
};

/// One owner name with its RRsets.
struct ImportedOwner {
  Name name;  ///< as first written (case kept)
  std::map<uint16_t, ImportedRRset> rrsets;  ///< by type: the output order
};

/// Records skipped for one reason, reported once with a count, so a signed
/// zone's thousands of RRSIGs make one warning, not thousands.
struct SkipTally {
  std::string file;
  int line = 0;
  std::string first_owner;
  std::string type;
  size_t count = 0;
};

class ZoneConverter {
 public:
  ZoneConverter(const ImportOptions& options, ImportResult& result) : options_(options), result_(result) {}

  void run(const std::string& file, std::string_view text) {
    file_ = file;
    RdfPtr start_origin;
    if (!read_origin_option(start_origin)) return;
    ZoneFileReader reader(result_);
    reader.read(file, text, start_origin.get(), kDefaultTtl, 0);
    if (!result_.ok()) return;
    records_ = std::move(reader.records());
    if (!find_soa()) return;
    collect();
    check_rules();
    if (result_.ok()) convert();
    report_skips();
    sort_messages();
    if (!result_.ok()) result_.json.clear();
  }

 private:
  // ---- origin and SOA

  bool read_origin_option(RdfPtr& start) {
    if (options_.origin.empty()) {
      start.reset(ldns_dname_new_frm_str(kNoOrigin));
      return true;
    }
    std::string text = options_.origin;
    if (text.back() != '.') text.push_back('.');
    start.reset(ldns_dname_new_frm_str(text.c_str()));
    if (!start) {
      error(ImportMessage{file_, 0, "--origin \"" + options_.origin + "\" is not a valid domain name"});
      return false;
    }
    origin_ = name_of(start.get());
    origin_known_ = true;
    return true;
  }

  bool find_soa() {
    Name unknown;
    std::string ignored;
    name_from_text(kNoOrigin, root_name(), unknown, ignored);
    for (const SourceRecord& r : records_) {
      if (uses_unknown_origin(r, unknown.lowered())) {
        error(at(r, "a relative name is used before any $ORIGIN; give the zone's origin with --origin NAME"));
        return false;
      }
      if (ldns_rr_get_type(r.rr.get()) != LDNS_RR_TYPE_SOA) continue;
      if (soa_) {
        error(at(r, "a second SOA record (the first is at " + soa_->file + ":" + std::to_string(soa_->line) +
                        "); a zone has exactly one"));
        return false;
      }
      soa_ = &r;
    }
    if (!soa_) {
      error(ImportMessage{file_, 0, "no SOA record: a zone file starts with the zone's SOA"});
      return false;
    }
    Name owner = name_of(ldns_rr_owner(soa_->rr.get()));
    if (!origin_known_) {
      origin_ = owner;
      origin_known_ = true;
    } else if (owner.lowered() != origin_.lowered()) {
      error(at(*soa_, "the SOA is at " + owner.text() + ", not at the origin " + origin_.text()));
      return false;
    }
    if (ldns_rr_rd_count(soa_->rr.get()) != 7) {
      error(at(*soa_, "the SOA record is malformed"));
      return false;
    }
    return true;
  }

  static bool uses_unknown_origin(const SourceRecord& r, const Name& unknown) {
    if (name_of(ldns_rr_owner(r.rr.get())).lowered().is_subdomain_of(unknown)) return true;
    for (size_t i = 0; i < ldns_rr_rd_count(r.rr.get()); ++i) {
      const ldns_rdf* rdf = ldns_rr_rdf(r.rr.get(), i);
      if (ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_DNAME && name_of(rdf).lowered().is_subdomain_of(unknown))
        return true;
    }
    return false;
  }

  // ---- grouping

  void collect() {
    Name apex = origin_.lowered();
    for (const SourceRecord& r : records_) {
      if (&r == soa_) continue;
      const ldns_rr* rr = r.rr.get();
      uint16_t type = uint16_t(ldns_rr_get_type(rr));
      Name owner = name_of(ldns_rr_owner(rr));
      if (type == rrtype::SOA) continue;  // find_soa allows only one
      if (!owner.lowered().is_subdomain_of(apex)) {
        skip(r, "outside the zone " + origin_.text() + ", so no server would answer it");
        continue;
      }
      if (const char* reason = skip_reason(type)) {
        skip(r, reason);
        continue;
      }
      if (ldns_rr_ttl(rr) > uint32_t(kMaxTtl)) {
        error(at(r, "TTL " + std::to_string(ldns_rr_ttl(rr)) + " is above 2147483647 (RFC 2181 section 8)"));
        continue;
      }
      warn_if_origin_repeats(r);
      auto [it, fresh] = owners_.try_emplace(owner.lowered().wire);
      if (fresh) it->second.name = owner;
      add_to_rrset(it->second, type, r);
    }
  }

  void warn_if_origin_repeats(const SourceRecord& r) {
    std::vector<Name> names{name_of(ldns_rr_owner(r.rr.get()))};
    for (size_t i = 0; i < ldns_rr_rd_count(r.rr.get()); ++i)
      if (ldns_rdf_get_type(ldns_rr_rdf(r.rr.get(), i)) == LDNS_RDF_TYPE_DNAME)
        names.push_back(name_of(ldns_rr_rdf(r.rr.get(), i)));
    for (const Name& name : names) {
      if (!repeats_origin(name)) continue;
      warning(at(r, name.text() + " repeats the origin: is a trailing dot missing in the zone file?"));
      return;
    }
  }

  static const char* skip_reason(uint16_t type) {
    switch (type) {
      case rrtype::RRSIG:
      case rrtype::NSEC:
      case rrtype::NSEC3:
      case kNsec3Param:
        return "dnsd serves unsigned zones and does not sign, so signatures and denial-of-existence records "
               "would be stale";
      case rrtype::DNAME:
        return "DNAME is not supported by dnsd";
      default:
        return rr_type_rejection(type);  // whatever else the loader refuses
    }
  }

  void add_to_rrset(ImportedOwner& owner, uint16_t type, const SourceRecord& r) {
    auto [it, fresh] = owner.rrsets.try_emplace(type);
    ImportedRRset& set = it->second;
    uint32_t ttl = ldns_rr_ttl(r.rr.get());
    std::string canonical = canonical_rdata(r.rr.get());
    if (fresh) {
      set.type = type;
      set.ttl = ttl;
    } else {
      for (size_t i = 0; i < set.canonical.size(); ++i) {
        if (set.canonical[i] != canonical) continue;
        warning(at(r, "duplicate " + rr_type_to_text(type) + " record at " + owner.name.text() + " (same as " +
                          set.records[i]->file + ":" + std::to_string(set.records[i]->line) + "); dropped"));
        return;
      }
      if (ttl != set.ttl) {
        // RFC 2181 5.2: an RRset has one TTL; treat all as the lowest.
        uint32_t lowest = std::min(ttl, set.ttl);
        warning(at(r, "the " + rr_type_to_text(type) + " RRset at " + owner.name.text() + " has TTLs " +
                          std::to_string(set.ttl) + " and " + std::to_string(ttl) + "; using the lowest, " +
                          std::to_string(lowest) + " (RFC 2181 section 5.2)"));
        set.ttl = lowest;
      }
    }
    set.records.push_back(&r);
    set.canonical.push_back(std::move(canonical));
  }

  // ---- the loader's rules

  void check_rules() {
    Name apex = origin_.lowered();
    bool apex_ns = false;
    for (auto& [key, owner] : owners_) {
      bool is_apex = owner.name.lowered() == apex;
      if (is_apex && owner.rrsets.count(rrtype::NS)) apex_ns = true;
      auto cname = owner.rrsets.find(rrtype::CNAME);
      if (cname != owner.rrsets.end()) {
        const SourceRecord& first = *cname->second.records.front();
        if (is_apex)
          error(at(first, "a CNAME at the zone apex " + owner.name.text() + " (RFC 1034 section 3.6.2)"));
        else if (owner.rrsets.size() > 1)
          error(at(first, "the CNAME at " + owner.name.text() + " shares its name with " + other_types(owner) +
                              " (RFC 1034 section 3.6.2)"));
        if (cname->second.records.size() > 1)
          error(at(*cname->second.records[1], "a second CNAME at " + owner.name.text() + "; a name has one"));
      }
      auto ds = owner.rrsets.find(rrtype::DS);
      if (ds != owner.rrsets.end()) {
        const char* reason = is_apex ? "DS at the zone's own apex belongs in the parent zone"
                             : !owner.rrsets.count(rrtype::NS) ? "DS is only meaningful at a delegation (beside NS)"
                                                               : nullptr;
        if (reason) {
          for (const SourceRecord* r : ds->second.records) skip(*r, reason);
          owner.rrsets.erase(ds);
        }
      }
    }
    if (!apex_ns) error(at(*soa_, "the zone has no NS records at its apex " + origin_.text()));
    for (auto it = owners_.begin(); it != owners_.end();)
      it = it->second.rrsets.empty() ? owners_.erase(it) : std::next(it);
  }

  static std::string other_types(const ImportedOwner& owner) {
    std::string out;
    for (const auto& [type, unused] : owner.rrsets)
      if (type != rrtype::CNAME) out += (out.empty() ? "" : ", ") + rr_type_to_text(type);
    return out;
  }

  void skip(const SourceRecord& r, const std::string& reason) {
    std::string type = rr_type_to_text(uint16_t(ldns_rr_get_type(r.rr.get())));
    SkipTally& tally = skips_[type + "\n" + reason];
    if (tally.count++ == 0) {
      tally.file = r.file;
      tally.line = r.line;
      tally.type = type;
      tally.first_owner = name_of(ldns_rr_owner(r.rr.get())).text();
    }
  }

  void report_skips() {
    for (const auto& [key, t] : skips_) {
      std::string reason = key.substr(key.find('\n') + 1);
      std::string what = t.count == 1 ? "skipped the " + t.type + " record at " + t.first_owner
                                      : "skipped " + std::to_string(t.count) + " " + t.type +
                                            " records (the first at " + t.first_owner + ")";
      warning(ImportMessage{t.file, t.line, what + ": " + reason});
    }
  }

  // ---- rendering

  /// `name` relative to the origin when inside it ("@" for the apex), else absolute.
  std::string name_text(const Name& name, bool relative) const {
    if (!relative || !name.lowered().is_subdomain_of(origin_.lowered()) || repeats_origin(name))
      return rdf_text(rdf_of(name).get());
    size_t keep = name.size() - origin_.size();
    if (keep == 0) return "@";
    Name prefix;
    prefix.wire = name.wire.substr(0, keep) + std::string(1, '\0');
    std::string text = rdf_text(rdf_of(prefix).get());
    if (!text.empty() && text.back() == '.') text.pop_back();
    return text;
  }

  /// Whether `name` ends in the origin twice (www.example.test.example.test.):
  /// what a zone file gives when a trailing dot was forgotten. Written
  /// relative, such a name reads as a mistake to dnsd's loader, so it is
  /// written absolute (if the loader refuses even that, convert() skips it).
  bool repeats_origin(const Name& name) const {
    if (origin_.size() <= 1) return false;
    Name doubled;
    doubled.wire = origin_.wire.substr(0, origin_.size() - 1) + origin_.wire;
    return doubled.size() <= kMaxNameLength && name.lowered().is_subdomain_of(doubled.lowered());
  }

  /// Whether the loader reads `text` as exactly the rdata `wire`.
  bool reads_back(uint16_t type, const std::string& text, const std::string& wire) const {
    ParsedRdata parsed;
    std::string error;
    return parse_rdata(type, text, origin_, parsed, error) && parsed.wire == wire;
  }

  std::string presentation(const ldns_rr* rr, bool relative) const {
    std::string text;
    for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
      const ldns_rdf* rdf = ldns_rr_rdf(rr, i);
      if (!text.empty()) text.push_back(' ');
      text += ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_DNAME ? name_text(name_of(rdf), relative) : rdf_text(rdf);
    }
    return text;
  }

  static std::string generic(const std::string& wire) {
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
  static std::string joined_text(const std::string& wire) {
    std::string text;
    for (size_t pos = 0; pos < wire.size(); pos += 1 + uint8_t(wire[pos]))
      text.append(wire, pos + 1, uint8_t(wire[pos]));
    return text;
  }

  /// The record's data as the loader will read it; nothing (after a warning or
  /// an error) when the record cannot be written.
  std::optional<std::string> record_text(const SourceRecord& r, uint16_t type) {
    const ldns_rr* rr = r.rr.get();
    std::string wire = rdata_wire(rr);
    if (type == rrtype::TXT || type == kSpf) return txt_text(r, type, wire);
    for (bool relative : {true, false}) {
      std::string text = presentation(rr, relative);
      if (reads_back(type, text, wire)) return text;
    }
    if (reads_back(type, generic(wire), wire)) return generic(wire);
    error(at(r, "cannot express this " + rr_type_to_text(type) + " record in dnsd's format"));
    return std::nullopt;
  }

  // dnsd's TXT data is the plain text, cut into 255-byte strings when loaded.
  // That is lossless when the file's strings were cut the same way. Otherwise
  // the RFC 3597 form is used if the loader reads it back for TXT, and failing
  // that the strings are joined, with a warning: the text survives, the
  // boundaries between its strings do not.
  std::optional<std::string> txt_text(const SourceRecord& r, uint16_t type, const std::string& wire) {
    std::string text = joined_text(wire);
    bool utf8 = valid_utf8(text);
    if (utf8 && txt_rdata(text) == wire) return text;
    if (reads_back(type, generic(wire), wire)) return generic(wire);
    if (!utf8) {
      skip(r, "its text is not UTF-8, which a JSON zone file cannot hold");
      return std::nullopt;
    }
    warning(at(r, "the " + rr_type_to_text(type) + " record at " + name_of(ldns_rr_owner(r.rr.get())).text() +
                      " has " + std::to_string(ldns_rr_rd_count(r.rr.get())) +
                      " character-strings; dnsd stores TXT data as one text cut every 255 bytes, so they are "
                      "joined and the boundaries between them are lost (harmless for SPF, DKIM and DMARC, "
                      "which join them too)"));
    return text;
  }

  /// A SOA name for the "soa" object, relative when it can be; nothing (after an error) if it cannot be written.
  std::optional<std::string> soa_name(const ldns_rdf* rdf, bool mailbox) {
    Name name = name_of(rdf);
    for (bool relative : {true, false}) {
      std::string text = name_text(name, relative);
      if (mailbox) text = without_at_signs(text);
      Name back;
      std::string ignored;
      if (name_from_text(text, origin_, back, ignored) && back == name) return text;
    }
    error(at(*soa_, "cannot express the SOA name " + name.text() + " in dnsd's format"));
    return std::nullopt;
  }

  /// The loader reads a name holding '@' as a mail address ("local@domain"):
  /// escape every '@' numerically so that a name stays a name.
  static std::string without_at_signs(const std::string& text) {
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

  /// The zone's "ttl": the TTL most RRsets have, so most need no "ttl" of their own.
  uint32_t default_ttl() const {
    std::map<uint32_t, size_t> counts;
    uint32_t soa_ttl = ldns_rr_ttl(soa_->rr.get());
    counts[soa_ttl]++;
    for (const auto& [key, owner] : owners_)
      for (const auto& [type, set] : owner.rrsets) counts[set.ttl]++;
    uint32_t best = soa_ttl;
    for (const auto& [ttl, count] : counts)  // ascending: ties go to the SOA's, then the lowest
      if (count > counts[best]) best = ttl;
    return best;
  }

  std::string render() {
    using Json = nlohmann::ordered_json;
    const ldns_rr* soa = soa_->rr.get();
    uint32_t zone_ttl = default_ttl();
    Json doc;
    doc["origin"] = name_text(origin_, false);
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
    for (const auto& [key, owner] : owners_) sorted.push_back(&owner);
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
          if (refused_.count(r)) continue;
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

  std::string owner_key(const ImportedOwner& owner) {
    for (bool relative : {true, false}) {
      std::string text = name_text(owner.name, relative);
      Name back;
      std::string ignored;
      if (name_from_text(text, origin_, back, ignored) && back == owner.name) return text;
    }
    // Unreachable for names ldns produced; keep the absolute form and let the load check report it.
    return name_text(owner.name, false);
  }

  /// Messages in reading order: the zone file first, then included files, each by line.
  void sort_messages() {
    auto before = [this](const ImportMessage& a, const ImportMessage& b) {
      if (a.file != b.file) return a.file == file_ || (b.file != file_ && a.file < b.file);
      return a.line < b.line;
    };
    std::stable_sort(result_.warnings.begin(), result_.warnings.end(), before);
    std::stable_sort(result_.errors.begin(), result_.errors.end(), before);
  }

  // Renders the zone, then loads it as `dnsd check` would. A record the loader
  // still refuses (its rules may grow stricter than the ones mirrored here) is
  // skipped with the loader's own reason and the zone rendered again, so the
  // output always loads. An error that names no record is an importer bug.
  void convert() {
    size_t base_warnings = result_.warnings.size();
    std::map<std::string, SkipTally> base_skips = skips_;
    for (int attempt = 0; attempt < kMaxRenders; ++attempt) {
      // Each rendering starts from the same state, so its warnings are not repeated.
      result_.warnings.erase(result_.warnings.begin() + std::ptrdiff_t(base_warnings), result_.warnings.end());
      skips_ = base_skips;
      for (const auto& [record, reason] : refused_) skip(*record, reason);
      pointers_.clear();
      std::string json = render();
      if (!result_.ok()) return;
      LoadResult loaded = load_zone_json(json, file_ + " (converted)");
      if (loaded.errors.empty()) {
        result_.json = std::move(json);
        return;
      }
      if (!refuse(loaded.errors)) return;
    }
    error(ImportMessage{file_, 0, "internal error: the converted zone still does not load after skipping what "
                                  "dnsd's loader refused"});
  }

  /// Marks the records behind each load error as refused; false if an error names none.
  bool refuse(const std::vector<LoadError>& errors) {
    bool placed = true;
    for (const LoadError& e : errors) {
      const std::vector<const SourceRecord*>* records = records_at(e.pointer);
      if (!records) {
        error(ImportMessage{file_, 0, "internal error: the converted zone does not load: " + e.to_string()});
        placed = false;
        continue;
      }
      for (const SourceRecord* r : *records) refused_.emplace(r, "dnsd's loader refuses it: " + e.message);
    }
    return placed;
  }

  /// The records rendered at `pointer` or at the nearest enclosing pointer below "/records".
  const std::vector<const SourceRecord*>* records_at(std::string pointer) const {
    while (pointer.size() > std::strlen("/records/")) {
      auto it = pointers_.find(pointer);
      if (it != pointers_.end()) return &it->second;
      pointer.erase(pointer.rfind('/'));
    }
    return nullptr;
  }

  // ---- messages

  static ImportMessage at(const SourceRecord& r, std::string message) {
    return ImportMessage{r.file, r.line, std::move(message)};
  }
  void error(ImportMessage m) { result_.errors.push_back(std::move(m)); }
  void warning(ImportMessage m) { result_.warnings.push_back(std::move(m)); }

  const ImportOptions& options_;
  ImportResult& result_;
  std::string file_;
  Name origin_;
  bool origin_known_ = false;
  std::vector<SourceRecord> records_;
  const SourceRecord* soa_ = nullptr;
  std::map<std::string, ImportedOwner> owners_;  ///< by lowercased wire name
  std::map<std::string, SkipTally> skips_;       ///< by type and reason
  /// Records dnsd's loader refused in an earlier rendering, with its reason.
  std::map<const SourceRecord*, std::string> refused_;
  /// JSON pointer of each owner, RRset and record in the last rendering -> its records.
  std::map<std::string, std::vector<const SourceRecord*>> pointers_;
};

}  // namespace

std::string ImportMessage::to_string() const {
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ": " + message;
}

ImportResult import_zone_text(std::string_view text, const std::string& file, const ImportOptions& options) {
  ImportResult result;
  try {
    ZoneConverter(options, result).run(file, text);
  } catch (const std::exception& e) {
    result.errors.push_back(ImportMessage{file, 0, std::string("internal error: ") + e.what()});
  }
  if (!result.ok()) result.json.clear();
  return result;
}

ImportResult import_zone_file(const std::string& path, const ImportOptions& options) {
  std::string text, error;
  if (!read_text_file(path, text, error)) {
    ImportResult result;
    result.errors.push_back(ImportMessage{path, 0, error});
    return result;
  }
  return import_zone_text(text, path, options);
}

}  // namespace dnsd::zones
