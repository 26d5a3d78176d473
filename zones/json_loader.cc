// The loader reads a zone file top-down: document, origin, default TTL, SOA,
// pools, transfer, records, then the zone-wide rules; it collects every error
// it can before giving up, and builds the Zone only from a file without errors.
#include "zones/json_loader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "zones/json_document.h"
#include "zones/json_fields.h"
#include "zones/pool_parser.h"
#include "zones/records_parser.h"
#include "zones/dnssec_parser.h"
#include "zones/transfer_parser.h"
#include "zones/zone_builder.h"
#include "zones/zone_stream_reader.h"

namespace dnsd::zones {
namespace {

constexpr uint32_t kDefaultZoneTtl = 3600;

void append_u32(std::string& out, uint32_t v) {
  out.push_back(char(v >> 24));
  out.push_back(char(v >> 16));
  out.push_back(char(v >> 8));
  out.push_back(char(v));
}

// "hostmaster@example.test" -> "hostmaster.example.test." (dots in the local part escaped).
std::string mailbox_to_name(const std::string& text) {
  size_t at = text.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == text.size()) return text;
  std::string name;
  for (char c : text.substr(0, at)) {
    if (c == '.') name.push_back('\\');
    name.push_back(c);
  }
  name += "." + text.substr(at + 1);
  if (name.back() != '.') name.push_back('.');
  return name;
}

class ZoneFileLoader {
 public:
  ZoneFileLoader(const std::string& file, const LoadOptions& options) : options_(options) { ctx_.file = file; }

  // One streaming pass that builds the zone without the file's JSON document;
  // false, with nothing reported, when the file has anything wrong with it
  // (or needs its origin or pools after its records), so that load() finds
  // and words the errors.
  bool load_streaming(std::string_view text, LoadResult& result) {
    ZoneStreamReader reader(ctx_.file, options_.cancel);
    std::unique_ptr<ZoneBuilder> builder;
    auto start = [&](const Json& header, StreamTarget& target) {
      read_origin(header);
      if (header.contains("pools")) parse_pools(header.at("pools"), "/pools", pools_, ctx_);
      if (!ctx_.errors.empty()) return false;
      builder = std::make_unique<ZoneBuilder>(origin_);
      builder->reserve(text.size() / 24, text.size() / 3);  // a record takes some 30 bytes of JSON
      target = StreamTarget{origin_, &pools_, builder.get()};
      return true;
    };
    if (!reader.read(text, start) || !builder) return false;
    const Json& header = reader.header();
    check_keys(header, {"$schema", "origin", "ttl", "soa", "pools", "transfer", "dnssec", "records"}, "", ctx_);
    std::string schema;
    read_string(header, "$schema", "", schema, ctx_);
    read_ttl(header, "ttl", "", ttl_, ctx_);
    if (!header.contains("soa")) return false;
    read_soa(header.at("soa"), "/soa");
    if (header.contains("transfer"))
      parse_transfer(header.at("transfer"), "/transfer", options_.tsig_keys, transfer_, ctx_);
    if (header.contains("dnssec")) parse_dnssec(header.at("dnssec"), "/dnssec", dnssec_, ctx_);
    if (!ctx_.errors.empty() || !reader.apex_has_ns() || (dnssec_.enabled && reader.has_dnskey())) return false;
    builder->set_default_ttl(ttl_);
    builder->add_record(origin_, rrtype::SOA, soa_ttl_, soa_rdata_);
    builder->set_transfer(transfer_);
    builder->set_dnssec(dnssec_);
    for (Pool& pool : pools_) builder->add_pool(std::move(pool));  // in file order, as the records refer to them
    std::string error;
    result.zone = builder->build(error);
    if (!result.zone) return false;
    result.warnings = reader.take_warnings();
    return true;
  }

  LoadResult load(std::string_view text) {
    LoadResult result;
    Json doc;
    if (parse_json_document(text, doc, ctx_, options_.cancel)) read_document(doc);
    if (options_.cancel && options_.cancel->load(std::memory_order_relaxed)) {
      ctx_.errors.clear();  // whatever a cut-short read found says nothing about the file
      ctx_.warnings.clear();
      ctx_.error("", kLoadCancelled);
    }
    if (ctx_.errors.empty()) result.zone = build();
    result.errors = std::move(ctx_.errors);
    result.warnings = std::move(ctx_.warnings);
    if (!result.errors.empty()) result.zone = nullptr;
    return result;
  }

