// Turns a list of records into an immutable, lookup-optimised Zone. Used by
// the JSON loader and the importer; never on the query path.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zones/zone.h"

namespace dnsd::zones {

/// Collects records for one zone and builds it. Single-threaded; one builder per load.
class ZoneBuilder {
 public:
  /// `origin` may be in any case; the zone stores names lowercased.
  explicit ZoneBuilder(const Name& origin);

  /// Adds one record. `rdata` is uncompressed wire form. The RRset takes the
  /// lowest TTL given for it (RFC 2181 5.2 forbids differing TTLs). An identical
  /// record added twice is kept once. Owners outside the origin are ignored; the
  /// loader reports them before they get here.
  void add_record(const Name& owner, uint16_t type, uint32_t ttl, std::string_view rdata);

  /// Adds a pool and returns its index for add_pool_rrset.
  uint32_t add_pool(Pool pool);

  /// Makes `owner`'s A or AAAA RRset come from pool `pool_index`.
  void add_pool_rrset(const Name& owner, uint16_t type, uint32_t ttl, uint32_t pool_index);

  /// Sets the zone's transfer policy (the default is disabled).
  void set_transfer(TransferPolicy policy) { transfer_ = std::move(policy); }

  /// Sets how the zone is signed (the default is unsigned).
  void set_dnssec(DnssecPolicy policy) { dnssec_ = policy; }

  /// Builds the zone. Fails, with `error` set, when the apex has no SOA.
  std::shared_ptr<const Zone> build(std::string& error);

 private:
  struct PendingRRset {
    uint32_t ttl = 0;
    std::vector<std::string> rdatas;
    uint32_t pool = kNone;
  };
  /// Every name the zone will hold (owners and empty non-terminals) and the
  /// zone cuts among them, as lowercased wire names (sorted, so builds are deterministic).
  struct NamesAndCuts {
    std::set<std::string> names;
    std::set<std::string> cuts;
  };

  // The steps of build(), in order.
  bool has_apex_soa() const;
  NamesAndCuts collect_names_and_cuts() const;
  void lay_out_nodes_and_rrsets(Zone& z, const NamesAndCuts& layout);
  static void build_hash_table(Zone& z);
  static void link_wildcards(Zone& z);
  static void link_targets(Zone& z);
  static bool read_soa(Zone& z);

  Name origin_;
  // owner (lowercased wire) -> type -> rrset; std::map keeps canonical order for deterministic builds.
  std::map<std::string, std::map<uint16_t, PendingRRset>> owners_;
  std::vector<Pool> pools_;
  TransferPolicy transfer_;
  DnssecPolicy dnssec_;
};

}  // namespace dnsd::zones
