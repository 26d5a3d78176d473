// Reads RFC 1035 master files for `dnsd import` (see zone_file_reader.h).
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

// After the standard headers: ldns's headers redefine bool, true and false.
#include "zones/zone_file_reader.h"
#include "zones/rdata_parser.h"

namespace dnsd::zones::importer {
namespace {

constexpr int kMaxIncludeDepth = 16;

struct FileClose {
  void operator()(FILE* f) const { std::fclose(f); }
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

/// The type field of the record written at [start, end): after the owner
/// (when the record's line starts with one), a TTL and a class in either
/// order. Empty when the record does not show one.
std::string_view type_field(std::string_view text, size_t start, size_t end) {
  constexpr std::string_view kSeparators = " \t\r\n()";
  bool owner = start == 0 || text[start - 1] == '\n';
  size_t i = start;
  for (int field = 0; field < 4; ++field) {
    while (i < end && kSeparators.find(text[i]) != std::string_view::npos) ++i;
    if (i >= end || text[i] == ';') return {};
    const size_t from = i;
    while (i < end && text[i] != ';' && kSeparators.find(text[i]) == std::string_view::npos) ++i;
    const std::string_view token = text.substr(from, i - from);
    const std::string lower = lower_text(token);
    if (owner) {
      owner = false;
    } else if (!std::isdigit(static_cast<unsigned char>(token[0])) && lower != "in" && lower != "ch" &&
               lower != "hs" && lower != "cs" && lower != "none" && lower != "any" && lower.rfind("class", 0) != 0) {
      return token;  // neither a TTL nor a class
    }
  }
  return {};
}

/// Whether a type field in RFC 3597 form is one ldns misreads: its atoi
/// turns TYPE65537 into 1 (A) and TYPE1x into 1.
bool misread_numeric_type(std::string_view field) {
  if (field.size() < 4 || lower_text(field.substr(0, 4)) != "type") return false;
  const std::string_view digits = field.substr(4);
  if (digits.empty() || digits.size() > 5) return true;
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return true;
  return std::stoul(std::string(digits)) > 65535;
}

/// "$INCLUDE file [origin] [;comment]" split into its arguments; quotes allowed
/// around each. A NUL byte ends the arguments, as it ends a C string in ldns.
std::vector<std::string> directive_arguments(std::string_view text, size_t from) {
  std::vector<std::string> args;
  size_t i = from;
  while (i < text.size() && text[i] != '\n' && text[i] != ';' && text[i] != '\0') {
    if (text[i] == ' ' || text[i] == '\t' || text[i] == '\r') {
      ++i;
      continue;
    }
    std::string arg;
    if (text[i] == '"') {
      for (++i; i < text.size() && text[i] != '"' && text[i] != '\n' && text[i] != '\0'; ++i) arg.push_back(text[i]);
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

std::string class_text(const ldns_rr* rr) {
  char* text = ldns_rr_class2str(ldns_rr_get_class(rr));
  std::string out = text ? text : "?";
  LDNS_FREE(text);
  return out;
}

}  // namespace

Name name_of(const ldns_rdf* rdf) {
  Name n;
  n.wire.assign(reinterpret_cast<const char*>(ldns_rdf_data(rdf)), ldns_rdf_size(rdf));
  return n;
}

std::string rdf_text(const ldns_rdf* rdf) {
  char* text = ldns_rdf2str(rdf);
  if (!text) return "";
  std::string out(text);
  LDNS_FREE(text);
  return out;
}

std::string rdata_wire(const ldns_rr* rr) {
  std::string wire;
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i)
    wire.append(reinterpret_cast<const char*>(ldns_rdf_data(ldns_rr_rdf(rr, i))), ldns_rdf_size(ldns_rr_rdf(rr, i)));
  return wire;
}

RdfPtr start_origin(const std::string& option) {
  if (option.empty()) return RdfPtr(ldns_dname_new_frm_str(kNoOrigin));
  std::string text = option;
  if (text.back() != '.') text.push_back('.');
  return RdfPtr(ldns_dname_new_frm_str(text.c_str()));
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

void ZoneFileReader::read(const std::string& file, std::string_view text, const ldns_rdf* origin, uint32_t ttl,
                          int depth) {
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
        if (const std::string_view type = type_field(buffer, start, size_t(end)); misread_numeric_type(type)) {
          error(file, line, std::string(type) + " is not a record type: RFC 3597 numbers go from TYPE0 to TYPE65535");
          break;
        }
        if (ldns_rr_get_class(rr.get()) != LDNS_RR_CLASS_IN) {
          std::string reason = "dnsd serves class IN only";
          warning(file, line, "skipped a record of class " + class_text(rr.get()) + ": " + reason);
          result_.dropped.push_back(DroppedRecord{file, line, rr_type_to_text(uint16_t(ldns_rr_get_type(rr.get()))),
                                                  name_of(ldns_rr_owner(rr.get())).text(),
                                                  "class " + class_text(rr.get()) + ": " + reason});
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

// RFC 1035 5.1: the included file starts at the given origin (default: the
// current one); the including file's origin is unchanged afterwards.
void ZoneFileReader::include(const std::string& file, int line, std::string_view text, size_t start,
                             const ldns_rdf* origin, uint32_t ttl, int depth) {
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

void ZoneFileReader::error(const std::string& file, int line, std::string message) {
  result_.errors.push_back(ImportMessage{file, line, std::move(message)});
}
void ZoneFileReader::warning(const std::string& file, int line, std::string message) {
  result_.warnings.push_back(ImportMessage{file, line, std::move(message)});
}

}  // namespace dnsd::zones::importer