 private:
  void read_document(const Json& doc) {
    if (!doc.is_object()) {
      ctx_.error("", std::string("a zone file must be a JSON object, not ") + json_type_words(doc));
      return;
    }
    check_keys(doc, {"$schema", "origin", "ttl", "soa", "pools", "transfer", "dnssec", "records"}, "", ctx_);
    std::string schema;
    read_string(doc, "$schema", "", schema, ctx_);
    read_origin(doc);
    read_ttl(doc, "ttl", "", ttl_, ctx_);
    if (doc.contains("soa"))
      read_soa(doc.at("soa"), "/soa");
    else
      missing_key("soa", "", ctx_);
    if (doc.contains("pools")) parse_pools(doc.at("pools"), "/pools", pools_, ctx_);
    if (doc.contains("transfer"))
      parse_transfer(doc.at("transfer"), "/transfer", options_.tsig_keys, transfer_, ctx_);
    if (doc.contains("dnssec")) parse_dnssec(doc.at("dnssec"), "/dnssec", dnssec_, ctx_);
    if (!doc.contains("records")) {
      ctx_.error("", "missing required key \"records\" (a zone needs at least NS records at its apex)");
      return;
    }
    RecordsInput input;
    input.origin = origin_;
    input.origin_valid = origin_valid_;
    input.default_ttl = ttl_;
    input.pools = &pools_;
    input.declared_pools = doc.contains("pools") ? &doc.at("pools") : nullptr;
    input.cancel = options_.cancel;
    owners_ = parse_records(doc.at("records"), "/records", input, ctx_);
    if (origin_valid_ && doc.at("records").is_object()) check_apex_ns();
    if (dnssec_.enabled) check_no_dnssec_records();
  }

  void read_origin(const Json& doc) {
    origin_ = root_name();
    origin_valid_ = false;
    if (!doc.contains("origin")) {
      missing_key("origin", "", ctx_);
      return;
    }
    std::string text;
    if (!read_string(doc, "origin", "", text, ctx_)) return;
    std::string error;
    Name name;
    if (!name_from_text(text, root_name(), name, error)) {
      ctx_.error("/origin", "invalid origin: " + error);
      return;
    }
    // The rest of the file is still checked against the name as meant.
    origin_ = name;
    origin_valid_ = true;
    if (text.empty() || text.back() != '.' || (text.size() > 1 && text[text.size() - 2] == '\\'))
      ctx_.error("/origin", "the origin must be an absolute name ending in a dot, such as \"" + text + ".\"");
  }

  // A name in the SOA: relative to the origin, or absolute with a trailing dot.
  bool read_soa_name(const Json& soa, std::string_view key, const std::string& pointer, const std::string& fallback,
                     std::string& wire) {
    std::string text = fallback;
    if (!read_string(soa, key, pointer, text, ctx_)) return false;
    if (key == "rname") text = mailbox_to_name(text);
    Name name;
    std::string error;
    if (!name_from_text(text, origin_, name, error)) {
      ctx_.error(pointer_append(pointer, key), "invalid name: " + error);
      return false;
    }
    wire = name.wire;
    return true;
  }

  void read_soa(const Json& soa, const std::string& pointer) {
    if (!expect_object(soa, pointer, ctx_)) return;
    check_keys(soa, {"mname", "rname", "serial", "refresh", "retry", "expire", "minimum", "ttl"}, pointer, ctx_);
    std::string mname, rname;
    bool ok = true;
    if (!soa.contains("mname")) {
      missing_key("mname", pointer, ctx_);
      ok = false;
    } else {
      ok &= read_soa_name(soa, "mname", pointer, "", mname);
    }
    ok &= read_soa_name(soa, "rname", pointer, "hostmaster", rname);
    int64_t serial = 1, refresh = 3600, retry = 600, expire = 604800, minimum = 300;
    ok &= read_integer(soa, "serial", pointer, 0, 4294967295, serial, ctx_);
    ok &= read_integer(soa, "refresh", pointer, 0, kMaxTtl, refresh, ctx_);
    ok &= read_integer(soa, "retry", pointer, 0, kMaxTtl, retry, ctx_);
    ok &= read_integer(soa, "expire", pointer, 0, kMaxTtl, expire, ctx_);
    ok &= read_integer(soa, "minimum", pointer, 0, kMaxTtl, minimum, ctx_);
    soa_ttl_ = ttl_;  // the zone "ttl" has been read already
    ok &= read_ttl(soa, "ttl", pointer, soa_ttl_, ctx_);
    if (!ok) return;
    soa_rdata_ = mname + rname;
    for (int64_t v : {serial, refresh, retry, expire, minimum}) append_u32(soa_rdata_, uint32_t(v));
  }

