#include "zones/transfer_parser.h"

#include <map>

#include "zones/name.h"

namespace dnsd::zones {
namespace {

// How one kind of list item reads and prints, for read_list.
struct ListItemWords {
  const char* one;      // "an address prefix"
  const char* many;     // "address prefixes"
  const char* example;  // "\"192.0.2.0/24\""
};

std::string normal_text(const AddressPrefix& prefix) { return prefix.to_string(); }
std::string normal_text(const NotifyTarget& target) { return target.text; }

// Reads the array `key` of `transfer` into `out` with T::parse, reporting each
// bad item and each item whose normal text repeats an earlier one.
template <typename T>
void read_list(const Json& transfer, std::string_view key, const std::string& pointer, const ListItemWords& words,
               std::vector<T>& out, LoadContext& ctx) {
  auto it = transfer.find(key);
  if (it == transfer.end()) return;
  std::string at = pointer_append(pointer, key);
  if (!it->is_array()) {
    ctx.error(at, std::string("must be an array of ") + words.many + ", not " + json_type_words(*it));
    return;
  }
  std::map<std::string, size_t> seen;  // normal text -> index
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& item = (*it)[i];
    std::string item_pointer = pointer_append(at, i);
    if (!item.is_string()) {
      ctx.error(item_pointer, std::string("must be ") + words.one + " such as " + words.example + ", not " +
                                  json_type_words(item));
      continue;
    }
    std::string error;
    std::optional<T> parsed = T::parse(item.get<std::string>(), error);
    if (!parsed) {
      ctx.error(item_pointer, error);
      continue;
    }
    std::string normal = normal_text(*parsed);
    auto [previous, fresh] = seen.emplace(normal, i);
    if (!fresh) {
      ctx.error(item_pointer, normal + " is listed twice (also at " + pointer_append(at, previous->second) + ")");
      continue;
    }
    out.push_back(std::move(*parsed));
  }
}

void read_tsig(const Json& transfer, const std::string& pointer, const std::set<std::string>* tsig_keys,
               TransferPolicy& out, LoadContext& ctx) {
  std::string text;
  if (!read_string(transfer, "tsig", pointer, text, ctx) || !transfer.contains("tsig")) return;
  std::string at = pointer_append(pointer, "tsig");
  Name name;
  std::string error;
  if (!name_from_text(text, root_name(), name, error)) {
    ctx.error(at, "invalid TSIG key name: " + error);
    return;
  }
  if (name.label_count() == 0) {
    ctx.error(at, "must name a TSIG key, such as \"xfr-key\", not the root");
    return;
  }
  std::string key = name.lowered().text();
  if (tsig_keys && !tsig_keys->count(key)) {
    ctx.error(at, "no TSIG key \"" + key + "\" in --tsig-keys");
    return;
  }
  out.tsig_key = key;
}

}  // namespace

void parse_transfer(const Json& transfer, const std::string& pointer, const std::set<std::string>* tsig_keys,
                    TransferPolicy& out, LoadContext& ctx) {
  out = TransferPolicy{};
  out.enabled = true;
  if (!expect_object(transfer, pointer, ctx)) return;
  check_keys(transfer, {"allow", "notify", "tsig"}, pointer, ctx);
  if (!transfer.contains("allow"))
    ctx.error(pointer, "missing required key \"allow\" (the address prefixes that may transfer the zone; "
                       "[] for none)");
  read_list(transfer, "allow", pointer, {"an address prefix", "address prefixes", "\"192.0.2.0/24\""}, out.allow,
            ctx);
  read_list(transfer, "notify", pointer,
            {"an address", "addresses", "\"192.0.2.53\" or \"198.51.100.7:5300\""}, out.notify, ctx);
  read_tsig(transfer, pointer, tsig_keys, out, ctx);
}

}  // namespace dnsd::zones
