// Models an imported zone and applies dnsd's rules (see zone_converter.h).
#include <algorithm>
#include <cstddef>
#include <iterator>

// After the standard headers: ldns's headers redefine bool, true and false.
#include "zones/zone_converter.h"
#include "zones/json_fields.h"
#include "zones/rdata_parser.h"
#include "zones/zone.h"
#include "zones/zone_json_writer.h"

namespace dnsd::zones::importer {
namespace {

/// Renderings tried before giving up on output the loader accepts (each skips what the last was refused for).
constexpr int kMaxRenders = 4;
constexpr uint16_t kNsec3Param = 51;

// Rdata with the embedded names of RFC 4034 6.2 lowercased: equal for records
// that are duplicates of each other.
std::string canonical_rdata(const ldns_rr* rr) {
  RrPtr copy(ldns_rr_clone(rr));
  if (!copy) return rdata_wire(rr);
  ldns_rr2canonical(copy.get());
  return rdata_wire(copy.get());
}

// Whether the record names something below kNoOrigin: a relative name read
// before any origin was known.
bool uses_unknown_origin(const SourceRecord& r, const Name& unknown) {
  if (name_of(ldns_rr_owner(r.rr.get())).lowered().is_subdomain_of(unknown)) return true;
  for (size_t i = 0; i < ldns_rr_rd_count(r.rr.get()); ++i) {
    const ldns_rdf* rdf = ldns_rr_rdf(r.rr.get(), i);
    if (ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_DNAME && name_of(rdf).lowered().is_subdomain_of(unknown))
      return true;
  }
  return false;
}

// Why records of `type` are skipped, or nullptr if dnsd serves them.
const char* skip_reason(uint16_t type) {
  switch (type) {
    case rrtype::RRSIG:
    case rrtype::NSEC:
    case rrtype::NSEC3:
    case kNsec3Param:
      return "dnsd makes its own signatures and denial-of-existence records when it signs a zone "
             "(\"dnssec\"), so these would be stale";
    case rrtype::DNAME:
      return "DNAME is not supported by dnsd";
    default:
      return rr_type_rejection(type);  // whatever else the loader refuses
  }
}

// The types beside a CNAME, for the message that names them.
std::string other_types(const ImportedOwner& owner) {
  std::string out;
  for (const auto& [type, unused] : owner.rrsets)
    if (type != rrtype::CNAME) out += (out.empty() ? "" : ", ") + rr_type_to_text(type);
  return out;
}

}  // namespace

void ImportLog::skip(const SourceRecord& r, const std::string& reason) {
  std::string type = rr_type_to_text(uint16_t(ldns_rr_get_type(r.rr.get())));
  std::string owner = name_of(ldns_rr_owner(r.rr.get())).text();
  result_.dropped.push_back(DroppedRecord{r.file, r.line, type, owner, reason});
  SkipTally& tally = skips_[type + "\n" + reason];
  if (tally.count++ == 0) {
    tally.file = r.file;
    tally.line = r.line;
    tally.type = type;
    tally.first_owner = owner;
  }
}

void ImportLog::report_skips() {
  for (const auto& [key, t] : skips_) {
    std::string reason = key.substr(key.find('\n') + 1);
    std::string what = t.count == 1 ? "skipped the " + t.type + " record at " + t.first_owner
                                    : "skipped " + std::to_string(t.count) + " " + t.type +
                                          " records (the first at " + t.first_owner + ")";
    warning(ImportMessage{t.file, t.line, what + ": " + reason});
  }
}

void ImportLog::sort(const std::string& zone_file) {
  auto before = [&zone_file](const ImportMessage& a, const ImportMessage& b) {
    if (a.file != b.file) return a.file == zone_file || (b.file != zone_file && a.file < b.file);
    return a.line < b.line;
  };
  std::stable_sort(result_.warnings.begin(), result_.warnings.end(), before);
  std::stable_sort(result_.errors.begin(), result_.errors.end(), before);
  auto record_before = [&before](const DroppedRecord& a, const DroppedRecord& b) {
    return before(ImportMessage{a.file, a.line, {}}, ImportMessage{b.file, b.line, {}});
  };
  std::stable_sort(result_.dropped.begin(), result_.dropped.end(), record_before);
}

ImportLog::Mark ImportLog::mark() const { return Mark{result_.warnings.size(), result_.dropped.size(), skips_}; }

void ImportLog::rewind(const Mark& mark) {
  result_.warnings.erase(result_.warnings.begin() + std::ptrdiff_t(mark.warnings), result_.warnings.end());
  result_.dropped.erase(result_.dropped.begin() + std::ptrdiff_t(mark.dropped), result_.dropped.end());
  skips_ = mark.skips;
}

void ZoneConverter::run(std::vector<SourceRecord> records, std::optional<Name> origin) {
  records_ = std::move(records);
  if (origin) {
    zone_.origin = *origin;
    origin_known_ = true;
  }
  if (!find_soa()) return;
  collect();
  check_rules();
  if (log_.ok()) convert();
  log_.report_skips();
  log_.sort(file_);
  if (!log_.ok()) result_.json.clear();
}

bool ZoneConverter::find_soa() {
  Name unknown;
  std::string ignored;
  name_from_text(kNoOrigin, root_name(), unknown, ignored);
  for (const SourceRecord& r : records_) {
    if (uses_unknown_origin(r, unknown.lowered())) {
      log_.error(at(r, "a relative name is used before any $ORIGIN; give the zone's origin with --origin NAME"));
      return false;
    }
    if (ldns_rr_get_type(r.rr.get()) != LDNS_RR_TYPE_SOA) continue;
    if (zone_.soa) {
      log_.error(at(r, "a second SOA record (the first is at " + zone_.soa->file + ":" +
                           std::to_string(zone_.soa->line) + "); a zone has exactly one"));
      return false;
    }
    zone_.soa = &r;
  }
  if (!zone_.soa) {
    log_.error(ImportMessage{file_, 0, "no SOA record: a zone file starts with the zone's SOA"});
    return false;
  }
  Name owner = name_of(ldns_rr_owner(zone_.soa->rr.get()));
  if (!origin_known_) {
    zone_.origin = owner;
    origin_known_ = true;
  } else if (owner.lowered() != zone_.origin.lowered()) {
    log_.error(at(*zone_.soa, "the SOA is at " + owner.text() + ", not at the origin " + zone_.origin.text()));
    return false;
  }
  if (ldns_rr_rd_count(zone_.soa->rr.get()) != 7) {
    log_.error(at(*zone_.soa, "the SOA record is malformed"));
    return false;
  }
  return true;
}

void ZoneConverter::collect() {
  Name apex = zone_.origin.lowered();
  for (const SourceRecord& r : records_) {
    if (&r == zone_.soa) continue;
    const ldns_rr* rr = r.rr.get();
    uint16_t type = uint16_t(ldns_rr_get_type(rr));
    Name owner = name_of(ldns_rr_owner(rr));
    if (type == rrtype::SOA) continue;  // find_soa allows only one
    if (!owner.lowered().is_subdomain_of(apex)) {
      log_.skip(r, "outside the zone " + zone_.origin.text() + ", so no server would answer it");
      continue;
    }
    if (const char* reason = skip_reason(type)) {
      log_.skip(r, reason);
      continue;
    }
    if (ldns_rr_ttl(rr) > uint32_t(kMaxTtl)) {
      log_.error(at(r, "TTL " + std::to_string(ldns_rr_ttl(rr)) + " is above 2147483647 (RFC 2181 section 8)"));
      continue;
    }
    warn_if_origin_repeats(r);
    auto [it, fresh] = zone_.owners.try_emplace(owner.lowered().wire);
    if (fresh) it->second.name = owner;
    add_to_rrset(it->second, type, r);
  }
}

void ZoneConverter::warn_if_origin_repeats(const SourceRecord& r) {
  std::vector<Name> names{name_of(ldns_rr_owner(r.rr.get()))};
  for (size_t i = 0; i < ldns_rr_rd_count(r.rr.get()); ++i)
    if (ldns_rdf_get_type(ldns_rr_rdf(r.rr.get(), i)) == LDNS_RDF_TYPE_DNAME)
      names.push_back(name_of(ldns_rr_rdf(r.rr.get(), i)));
  for (const Name& name : names) {
    if (!repeats_origin(name, zone_.origin)) continue;
    log_.warning(at(r, name.text() + " repeats the origin: is a trailing dot missing in the zone file?"));
    return;
  }
}

void ZoneConverter::add_to_rrset(ImportedOwner& owner, uint16_t type, const SourceRecord& r) {
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
      log_.warning(at(r, "duplicate " + rr_type_to_text(type) + " record at " + owner.name.text() + " (same as " +
                             set.records[i]->file + ":" + std::to_string(set.records[i]->line) + "); dropped"));
      return;
    }
    if (ttl != set.ttl) {
      // RFC 2181 5.2: an RRset has one TTL; treat all as the lowest.
      uint32_t lowest = std::min(ttl, set.ttl);
      log_.warning(at(r, "the " + rr_type_to_text(type) + " RRset at " + owner.name.text() + " has TTLs " +
                             std::to_string(set.ttl) + " and " + std::to_string(ttl) + "; using the lowest, " +
                             std::to_string(lowest) + " (RFC 2181 section 5.2)"));
      set.ttl = lowest;
    }
  }
  set.records.push_back(&r);
  set.canonical.push_back(std::move(canonical));
}

