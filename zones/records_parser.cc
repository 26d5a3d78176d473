#include "zones/records_parser.h"

#include <map>
#include <optional>
#include <utility>

#include "zones/pool_parser.h"
#include "zones/rdata_parser.h"
#include "zones/zone.h"
#include "zones/zone_lint.h"

namespace dnsd::zones {
namespace {

// One record's text and where it sits in the file.
struct DataItem {
  std::string text;
  std::string pointer;
};

class RecordsParser {
 public:
  RecordsParser(const RecordsInput& input, LoadContext& ctx) : in_(input), ctx_(ctx) {}

  std::vector<ParsedOwner> parse(const Json& records, const std::string& pointer) {
    std::vector<ParsedOwner> owners;
    if (!expect_object(records, pointer, ctx_)) return owners;
    std::map<std::string, std::string> seen;  // lowercased owner wire -> pointer of its first key
    for (const auto& [key, value] : records.items()) {
      if (in_.cancel && in_.cancel->load(std::memory_order_relaxed)) return owners;  // the loader reports it
      ParsedOwner owner;
      owner.pointer = pointer_append(pointer, key);
      if (!parse_owner_name(key, owner.pointer, owner.name)) continue;
      auto [first, fresh] = seen.emplace(owner.name.lowered().wire, owner.pointer);
      if (!fresh) {
        ctx_.error(owner.pointer, "\"" + key + "\" is the same owner name as " + first->second + " (" +
                                      owner.name.text() + "); merge the two");
        continue;
      }
      // Kept even when some of its RRsets failed, so zone-wide checks see what was meant.
      if (parse_owner(value, owner)) owners.push_back(std::move(owner));
    }
    return owners;
  }

 private:
  bool parse_owner_name(const std::string& key, const std::string& pointer, Name& out) {
    std::string error;
    if (!name_from_text(key, in_.origin, out, error)) {
      ctx_.error(pointer, "invalid owner name: " + error);
      return false;
    }
    if (in_.origin_valid && !out.is_subdomain_of(in_.origin)) {
      ctx_.error(pointer, "owner name " + out.text() + " is outside the zone's origin " + in_.origin.text());
      return false;
    }
    if (key.back() != '.' && repeats_origin(out)) {
      ctx_.error(pointer, "\"" + key + "\" is relative, so it means " + out.text() +
                              "; end it with a dot, or leave out the origin");
      return false;
    }
    return true;
  }

  // Whether `name` ends in the origin twice: "www.example.test" written without
  // its trailing dot in zone example.test. Legal DNS, but never what was meant.
  bool repeats_origin(const Name& name) const {
    if (!in_.origin_valid || in_.origin.size() <= 1) return false;
    Name doubled;
    doubled.wire = in_.origin.wire.substr(0, in_.origin.size() - 1) + in_.origin.wire;
    return doubled.size() <= kMaxNameLength && name.is_subdomain_of(doubled);
  }

  // The same mistake in a name inside record data (NS, CNAME, PTR, MX, SRV targets).
  bool target_repeats_origin(uint16_t type, const std::string& wire, std::string& target) const {
    size_t at;
    switch (type) {
      case rrtype::NS: case rrtype::CNAME: case rrtype::PTR: at = 0; break;
      case rrtype::MX: at = 2; break;
      case rrtype::SRV: at = 6; break;
      default: return false;
    }
    LabeledName parsed;
    if (at >= wire.size() ||
        parsed.parse(reinterpret_cast<const uint8_t*>(wire.data()) + at, wire.size() - at) == 0)
      return false;
    Name name{wire.substr(at, parsed.length)};
    if (!repeats_origin(name)) return false;
    target = name.text();
    return true;
  }

