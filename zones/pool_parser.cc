#include "zones/pool_parser.h"

#include <arpa/inet.h>

#include <algorithm>
#include <map>

#include "zones/dns_check_parser.h"
#include "zones/name.h"
#include "zones/rdata_parser.h"

namespace dnsd::zones {
namespace {

// Longest interval or timeout a check may have: one day.
constexpr double kMaxCheckSeconds = 86400;
constexpr uint32_t kDefaultFastIntervalMs = 500;
constexpr uint32_t kDefaultTimeoutMs = 1000;

struct CheckTypeInfo {
  const char* name;
  CheckType type;
  uint16_t default_port;  // 0: no default (tcp: required; exec: optional)
};
constexpr CheckTypeInfo kCheckTypes[] = {
    {"none", CheckType::None, 0}, {"tcp", CheckType::Tcp, 0},    {"http", CheckType::Http, 80},
    {"https", CheckType::Https, 443}, {"dns", CheckType::Dns, 53}, {"exec", CheckType::Exec, 0},
};

// Which check types a check key applies to, for "does not apply" errors.
struct CheckKey {
  const char* key;
  std::initializer_list<CheckType> types;
  const char* types_words;
};
const CheckKey kCheckKeys[] = {
    {"port", {CheckType::Tcp, CheckType::Http, CheckType::Https, CheckType::Dns, CheckType::Exec},
     "tcp, http, https, dns and exec"},
    {"path", {CheckType::Http, CheckType::Https}, "http and https"},
    {"host", {CheckType::Http, CheckType::Https}, "http and https"},
    {"expect", {CheckType::Http, CheckType::Https}, "http and https"},
    {"body", {CheckType::Http, CheckType::Https}, "http and https"},
    {"tls_verify", {CheckType::Https}, "https"},
    {"query_name", {CheckType::Dns}, "dns"},
    {"query_type", {CheckType::Dns}, "dns"},
    {"edns", {CheckType::Dns}, "dns"},
    {"transport", {CheckType::Dns}, "dns"},
    {"expect_rcode", {CheckType::Dns}, "dns"},
    {"expect_address", {CheckType::Dns}, "dns"},
    {"expect_answer", {CheckType::Dns}, "dns"},
    {"command", {CheckType::Exec}, "exec"},
};

// Parses an IPv4 or IPv6 address; fills the member's address fields.
bool parse_member_address(const std::string& text, PoolMember& member) {
  unsigned char bytes[16];
  char normal[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) {
    member.family = 4;
    std::copy(bytes, bytes + 4, member.address.begin());
    inet_ntop(AF_INET, bytes, normal, sizeof normal);
  } else if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) {
    member.family = 6;
    std::copy(bytes, bytes + 16, member.address.begin());
    inet_ntop(AF_INET6, bytes, normal, sizeof normal);
  } else {
    return false;
  }
  member.address_text = normal;
  return true;
}

// An address in canonical text, or "" when `text` is not one.
std::string normal_address(const std::string& text) {
  PoolMember scratch;
  return parse_member_address(text, scratch) ? scratch.address_text : std::string();
}

bool valid_pool_name(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

void parse_expect(const Json& check, const std::string& pointer, CheckSpec& spec, LoadContext& ctx) {
  auto it = check.find("expect");
  if (it == check.end()) return;
  std::string at = pointer_append(pointer, "expect");
  Json list = it->is_array() ? *it : Json::array({*it});
  if (list.empty()) {
    ctx.error(at, "must list at least one HTTP status code");
    return;
  }
  std::vector<int> codes;
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& code = list[i];
    if (!code.is_number_integer() || code.get<int64_t>() < 100 || code.get<int64_t>() > 599) {
      ctx.error(it->is_array() ? pointer_append(at, i) : at,
                "must be an HTTP status code from 100 to 599, not " + json_quote(code));
      continue;
    }
    codes.push_back(int(code.get<int64_t>()));
  }
  if (!codes.empty()) spec.expect = codes;
}

void parse_timing(const Json& check, const std::string& pointer, CheckSpec& spec, LoadContext& ctx) {
  bool ok = read_seconds(check, "interval", pointer, kMaxCheckSeconds, spec.interval_ms, ctx);
  bool has_fast = check.contains("fast_interval");
  ok &= read_seconds(check, "fast_interval", pointer, kMaxCheckSeconds, spec.fast_interval_ms, ctx);
  bool has_timeout = check.contains("timeout");
  ok &= read_seconds(check, "timeout", pointer, kMaxCheckSeconds, spec.timeout_ms, ctx);
  int64_t rise = spec.rise, fall = spec.fall;
  if (read_integer(check, "rise", pointer, 1, 100, rise, ctx)) spec.rise = uint32_t(rise);
  if (read_integer(check, "fall", pointer, 1, 100, fall, ctx)) spec.fall = uint32_t(fall);
  if (!ok) return;
  // Defaults follow a short interval down, so a 0.2 s interval alone is valid.
  if (!has_fast) spec.fast_interval_ms = std::min(kDefaultFastIntervalMs, spec.interval_ms);
  // A probe should end before the next fast re-check would start, so that
  // detection really takes about fall x fast_interval.
  if (!has_timeout) spec.timeout_ms = std::min(kDefaultTimeoutMs, spec.fast_interval_ms);
  auto seconds = [](uint32_t ms) {
    char text[32];
    snprintf(text, sizeof text, "%g s", ms / 1000.0);
    return std::string(text);
  };
  if (spec.fast_interval_ms > spec.interval_ms)
    ctx.error(pointer_append(pointer, "fast_interval"), "fast_interval (" + seconds(spec.fast_interval_ms) +
                                                            ") must not exceed interval (" +
                                                            seconds(spec.interval_ms) + ")");
  if (spec.timeout_ms > spec.interval_ms)
    ctx.error(pointer_append(pointer, has_timeout ? "timeout" : "interval"),
              "timeout (" + seconds(spec.timeout_ms) + ") must not exceed interval (" + seconds(spec.interval_ms) +
                  ")");
}

PoolMember parse_member(const Json& value, const std::string& pointer, LoadContext& ctx, bool& ok) {
  PoolMember member;
  ok = false;
  std::string address;
  std::string address_pointer = pointer;
  if (value.is_string()) {
    address = value.get<std::string>();
  } else if (value.is_object()) {
    check_keys(value, {"address", "weight", "backup", "check_address", "state"}, pointer, ctx);
    if (!value.contains("address")) {
      missing_key("address", pointer, ctx);
      return member;
    }
    if (!read_string(value, "address", pointer, address, ctx)) return member;
    address_pointer = pointer_append(pointer, "address");
  } else {
    ctx.error(pointer, std::string("must be an address string or an object with \"address\", not ") +
                           json_type_words(value));
    return member;
  }
  size_t errors_before = ctx.error_count();
  if (!parse_member_address(address, member))
    ctx.error(address_pointer, "\"" + address + "\" is not an IPv4 or IPv6 address");
  member.check_address = member.address_text;
  if (value.is_object()) {
    int64_t weight = 1;
    if (read_integer(value, "weight", pointer, 1, 65535, weight, ctx)) member.weight = uint16_t(weight);
    read_bool(value, "backup", pointer, member.backup, ctx);
    std::string check_address;
    if (read_string(value, "check_address", pointer, check_address, ctx) && value.contains("check_address")) {
      std::string normal = normal_address(check_address);
      if (normal.empty())
        ctx.error(pointer_append(pointer, "check_address"),
                  "\"" + check_address + "\" is not an IPv4 or IPv6 address");
      else
        member.check_address = normal;
    }
    std::string state = "auto";
    if (read_string(value, "state", pointer, state, ctx)) {
      if (state == "drain")
        member.drained = true;
      else if (state != "auto")
        ctx.error(pointer_append(pointer, "state"), "must be \"auto\" or \"drain\", not \"" + state + "\"");
    }
  }
  ok = ctx.error_count() == errors_before;
  return member;
}

void parse_members(const Json& pool, const std::string& pointer, Pool& out, LoadContext& ctx) {
  auto it = pool.find("members");
  if (it == pool.end()) {
    missing_key("members", pointer, ctx);
    return;
  }
  std::string at = pointer_append(pointer, "members");
  if (!it->is_array()) {
    ctx.error(at, std::string("must be an array of members, not ") + json_type_words(*it));
    return;
  }
  if (it->empty()) {
    ctx.error(at, "a pool needs at least one member");
    return;
  }
  if (it->size() > kMaxPoolMembers) {
    ctx.error(at, "a pool may have at most " + std::to_string(kMaxPoolMembers) + " members, not " +
                      std::to_string(it->size()));
    return;
  }
  std::map<std::string, size_t> seen;  // canonical address -> index
  for (size_t i = 0; i < it->size(); ++i) {
    std::string member_pointer = pointer_append(at, i);
    bool ok;
    PoolMember member = parse_member((*it)[i], member_pointer, ctx, ok);
    if (!ok) continue;
    auto [previous, fresh] = seen.emplace(member.address_text, i);
    if (!fresh) {
      ctx.error(member_pointer, "member " + member.address_text + " is listed twice (also at " +
                                    pointer_append(at, previous->second) + ")");
      continue;
    }
    out.members.push_back(std::move(member));
  }
}

bool parse_one_pool(const std::string& name, const Json& value, const std::string& pointer, Pool& pool,
                    LoadContext& ctx) {
  size_t errors_before = ctx.error_count();
  pool.name = name;
  if (!valid_pool_name(name))
    ctx.error(pointer, "pool name \"" + name + "\" must be 1 to 63 letters, digits, '-', '_' or '.'");
  if (!expect_object(value, pointer, ctx)) return false;
  check_keys(value, {"ttl", "members", "check", "policy", "max_answers", "when_all_down"}, pointer, ctx);
  read_ttl(value, "ttl", pointer, pool.ttl, ctx);
  parse_members(value, pointer, pool, ctx);
  auto check = value.find("check");
  pool.check = parse_check(check == value.end() ? Json() : *check, pointer_append(pointer, "check"), ctx);

  std::string policy = "round-robin";
  if (read_string(value, "policy", pointer, policy, ctx)) {
    if (policy == "round-robin")
      pool.policy = PoolPolicy::RoundRobin;
    else if (policy == "weighted")
      pool.policy = PoolPolicy::Weighted;
    else
      ctx.error(pointer_append(pointer, "policy"), "must be \"round-robin\" or \"weighted\", not \"" + policy + "\"");
  }
  int64_t max_answers = pool.max_answers;
  if (read_integer(value, "max_answers", pointer, 1, int64_t(kMaxPoolAnswers), max_answers, ctx))
    pool.max_answers = uint16_t(max_answers);
  std::string all_down = "serve-all";
  if (read_string(value, "when_all_down", pointer, all_down, ctx)) {
    if (all_down == "serve-all")
      pool.when_all_down = WhenAllDown::ServeAll;
    else if (all_down == "serve-none")
      pool.when_all_down = WhenAllDown::ServeNone;
    else
      ctx.error(pointer_append(pointer, "when_all_down"),
                "must be \"serve-all\" or \"serve-none\", not \"" + all_down + "\"");
  }
  return ctx.error_count() == errors_before;
}

}  // namespace