void ZoneConverter::check_rules() {
  Name apex = zone_.origin.lowered();
  bool apex_ns = false;
  for (auto& [key, owner] : zone_.owners) {
    bool is_apex = owner.name.lowered() == apex;
    if (is_apex && owner.rrsets.count(rrtype::NS)) apex_ns = true;
    auto cname = owner.rrsets.find(rrtype::CNAME);
    if (cname != owner.rrsets.end()) {
      const SourceRecord& first = *cname->second.records.front();
      if (is_apex)
        log_.error(at(first, "a CNAME at the zone apex " + owner.name.text() + " (RFC 1034 section 3.6.2)"));
      else if (owner.rrsets.size() > 1)
        log_.error(at(first, "the CNAME at " + owner.name.text() + " shares its name with " + other_types(owner) +
                                 " (RFC 1034 section 3.6.2)"));
      if (cname->second.records.size() > 1)
        log_.error(at(*cname->second.records[1], "a second CNAME at " + owner.name.text() + "; a name has one"));
    }
    auto ds = owner.rrsets.find(rrtype::DS);
    if (ds != owner.rrsets.end()) {
      const char* reason = is_apex ? "DS at the zone's own apex belongs in the parent zone"
                           : !owner.rrsets.count(rrtype::NS) ? "DS is only meaningful at a delegation (beside NS)"
                                                             : nullptr;
      if (reason) {
        for (const SourceRecord* r : ds->second.records) log_.skip(*r, reason);
        owner.rrsets.erase(ds);
      }
    }
  }
  if (!apex_ns) log_.error(at(*zone_.soa, "the zone has no NS records at its apex " + zone_.origin.text()));
  for (auto it = zone_.owners.begin(); it != zone_.owners.end();)
    it = it->second.rrsets.empty() ? zone_.owners.erase(it) : std::next(it);
}

