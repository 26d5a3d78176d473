#include "zones/transfer_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace dnsd::zones {
namespace {

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// A number of at most `max_digits` decimal digits and nothing else, or nullopt.
std::optional<unsigned> parse_decimal(std::string_view text, size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + unsigned(c - '0');
  }
  return value;
}

// Whether the first `bits` bits of `a` and `b` agree.
bool same_prefix(const uint8_t* a, const uint8_t* b, unsigned bits) {
  unsigned whole = bits / 8, rest = bits % 8;
  if (std::memcmp(a, b, whole) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = uint8_t(0xFF << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

// A peer address as the ACL sees it: IPv4-mapped IPv6 becomes IPv4, because a
// dual-stack socket reports IPv4 clients that way.
struct PeerAddress {
  uint8_t family = 0;  // 0: not an address we know
  uint8_t bytes[16] = {};
};

PeerAddress peer_address(const sockaddr* address) {
  PeerAddress peer;
  if (!address) return peer;
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    peer.family = 4;
    std::memcpy(peer.bytes, &in->sin_addr, 4);
  } else if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      peer.family = 4;
      std::memcpy(peer.bytes, in6->sin6_addr.s6_addr + 12, 4);
    } else {
      peer.family = 6;
      std::memcpy(peer.bytes, in6->sin6_addr.s6_addr, 16);
    }
  }
  return peer;
}

constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};

// Text of an address of `family` (4 or 6) held in `bytes`.
std::string address_text(uint8_t family, const uint8_t* bytes) {
  char text[INET6_ADDRSTRLEN];
  inet_ntop(family == 4 ? AF_INET : AF_INET6, bytes, text, sizeof text);
  return text;
}

}  // namespace

std::optional<AddressPrefix> AddressPrefix::parse(std::string_view text, std::string& error) {
  size_t slash = text.find('/');
  std::string host(text.substr(0, slash));
  AddressPrefix prefix;
  if (host.find(':') != std::string::npos) {
    prefix.family = 6;
    prefix.bits = 128;
    if (inet_pton(AF_INET6, host.c_str(), prefix.address.data()) != 1) {
      error = quoted(text) + " is not an IPv6 address or prefix such as \"2001:db8::/32\"";
      return std::nullopt;
    }
  } else {
    prefix.family = 4;
    prefix.bits = 32;
    if (inet_pton(AF_INET, host.c_str(), prefix.address.data()) != 1) {
      error = quoted(text) + " is not an IPv4 or IPv6 address or prefix such as \"192.0.2.0/24\"";
      return std::nullopt;
    }
  }
  if (slash != std::string_view::npos) {
    unsigned max = prefix.bits;
    std::optional<unsigned> bits = parse_decimal(text.substr(slash + 1), 3);
    if (!bits || *bits > max) {
      error = quoted(text) + ": the prefix length must be a number from 0 to " + std::to_string(max);
      return std::nullopt;
    }
    prefix.bits = uint8_t(*bits);
  }
  AddressPrefix network = prefix;
  size_t length = prefix.family == 4 ? 4 : 16;
  for (size_t i = 0; i < length; ++i) {
    unsigned first_bit = unsigned(i) * 8;
    if (first_bit >= prefix.bits)
      network.address[i] = 0;
    else if (first_bit + 8 > prefix.bits)
      network.address[i] &= uint8_t(0xFF << (8 - (prefix.bits - first_bit)));
  }
  if (network.address != prefix.address) {
    error = quoted(text) + " has host bits set below /" + std::to_string(prefix.bits) + "; the network is " +
            network.to_string() + " (or give the host alone, without /" + std::to_string(prefix.bits) + ")";
    return std::nullopt;
  }
  return prefix;
}

bool AddressPrefix::contains(const sockaddr* address) const {
  PeerAddress peer = peer_address(address);
  if (peer.family == 0) return false;
  if (family == peer.family) return same_prefix(this->address.data(), peer.bytes, bits);
  // ::ffff:192.0.2.0/120 written for an IPv4 peer.
  if (family == 6 && peer.family == 4 && bits >= 96 &&
      std::memcmp(this->address.data(), kMappedPrefix, sizeof kMappedPrefix) == 0)
    return same_prefix(this->address.data() + 12, peer.bytes, bits - 96u);
  return false;
}

std::string AddressPrefix::to_string() const {
  return address_text(family, address.data()) + "/" + std::to_string(bits);
}

std::optional<NotifyTarget> NotifyTarget::parse(std::string_view text, std::string& error) {
  std::string_view host = text, port_text;
  bool bracketed = false;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) {
      error = quoted(text) + " has '[' without ']'; write an IPv6 address with a port as \"[2001:db8::1]:5300\"";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        error = quoted(text) + ": only \":PORT\" may follow ']'";
        return std::nullopt;
      }
      port_text = rest.substr(1);
      if (port_text.empty()) port_text = "x";  // "[::1]:" names no port: report it as a bad one
    }
    bracketed = true;
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    size_t colon = text.find(':');
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (port_text.empty()) port_text = "x";
  }
  unsigned port = 53;
  if (!port_text.empty()) {
    std::optional<unsigned> parsed = parse_decimal(port_text, 5);
    if (!parsed || *parsed < 1 || *parsed > 65535) {
      error = quoted(text) + ": the port must be a number from 1 to 65535";
      return std::nullopt;
    }
    port = *parsed;
  }
  NotifyTarget target;
  std::string host_text(host);
  auto* in = reinterpret_cast<sockaddr_in*>(&target.address);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&target.address);
  if (!bracketed && inet_pton(AF_INET, host_text.c_str(), &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons(uint16_t(port));
    target.text = address_text(4, reinterpret_cast<const uint8_t*>(&in->sin_addr)) + ":" + std::to_string(port);
  } else if (inet_pton(AF_INET6, host_text.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(uint16_t(port));
    target.text = "[" + address_text(6, in6->sin6_addr.s6_addr) + "]:" + std::to_string(port);
  } else {
    target.address = sockaddr_storage{};
    error = quoted(text) + (bracketed ? " does not hold an IPv6 address between '[' and ']'"
                                      : " is not an IPv4 or IPv6 address (a NOTIFY target is an address, "
                                        "optionally with :PORT, not a host name)");
    return std::nullopt;
  }
  return target;
}

bool TransferPolicy::allows(const sockaddr* peer) const {
  return enabled &&
         std::any_of(allow.begin(), allow.end(), [peer](const AddressPrefix& p) { return p.contains(peer); });
}

bool TransferPolicy::operator==(const TransferPolicy& other) const {
  if (enabled != other.enabled || tsig_key != other.tsig_key || allow.size() != other.allow.size() ||
      notify.size() != other.notify.size())
    return false;
  for (size_t i = 0; i < allow.size(); ++i)
    if (allow[i].to_string() != other.allow[i].to_string()) return false;
  for (size_t i = 0; i < notify.size(); ++i)
    if (notify[i].text != other.notify[i].text) return false;
  return true;
}

}  // namespace dnsd::zones
