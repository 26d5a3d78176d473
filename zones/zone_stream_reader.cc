#include "zones/zone_stream_reader.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <unordered_map>

#include "zones/pool_parser.h"
#include "zones/rdata_parser.h"
#include "zones/zone.h"
#include "zones/zone_lint.h"

namespace dnsd::zones {
namespace {

// Where a type keeps the one name that must not repeat the origin (NS, CNAME,
// PTR, MX and SRV targets), or -1.
int target_offset(uint16_t type) {
  switch (type) {
    case rrtype::NS: case rrtype::CNAME: case rrtype::PTR: return 0;
    case rrtype::MX: return 2;
    case rrtype::SRV: return 6;
    default: return -1;
  }
}

// FNV-1a over the lowercased wire name: two owner keys naming one owner hash
// alike (a repeat sends the file to the thorough read, which words it).
uint64_t owner_hash(const Name& name) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : name.wire) {
    h ^= lower_byte(uint8_t(c));
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace

// The SAX handler: levels are 1 = the document object, 2 = "records",
// 3 = one owner, 4 = an RRset's list. Any other value of the top level, and
// an RRset given as an object, is captured as JSON first.
class ZoneStreamReader::Handler : public nlohmann::json_sax<Json> {
 public:
  Handler(ZoneStreamReader& out, const RecordsStart& start) : out_(out), start_(start) {}

  bool null() override { return scalar(Json(nullptr)); }
  bool boolean(bool v) override { return scalar(Json(v)); }
  bool number_integer(number_integer_t v) override { return scalar(Json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return scalar(Json(v)); }
  bool number_float(number_float_t v, const string_t& s) override {
    if (capture_) return forward([&](auto& p) { return p.number_float(v, s); }, 0);
    return scalar(Json(v));
  }
  bool binary(binary_t&) override { return false; }
  bool string(string_t& v) override {
    if (capture_) return forward([&](auto& p) { return p.string(v); }, 0);
    if (depth_ == 3 && in_records_) return begin_items() && item(v, "", kNoIndex) && end_items();
    if (depth_ == 4) return item(v, "", index_++);
    return scalar(Json(v));
  }
  bool start_object(std::size_t n) override {
    if (capture_) return forward([&](auto& p) { return p.start_object(n); }, 1);
    if (depth_ == 0) return ++depth_, true;
    if (depth_ == 1 && key_ == "records") {
      if (!start_(out_.header_, target_)) return false;
      in_records_ = true;
      doubled_origin_.wire = target_.origin.wire.substr(0, target_.origin.size() - 1) + target_.origin.wire;
      return ++depth_, true;
    }
    if (depth_ == 1) return begin_capture(&out_.header_[key_]) && forward([&](auto& p) { return p.start_object(n); }, 1);
    if (depth_ == 2 && in_records_) return ++depth_, true;
    if (depth_ == 3 && in_records_) {
      rrset_object_ = Json();
      return begin_capture(&rrset_object_) && forward([&](auto& p) { return p.start_object(n); }, 1);
    }
    return false;
  }
  bool start_array(std::size_t n) override {
    if (capture_) return forward([&](auto& p) { return p.start_array(n); }, 1);
    if (depth_ == 1 && key_ != "records")
      return begin_capture(&out_.header_[key_]) && forward([&](auto& p) { return p.start_array(n); }, 1);
    if (depth_ == 3 && in_records_) {
      index_ = 0;
      return begin_items() && (++depth_, true);
    }
    return false;
  }
  bool end_array() override {
    if (capture_) return forward([&](auto& p) { return p.end_array(); }, -1);
    if (depth_ != 4 || index_ == 0) return false;  // an empty list of records
    --depth_;
    return end_items();
  }
  bool end_object() override {
    if (capture_) return forward([&](auto& p) { return p.end_object(); }, -1);
    if (depth_ == 3) {
      --depth_;
      return end_owner();
    }
    if (depth_ == 2) records_done_ = true;
    --depth_;
    return true;
  }
  bool key(string_t& k) override {
    if (out_.cancel_ && out_.cancel_->load(std::memory_order_relaxed)) return false;
    if (capture_) {
      std::vector<std::string>& seen = capture_keys_.back();
      if (std::find(seen.begin(), seen.end(), k) != seen.end()) return false;  // a repeated key
      seen.push_back(k);
      return capture_->key(k);
    }
    if (depth_ == 1) {
      if (out_.header_.contains(k) || (k == "records" && (in_records_ || records_done_))) return false;
      if (in_records_ && (k == "origin" || k == "pools")) return false;  // needed before the records
      key_ = k;
      return true;
    }
    if (depth_ == 2) return begin_owner(k);
    if (depth_ == 3) return begin_type(k);
    return false;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

  /// After the parse: every owner key named a different owner, and the records were there.
  bool finish() {
    if (!records_done_) return false;
    std::sort(owner_hashes_.begin(), owner_hashes_.end());
    return std::adjacent_find(owner_hashes_.begin(), owner_hashes_.end()) == owner_hashes_.end();
  }

 private:
  // Top-level values other than "records" land in the header.
  bool scalar(Json value) {
    if (capture_) {
      return forward([&](auto& p) {
        switch (value.type()) {
          case Json::value_t::null: return p.null();
          case Json::value_t::boolean: return p.boolean(value.get<bool>());
          case Json::value_t::number_integer: return p.number_integer(value.get<int64_t>());
          case Json::value_t::number_unsigned: return p.number_unsigned(value.get<uint64_t>());
          default: return false;
        }
      }, 0);
    }
    if (depth_ == 1 && key_ != "records") {
      out_.header_[key_] = std::move(value);
      return true;
    }
    return false;  // a number or null where records belong
  }

  bool begin_capture(Json* target) {
    capture_target_ = target;
    capture_ = std::make_unique<nlohmann::detail::json_sax_dom_parser<Json>>(*target, false);
    capture_depth_ = 0;
    capture_keys_.clear();
    return true;
  }

  // Sends one event to the capture; `nesting` +1 opens a container, -1 closes one.
  template <typename Event>
  bool forward(Event event, int nesting) {
    if (nesting > 0) capture_keys_.emplace_back();
    if (nesting < 0) capture_keys_.pop_back();
    if (!event(*capture_)) return false;
    capture_depth_ += nesting;
    if (capture_depth_ > 0) return true;
    capture_.reset();
    return capture_target_ == &rrset_object_ ? rrset_from_object() : true;
  }

  bool begin_owner(const std::string& key) {
    owner_key_ = key;
    std::string error;
    if (!name_from_text(key, target_.origin, owner_, error) || !owner_.is_subdomain_of(target_.origin)) return false;
    if (key.back() != '.' && repeats_origin(owner_)) return false;
    owner_handle_ = target_.builder->add_owner(owner_);
    owner_hashes_.push_back(owner_hash(owner_));
    types_.clear();
    cname_records_ = 0;
    return true;
  }

  bool begin_type(const std::string& key) {
    auto cached = type_keys_.find(key);
    uint16_t type = 0;
    if (cached != type_keys_.end()) {
      type = cached->second;
    } else {
      if (!rr_type_from_text(key, type) || rr_type_rejection(type)) return false;
      type_keys_.emplace(key, type);
    }
    if (std::find(types_.begin(), types_.end(), type) != types_.end()) return false;
    types_.push_back(type);
    type_ = type;
    type_key_ = key;
    return true;
  }

  bool begin_items() {
    ttl_ = ZoneBuilder::kZoneTtl;
    canonicals_.clear();
    canonical_ends_.assign(1, 0);
    return true;
  }

  static constexpr size_t kNoIndex = SIZE_MAX;

  // Where the RRset being read is; made only for a warning, so reading builds no pointers.
  std::string type_pointer() const { return pointer_append(pointer_append("/records", owner_key_), type_key_); }

  // One record's text, at `key` (or the RRset itself when "") and `index` in
  // its list (or kNoIndex): encoded, checked as records_parser.cc checks it, and added.
  bool item(const std::string& text, const char* key, size_t index) {
    std::string error;
    if (!parse_rdata(type_, text, target_.origin, rdata_, error)) return false;
    if (target_repeats_origin()) return false;
    std::string_view canonical(rdata_.canonical);
    for (size_t i = 0; i + 1 < canonical_ends_.size(); ++i)
      if (std::string_view(canonicals_).substr(canonical_ends_[i], canonical_ends_[i + 1] - canonical_ends_[i]) ==
          canonical)
        return false;  // the same record twice
    canonicals_ += canonical;
    canonical_ends_.push_back(canonicals_.size());
    if (std::optional<std::string> warning = lint_record_text(type_, text))
    {
      std::string pointer = *key ? pointer_append(type_pointer(), key) : type_pointer();
      if (index != kNoIndex) pointer = pointer_append(pointer, index);
      out_.warnings_.push_back({owner_key_, type_key_, LoadError{out_.file_, pointer, std::move(*warning)}});
    }
    target_.builder->add_record(owner_handle_, type_, ttl_, rdata_.wire);
    return true;
  }

  bool end_items() {
    if (type_ == rrtype::CNAME) cname_records_ = canonical_ends_.size() - 1;
    return true;
  }

  // An RRset written as {"ttl": ..., "data": ...} or {"pool": ...}.
  bool rrset_from_object() {
    const Json& value = rrset_object_;
    LoadContext scratch;  // its errors only say "give up"
    check_keys(value, {"ttl", "data", "pool"}, "", scratch);
    uint32_t ttl = ZoneBuilder::kZoneTtl;
    if (value.contains("ttl") && !read_ttl(value, "ttl", "", ttl, scratch)) return false;
    bool has_data = value.contains("data"), has_pool = value.contains("pool");
    if (!scratch.errors.empty() || has_data == has_pool) return false;
    if (has_pool) return pool_reference(value, ttl);
    begin_items();
    ttl_ = ttl;
    const Json& data = value.at("data");
    if (data.is_string()) return item(data.get<std::string>(), "data", kNoIndex) && end_items();
    if (!data.is_array() || data.empty()) return false;
    for (size_t i = 0; i < data.size(); ++i)
      if (!data[i].is_string() || !item(data[i].get<std::string>(), "data", i)) return false;
    return end_items();
  }

  bool pool_reference(const Json& value, uint32_t ttl) {
    if (type_ != rrtype::A && type_ != rrtype::AAAA) return false;
    if (!value.at("pool").is_string()) return false;
    const std::string& name = value.at("pool").get_ref<const std::string&>();
    const std::vector<Pool>& pools = *target_.pools;
    for (uint32_t i = 0; i < pools.size(); ++i) {
      if (pools[i].name != name) continue;
      if (!pool_has_family(pools[i], type_ == rrtype::A ? 4 : 6)) return false;
      if (!value.contains("ttl")) ttl = pools[i].ttl;
      target_.builder->add_pool_rrset(owner_, type_, ttl, i);
      return true;
    }
    return false;
  }

  // The rules that tie an owner's RRsets together (RFC 1034 3.6.2, RFC 4035 2.4).
  bool end_owner() {
    if (types_.empty()) return false;
    bool apex = name_equal(owner_.data(), owner_.size(), target_.origin.data(), target_.origin.size());
    auto has = [this](uint16_t type) { return std::find(types_.begin(), types_.end(), type) != types_.end(); };
    if (has(rrtype::CNAME) && (apex || types_.size() > 1 || cname_records_ > 1)) return false;
    if (has(rrtype::DS) && (apex || !has(rrtype::NS))) return false;
    if (apex) out_.apex_has_ns_ = has(rrtype::NS);
    if (has(rrtype::DNSKEY)) out_.has_dnskey_ = true;
    return true;
  }

  // "www.example.test" in zone example.test., written without its dot.
  bool repeats_origin(const Name& name) const {
    if (target_.origin.size() <= 1 || doubled_origin_.size() > kMaxNameLength) return false;
    return name.is_subdomain_of(doubled_origin_);
  }

  bool target_repeats_origin() const {
    int at = target_offset(type_);
    if (at < 0) return false;
    const std::string& wire = rdata_.wire;
    LabeledName parsed;
    if (size_t(at) >= wire.size() ||
        parsed.parse(reinterpret_cast<const uint8_t*>(wire.data()) + at, wire.size() - at) == 0)
      return false;
    if (target_.origin.size() <= 1 || doubled_origin_.size() > kMaxNameLength) return false;
    return name_is_subdomain(reinterpret_cast<const uint8_t*>(wire.data()) + at, parsed.length, doubled_origin_.data(),
                             doubled_origin_.size());
  }

  ZoneStreamReader& out_;
  const RecordsStart& start_;
  StreamTarget target_;
  Name doubled_origin_;
  int depth_ = 0;
  std::string key_;  // the current top-level key
  bool in_records_ = false;
  bool records_done_ = false;
  // The value being captured as JSON, and the keys of each object open in it.
  std::unique_ptr<nlohmann::detail::json_sax_dom_parser<Json>> capture_;
  Json* capture_target_ = nullptr;
  int capture_depth_ = 0;
  std::vector<std::vector<std::string>> capture_keys_;
  Json rrset_object_;
  // The owner, type and records being read.
  std::string owner_key_, type_key_;
  Name owner_;
  uint32_t owner_handle_ = kNone;
  std::vector<uint64_t> owner_hashes_;
  std::vector<uint16_t> types_;
  std::unordered_map<std::string, uint16_t> type_keys_;
  uint16_t type_ = 0;
  uint32_t ttl_ = ZoneBuilder::kZoneTtl;
  size_t index_ = 0;
  size_t cname_records_ = 0;
  ParsedRdata rdata_;
  std::string canonicals_;              // the canonical rdata of the RRset so far, back to back
  std::vector<size_t> canonical_ends_;  // where each starts, then where the last ends
};

bool ZoneStreamReader::read(std::string_view text, const RecordsStart& start) {
  Handler handler(*this, start);
  try {
    return Json::sax_parse(text.begin(), text.end(), &handler) && handler.finish();
  } catch (const std::exception&) {
    return false;  // the thorough read words it
  }
}

std::vector<LoadError> ZoneStreamReader::take_warnings() {
  std::stable_sort(warnings_.begin(), warnings_.end(), [](const Warning& a, const Warning& b) {
    return a.owner_key != b.owner_key ? a.owner_key < b.owner_key : a.type_key < b.type_key;
  });
  std::vector<LoadError> out;
  for (Warning& w : warnings_) out.push_back(std::move(w.warning));
  warnings_.clear();
  return out;
}

}  // namespace dnsd::zones