  void check_apex_ns() {
    Name apex = origin_.lowered();
    for (const ParsedOwner& owner : owners_) {
      if (owner.name.lowered() != apex) continue;
      for (uint16_t type : owner.types_given)
        if (type == rrtype::NS) return;
      ctx_.error(owner.pointer, "the apex has no NS records; a zone needs at least one, e.g. \"NS\": [\"ns1\", \"ns2\"]");
      return;
    }
    ctx_.error("/records", "the apex has no NS records; add \"@\": {\"NS\": [\"ns1\", \"ns2\"]}");
  }

  // dnsd makes a signed zone's DNSKEY RRset itself (RRSIG and NSEC records
  // are refused in every zone); a copy in the file would be stale the moment
  // a key changes.
  void check_no_dnssec_records() {
    for (const ParsedOwner& owner : owners_)
      if (const ParsedRRset* set = owner.find(rrtype::DNSKEY))
        ctx_.error(set->pointer, "dnsd signs this zone (\"dnssec\") and makes its DNSKEY records from its own "
                                 "keys (--key-dir); remove them from the file");
  }

  std::shared_ptr<const Zone> build() {
    ZoneBuilder builder(origin_);
    builder.add_record(origin_, rrtype::SOA, soa_ttl_, soa_rdata_);
    builder.set_transfer(transfer_);
    builder.set_dnssec(dnssec_);
    for (Pool& pool : pools_) {
      builder.add_pool(std::move(pool));  // same order as parsed, so ParsedRRset::pool indices stay valid
    }
    for (const ParsedOwner& owner : owners_) {
      for (const ParsedRRset& set : owner.rrsets) {
        if (set.pool != UINT32_MAX) {
          builder.add_pool_rrset(owner.name, set.type, set.ttl, set.pool);
          continue;
        }
        for (const std::string& rdata : set.rdatas) builder.add_record(owner.name, set.type, set.ttl, rdata);
      }
    }
    std::string error;
    auto zone = builder.build(error);
    if (!zone) ctx_.error("", error);
    return zone;
  }

  const LoadOptions& options_;
  LoadContext ctx_;
  Name origin_;
  bool origin_valid_ = false;
  uint32_t ttl_ = kDefaultZoneTtl;
  uint32_t soa_ttl_ = kDefaultZoneTtl;
  std::string soa_rdata_;
  std::vector<Pool> pools_;
  TransferPolicy transfer_;
  DnssecPolicy dnssec_;
  std::vector<ParsedOwner> owners_;
};

}  // namespace

std::string pointer_for_display(const std::string& pointer) { return pointer.empty() ? "(root)" : pointer; }

std::string LoadError::to_string() const { return file + ": " + pointer_for_display(pointer) + ": " + message; }

LoadResult load_zone_json(std::string_view text, const std::string& file, const LoadOptions& options) {
  try {
    LoadResult result;
    if (options.stream && ZoneFileLoader(file, options).load_streaming(text, result)) return result;
    return ZoneFileLoader(file, options).load(text);
  } catch (const std::exception& e) {
    // Nothing past the loader throws: turn any surprise into an error line.
    LoadResult result;
    result.errors.push_back(LoadError{file, "", std::string("internal error while loading: ") + e.what()});
    return result;
  }
}

bool read_zone_file(const std::string& path, std::string& text, LoadResult& failure) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    failure.errors.push_back(LoadError{path, "", "is a directory, not a zone file"});
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    failure.errors.push_back(LoadError{path, "", std::string("cannot open file: ") + std::strerror(errno)});
    return false;
  }
  // One read into a buffer of the file's size, not a stream copy: zone files can be tens of megabytes.
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  text.clear();
  if (size > 0) {
    text.resize(size_t(size));
    in.read(text.data(), size);
    text.resize(size_t(in.gcount()));
  }
  if (in.bad() || size < 0) {
    failure.errors.push_back(LoadError{path, "", std::string("cannot read file: ") + std::strerror(errno)});
    return false;
  }
  if (size > 0 && in.peek() != std::char_traits<char>::eof()) {  // it grew while being read: take the rest too
    std::ostringstream rest;
    rest << in.rdbuf();
    text += std::move(rest).str();
  }
  return true;
}

LoadResult load_zone_file(const std::string& path, const LoadOptions& options) {
  std::string text;
  LoadResult failure;
  if (!read_zone_file(path, text, failure)) return failure;
  return load_zone_json(text, path, options);
}

}  // namespace dnsd::zones