CheckSpec parse_check(const Json& check, const std::string& pointer, LoadContext& ctx) {
  CheckSpec spec;
  if (check.is_null()) return spec;  // no check: members are always up
  if (!expect_object(check, pointer, ctx)) return spec;
  check_keys(check,
             {"type", "port", "path", "host", "expect", "body", "tls_verify", "query_name", "query_type", "command",
              "interval", "fast_interval", "timeout", "rise", "fall", "edns", "transport", "expect_rcode",
              "expect_address", "expect_answer"},
             pointer, ctx);
  if (!check.contains("type")) {
    missing_key("type", pointer, ctx);
    return spec;
  }
  std::string type_name;
  if (!read_string(check, "type", pointer, type_name, ctx)) return spec;
  const CheckTypeInfo* info = nullptr;
  for (const auto& candidate : kCheckTypes)
    if (type_name == candidate.name) info = &candidate;
  if (!info) {
    ctx.error(pointer_append(pointer, "type"),
              "must be one of \"none\", \"tcp\", \"http\", \"https\", \"dns\", \"exec\", not \"" + type_name + "\"");
    return spec;
  }
  spec.type = info->type;
  // A "none" check ignores its other keys, so a check can be switched off by
  // changing only its type.
  if (spec.type == CheckType::None) return spec;

  for (const CheckKey& key : kCheckKeys) {
    if (!check.contains(key.key)) continue;
    if (std::find(key.types.begin(), key.types.end(), spec.type) == key.types.end())
      ctx.error(pointer_append(pointer, key.key), std::string("\"") + key.key + "\" applies only to " +
                                                      key.types_words + " checks, not " + type_name);
  }

  int64_t port = info->default_port;
  read_integer(check, "port", pointer, 1, 65535, port, ctx);
  spec.port = uint16_t(port);
  if (spec.type == CheckType::Tcp && !check.contains("port"))
    ctx.error(pointer, "a tcp check needs a \"port\"");

  if (spec.type == CheckType::Http || spec.type == CheckType::Https) {
    if (read_string(check, "path", pointer, spec.path, ctx) && (spec.path.empty() || spec.path[0] != '/'))
      ctx.error(pointer_append(pointer, "path"), "must start with '/'");
    read_string(check, "host", pointer, spec.host, ctx);
    parse_expect(check, pointer, spec, ctx);
    read_string(check, "body", pointer, spec.body, ctx);
    if (spec.type == CheckType::Https) read_bool(check, "tls_verify", pointer, spec.tls_verify, ctx);
  }
  if (spec.type == CheckType::Dns) parse_dns_check(check, pointer, spec, ctx);
  if (spec.type == CheckType::Exec) {
    if (!check.contains("command"))
      missing_key("command", pointer, ctx);
    else if (read_string(check, "command", pointer, spec.command, ctx) &&
             spec.command.find_first_not_of(" \t") == std::string::npos)
      ctx.error(pointer_append(pointer, "command"), "must not be empty");
    else if (spec.command.find("{port}") != std::string::npos && !check.contains("port"))
      ctx.error(pointer_append(pointer, "command"), "uses {port} but the check has no \"port\"");
  }
  parse_timing(check, pointer, spec, ctx);
  return spec;
}

void parse_pools(const Json& pools, const std::string& pointer, std::vector<Pool>& out, LoadContext& ctx) {
  if (!expect_object(pools, pointer, ctx)) return;
  for (const auto& [name, value] : pools.items()) {
    Pool pool;
    if (parse_one_pool(name, value, pointer_append(pointer, name), pool, ctx)) out.push_back(std::move(pool));
  }
}

bool pool_has_family(const Pool& pool, uint8_t family) {
  return std::any_of(pool.members.begin(), pool.members.end(),
                     [family](const PoolMember& m) { return m.family == family; });
}

}  // namespace dnsd::zones