// Renders the zone, then loads it as `dnsd check` would. A record the loader
// still refuses (its rules may grow stricter than the ones mirrored here) is
// skipped with the loader's own reason and the zone rendered again, so the
// output always loads. An error that names no record is an importer bug.
void ZoneConverter::convert() {
  ImportLog::Mark base = log_.mark();
  ZoneJsonWriter writer(zone_, log_);
  for (int attempt = 0; attempt < kMaxRenders; ++attempt) {
    // Each rendering starts from the same state, so its warnings are not repeated.
    log_.rewind(base);
    for (const auto& [record, reason] : refused_) log_.skip(*record, reason);
    std::string json = writer.render(refused_);
    if (!log_.ok()) return;
    LoadResult loaded = load_zone_json(json, file_ + " (converted)");
    if (loaded.errors.empty()) {
      result_.json = std::move(json);
      return;
    }
    if (!refuse(loaded.errors, writer)) return;
  }
  log_.error(ImportMessage{file_, 0,
                           "internal error: the converted zone still does not load after skipping what "
                           "dnsd's loader refused"});
}

/// Marks the records behind each load error as refused; false if an error names none.
bool ZoneConverter::refuse(const std::vector<LoadError>& errors, const ZoneJsonWriter& writer) {
  bool placed = true;
  for (const LoadError& e : errors) {
    const std::vector<const SourceRecord*>* records = writer.records_at(e.pointer);
    if (!records) {
      log_.error(ImportMessage{file_, 0, "internal error: the converted zone does not load: " + e.to_string()});
      placed = false;
      continue;
    }
    for (const SourceRecord* r : *records) refused_.emplace(r, "dnsd's loader refuses it: " + e.message);
  }
  return placed;
}

}  // namespace dnsd::zones::importer
