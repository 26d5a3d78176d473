#include "zones/dns_check_parser.h"

#include <arpa/inet.h>

#include "zones/name.h"
#include "zones/rcode.h"
#include "zones/rdata_parser.h"

namespace dnsd::zones {
namespace {

constexpr uint16_t kTypeA = 1;
constexpr uint16_t kTypeAaaa = 28;
constexpr uint16_t kTypeAny = 255;

void parse_query(const Json& check, const std::string& pointer, CheckSpec& spec, LoadContext& ctx) {
  std::string name = spec.query_name;
  if (read_string(check, "query_name", pointer, name, ctx) && check.contains("query_name")) {
    Name parsed;
    std::string error;
    if (name_from_text(name, root_name(), parsed, error))
      spec.query_name = parsed.text();
    else
      ctx.error(pointer_append(pointer, "query_name"), error);
  }
  auto it = check.find("query_type");
  if (it == check.end()) return;
  std::string at = pointer_append(pointer, "query_type");
  uint16_t type = 0;
  if (it->is_string() && rr_type_from_text(it->get<std::string>(), type)) {
    spec.query_type = type;
  } else if (it->is_number_integer() && it->get<int64_t>() >= 1 && it->get<int64_t>() <= 65535) {
    spec.query_type = uint16_t(it->get<int64_t>());
  } else {
    ctx.error(at, "must be a record type such as \"SOA\" or \"A\", or a number from 1 to 65535, not " +
                      json_quote(*it));
  }
}

void parse_transport(const Json& check, const std::string& pointer, CheckSpec& spec, LoadContext& ctx) {
  std::string transport;
  if (!read_string(check, "transport", pointer, transport, ctx) || !check.contains("transport")) return;
  if (transport == "udp")
    spec.transport = DnsTransport::Udp;
  else if (transport == "tcp")
    spec.transport = DnsTransport::Tcp;
  else
    ctx.error(pointer_append(pointer, "transport"), "must be \"udp\" or \"tcp\", not \"" + transport + "\"");
}

void parse_expect_rcode(const Json& check, const std::string& pointer, CheckSpec& spec, LoadContext& ctx) {
  auto it = check.find("expect_rcode");
  if (it == check.end()) return;
  const std::string at = pointer_append(pointer, "expect_rcode");
  const Json list = it->is_array() ? *it : Json::array({*it});
  if (list.empty()) {
    ctx.error(at, "must list at least one rcode");
    return;
  }
  std::vector<uint16_t> rcodes;
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& value = list[i];
    uint16_t rcode = 0;
    if (value.is_string() && rcode_from_text(value.get<std::string>(), rcode)) {
      rcodes.push_back(rcode);
    } else if (value.is_number_integer() && value.get<int64_t>() >= 0 && value.get<int64_t>() <= 4095) {
      rcodes.push_back(uint16_t(value.get<int64_t>()));
    } else {
      ctx.error(it->is_array() ? pointer_append(at, i) : at,
                "must be an rcode name such as \"NOERROR\" or \"NXDOMAIN\", or a number from 0 to 4095, not " +
                    json_quote(value));
    }
  }
  if (rcodes.size() == list.size()) spec.expect_rcode = rcodes;
}

void parse_expect_address(const Json& check, const std::string& pointer, CheckSpec& spec, LoadContext& ctx) {
  std::string text;
  if (!read_string(check, "expect_address", pointer, text, ctx) || !check.contains("expect_address")) return;
  const std::string at = pointer_append(pointer, "expect_address");
  unsigned char bytes[16];
  char normal[INET6_ADDRSTRLEN] = {};
  uint16_t needs = 0;
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) {
    inet_ntop(AF_INET, bytes, normal, sizeof normal);
    needs = kTypeA;
  } else if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) {
    inet_ntop(AF_INET6, bytes, normal, sizeof normal);
    needs = kTypeAaaa;
  } else {
    ctx.error(at, "\"" + text + "\" is not an IPv4 or IPv6 address");
    return;
  }
  spec.expect_address = normal;
  if (spec.query_type != needs && spec.query_type != kTypeAny)
    ctx.error(at, std::string("an ") + (needs == kTypeA ? "IPv4" : "IPv6") + " address is only in answers to \"query_type\": \"" +
                      rr_type_to_text(needs) + "\" (or \"ANY\"), and this check asks " +
                      rr_type_to_text(spec.query_type));
}

}  // namespace

void parse_dns_check(const Json& check, const std::string& pointer, CheckSpec& spec, LoadContext& ctx) {
  parse_query(check, pointer, spec, ctx);
  read_bool(check, "edns", pointer, spec.edns, ctx);
  parse_transport(check, pointer, spec, ctx);
  parse_expect_rcode(check, pointer, spec, ctx);
  parse_expect_address(check, pointer, spec, ctx);
  read_bool(check, "expect_answer", pointer, spec.expect_answer, ctx);
}

}  // namespace dnsd::zones