  // Parses every RRset of one owner, then checks the rules that tie them together.
  // Returns false only when the owner's value is unusable as a whole.
  bool parse_owner(const Json& value, ParsedOwner& owner) {
    if (!value.is_object()) {
      ctx_.error(owner.pointer, std::string("must be an object of record types, such as {\"A\": \"192.0.2.1\"}, not ") +
                                    json_type_words(value));
      return false;
    }
    if (value.empty()) {
      ctx_.error(owner.pointer, "has no records");
      return false;
    }
    std::map<uint16_t, std::string> declared;  // every recognised type key -> its pointer
    for (const auto& [key, rrset] : value.items()) {
      std::string at = pointer_append(owner.pointer, key);
      uint16_t type = 0;
      if (!rr_type_from_text(key, type)) {
        ctx_.error(at, "unknown record type \"" + key + "\" (use TYPEnnn for types without a name)");
        continue;
      }
      if (const char* why = rr_type_rejection(type)) {
        ctx_.error(at, why);
        continue;
      }
      auto [first, fresh] = declared.emplace(type, at);
      if (!fresh) {
        ctx_.error(at, rr_type_to_text(type) + " is given twice at this owner (also at " + first->second + ")");
        continue;
      }
      ParsedRRset parsed;
      parsed.type = type;
      parsed.pointer = at;
      if (parse_rrset(rrset, parsed)) owner.rrsets.push_back(std::move(parsed));
    }
    check_owner_rules(owner, declared);
    for (const auto& [type, unused] : declared) owner.types_given.push_back(type);
    return true;
  }

  bool parse_rrset(const Json& value, ParsedRRset& out) {
    std::vector<DataItem> items;
    out.ttl = in_.default_ttl;
    if (value.is_object()) {
      check_keys(value, {"ttl", "data", "pool"}, out.pointer, ctx_);
      bool ttl_ok = read_ttl(value, "ttl", out.pointer, out.ttl, ctx_);
      bool has_data = value.contains("data"), has_pool = value.contains("pool");
      if (has_data && has_pool) {
        ctx_.error(out.pointer, "give either \"data\" or \"pool\", not both");
        return false;
      }
      if (has_pool) return parse_pool_reference(value, out) && ttl_ok;
      if (!has_data) {
        missing_key("data", out.pointer, ctx_);
        return false;
      }
      if (!collect_data(value.at("data"), pointer_append(out.pointer, "data"), false, items)) return false;
      if (!ttl_ok) return false;
    } else if (!collect_data(value, out.pointer, true, items)) {
      return false;
    }
    return parse_data(items, out);
  }

  // A string or a non-empty list of strings. `whole_rrset`: the value may also
  // have been an object, which the message then mentions.
  bool collect_data(const Json& value, const std::string& pointer, bool whole_rrset, std::vector<DataItem>& items) {
    if (value.is_string()) {
      items.push_back({value.get<std::string>(), pointer});
      return true;
    }
    if (!value.is_array()) {
      const char* expected = whole_rrset ? "a string, a list of strings, or an object with \"data\" or \"pool\""
                                         : "a string or a list of strings";
      ctx_.error(pointer, std::string("must be ") + expected + ", not " + json_type_words(value));
      return false;
    }
    if (value.empty()) {
      ctx_.error(pointer, "must hold at least one record");
      return false;
    }
    bool ok = true;
    for (size_t i = 0; i < value.size(); ++i) {
      std::string at = pointer_append(pointer, i);
      if (!value[i].is_string()) {
        ctx_.error(at, std::string("must be a string, not ") + json_type_words(value[i]));
        ok = false;
        continue;
      }
      items.push_back({value[i].get<std::string>(), at});
    }
    return ok;
  }

  bool parse_data(const std::vector<DataItem>& items, ParsedRRset& out) {
    bool ok = true;
    std::map<std::string, std::string> seen;  // canonical rdata -> pointer of first
    for (const DataItem& item : items) {
      ParsedRdata rdata;
      std::string error;
      if (!parse_rdata(out.type, item.text, in_.origin, rdata, error)) {
        ctx_.error(item.pointer, error);
        ok = false;
        continue;
      }
      std::string target;
      if (target_repeats_origin(out.type, rdata.wire, target)) {
        ctx_.error(item.pointer, "\"" + item.text + "\" names " + target +
                                     ", which repeats the origin; end the name with a dot, or leave out the origin");
        ok = false;
        continue;
      }
      auto [first, fresh] = seen.emplace(rdata.canonical, item.pointer);
      if (!fresh) {
        ctx_.error(item.pointer, "duplicate record: \"" + item.text + "\" is the same " + rr_type_to_text(out.type) +
                                     " data as " + first->second);
        ok = false;
        continue;
      }
      if (std::optional<std::string> warning = lint_record_text(out.type, item.text))
        ctx_.warn(item.pointer, std::move(*warning));
      out.rdatas.push_back(std::move(rdata.wire));
    }
    return ok;
  }

