// Who may transfer a zone (AXFR/IXFR) and whom to NOTIFY of new versions, as
// the zone file's "transfer" object gives it (zones/FORMAT.md, "Transfers").
// Plain, immutable data parsed by the loader: the transfer plane reads it from
// a published zone and never changes it.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dnsd::zones {

/// An address prefix of a transfer ACL ("192.0.2.0/24", "127.0.0.1", "2001:db8::/32", "::1").
struct AddressPrefix {
  uint8_t family = 4;                  ///< 4 or 6
  uint8_t bits = 32;                   ///< prefix length
  std::array<uint8_t, 16> address{};   ///< network bytes (first 4 for IPv4), host bits zeroed
  /// Parses "ADDRESS" (a host: /32 or /128) or "ADDRESS/BITS". Host bits set
  /// below the prefix ("192.0.2.1/24") are an error, since they are almost
  /// always a typo for another prefix. Returns nullopt and sets `error` (words
  /// for an operator, quoting `text`) on failure. Any thread.
  static std::optional<AddressPrefix> parse(std::string_view text, std::string& error);
  /// True when `address` (AF_INET or AF_INET6 sockaddr; an IPv4-mapped IPv6 address counts as IPv4) lies inside.
  /// An IPv6 prefix inside ::ffff:0:0/96 matches IPv4 peers by their mapped
  /// form; no other IPv6 prefix (not even ::/0) matches an IPv4 peer. Any thread.
  bool contains(const sockaddr* address) const;
  std::string to_string() const;       ///< "192.0.2.0/24"; any thread
};

/// Where NOTIFY goes: "192.0.2.53" (port 53), "198.51.100.7:5300", "2001:db8::1", "[2001:db8::1]:5300".
struct NotifyTarget {
  sockaddr_storage address{};          ///< family, address and port filled in
  std::string text;                    ///< normalised "192.0.2.53:53" or "[2001:db8::1]:53"
  /// Parses one of the forms above; an address only (no host names, which
  /// would need a resolver at load time), port 1 to 65535. Returns nullopt and
  /// sets `error` (quoting `text`) on failure. Any thread.
  static std::optional<NotifyTarget> parse(std::string_view text, std::string& error);
};

/// Who may transfer a zone and who is told of new versions. Part of an
/// immutable Zone: read by any thread.
struct TransferPolicy {
  bool enabled = false;                ///< the zone has a "transfer" object
  std::vector<AddressPrefix> allow;    ///< who may AXFR/IXFR, in file order; empty = nobody
  std::vector<NotifyTarget> notify;    ///< told of each new version, in file order
  std::string tsig_key;                ///< canonical key name: lowercase, one trailing dot ("xfr-key."); empty = none
  bool allows(const sockaddr* peer) const;  ///< enabled and some prefix contains peer
  /// Same enabled flag, prefixes and targets (by text, in order) and key: lets
  /// a reload tell whether a zone's transfer settings changed.
  bool operator==(const TransferPolicy&) const;
};

}  // namespace dnsd::zones