  bool parse_pool_reference(const Json& value, ParsedRRset& out) {
    std::string at = pointer_append(out.pointer, "pool");
    if (out.type != rrtype::A && out.type != rrtype::AAAA) {
      ctx_.error(at, "only A and AAAA records can come from a pool, not " + rr_type_to_text(out.type));
      return false;
    }
    std::string name;
    if (!read_string(value, "pool", out.pointer, name, ctx_)) return false;
    const std::vector<Pool>& pools = *in_.pools;
    for (uint32_t i = 0; i < pools.size(); ++i) {
      if (pools[i].name != name) continue;
      uint8_t family = out.type == rrtype::A ? 4 : 6;
      if (!pool_has_family(pools[i], family)) {
        ctx_.error(at, "pool \"" + name + "\" has no IPv" + std::to_string(family) + " member, so it cannot serve " +
                           rr_type_to_text(out.type) + " records");
        return false;
      }
      if (!value.contains("ttl")) out.ttl = pools[i].ttl;
      out.pool = i;
      return true;
    }
    // A pool that is declared but broken has its own errors already.
    if (in_.declared_pools && in_.declared_pools->is_object() && in_.declared_pools->contains(name)) return false;
    std::string known;
    if (in_.declared_pools && in_.declared_pools->is_object())
      for (const auto& [pool_name, unused] : in_.declared_pools->items())
        known += (known.empty() ? "" : ", ") + ("\"" + pool_name + "\"");
    ctx_.error(at, "unknown pool \"" + name + "\"" +
                       (known.empty() ? std::string("; the file declares no \"pools\"") : "; declared pools: " + known));
    return false;
  }

  // Rules about which types may share an owner (RFC 1034 3.6.2, RFC 4035 2.4).
  void check_owner_rules(const ParsedOwner& owner, const std::map<uint16_t, std::string>& declared) {
    bool apex = in_.origin_valid && owner.name.lowered() == in_.origin.lowered();
    auto cname = declared.find(rrtype::CNAME);
    if (cname != declared.end()) {
      if (apex) {
        ctx_.error(cname->second, "CNAME is not allowed at the zone apex, which must hold the SOA and NS records");
      } else if (declared.size() > 1) {
        std::string others;
        for (const auto& [type, unused] : declared)
          if (type != rrtype::CNAME) others += (others.empty() ? "" : ", ") + rr_type_to_text(type);
        ctx_.error(owner.pointer, "CNAME cannot share an owner name with other records (here: " + others +
                                      "); RFC 1034 section 3.6.2");
      }
      const ParsedRRset* set = owner.find(rrtype::CNAME);
      if (set && set->rdatas.size() > 1)
        ctx_.error(cname->second, "a CNAME must have exactly one target, not " + std::to_string(set->rdatas.size()));
    }
    auto ds = declared.find(rrtype::DS);
    if (ds != declared.end()) {
      if (apex)
        ctx_.error(ds->second, "DS belongs in the parent zone; at this zone's apex it would never be served");
      else if (!declared.count(rrtype::NS))
        ctx_.error(ds->second, "DS is only allowed at a delegation point, beside NS records");
    }
  }

  const RecordsInput& in_;
  LoadContext& ctx_;
};

}  // namespace

const ParsedRRset* ParsedOwner::find(uint16_t type) const {
  for (const ParsedRRset& set : rrsets)
    if (set.type == type) return &set;
  return nullptr;
}

std::vector<ParsedOwner> parse_records(const Json& records, const std::string& pointer, const RecordsInput& input,
                                       LoadContext& ctx) {
  return RecordsParser(input, ctx).parse(records, pointer);
}

}  // namespace dnsd::zones
