// Turns a list of records into an immutable, lookup-optimised Zone. Used by
// the JSON loader and the importer; never on the query path.
#pragma once

#include <cstdint>
#include <memory>
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

  /// A TTL for add_record meaning "the zone's default TTL", for records read
  /// before the file says what that is; set_default_ttl() must give it before build().
  static constexpr uint32_t kZoneTtl = UINT32_MAX;

  /// Adds one record. `rdata` is uncompressed wire form. The RRset takes the
  /// lowest TTL given for it (RFC 2181 5.2 forbids differing TTLs). An identical
  /// record added twice is kept once. Owners outside the origin are ignored; the
  /// loader reports them before they get here.
  void add_record(const Name& owner, uint16_t type, uint32_t ttl, std::string_view rdata);

  /// Starts a run of records at `owner` (any case) and returns its handle for
  /// the add_record below, or kNone when `owner` is outside the origin. Adding
  /// the same owner twice in a row gives the same handle. Loader thread.
  uint32_t add_owner(const Name& owner);

  /// add_record for an owner handle from add_owner(); kNone is ignored.
  void add_record(uint32_t owner, uint16_t type, uint32_t ttl, std::string_view rdata);

  /// Room for about `records` records and owners, with `bytes` of rdata and
  /// of owner names each, so that a large zone's arrays are not copied as
  /// they grow. Only a hint.
  void reserve(size_t records, size_t bytes) {
    entries_.reserve(records);
    owners_.reserve(records);
    rdata_bytes_.reserve(bytes);
    owner_bytes_.reserve(bytes);
  }

  /// The TTL that records added with kZoneTtl get.
  void set_default_ttl(uint32_t ttl) { default_ttl_ = ttl; }

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
  /// One add_record or add_pool_rrset call, in the order of the calls.
  struct Entry {
    uint32_t owner = 0;         ///< index into owners_
    uint32_t ttl = 0;
    uint32_t rdata_offset = 0;  ///< into rdata_bytes_
    uint32_t rdata_length = 0;
    uint32_t pool = kNone;      ///< a pool RRset (no rdata) when set
    uint16_t type = 0;
  };
  /// Appends one entry (rdata empty and `pool` set for a pool RRset); none
  /// when `owner` is kNone (a name that could not be added).
  void add_entry(uint32_t owner, uint16_t type, uint32_t ttl, std::string_view rdata, uint32_t pool);
  /// Where an owner's lowercased wire name sits in owner_bytes_.
  struct OwnerSpan {
    uint32_t offset = 0;
    uint32_t length = 0;
  };
  /// The entries of one owner (merged over all its runs) in (type, call) order.
  struct Layout;

  // The steps of build(), in order.
  std::string_view owner_wire(uint32_t owner) const {
    return std::string_view(owner_bytes_).substr(owners_[owner].offset, owners_[owner].length);
  }
  std::string_view rdata_of(const Entry& e) const {
    return std::string_view(rdata_bytes_).substr(e.rdata_offset, e.rdata_length);
  }
  void sort_entries(Layout& layout);
  bool has_apex_soa(const Layout& layout) const;
  void collect_names_and_cuts(Layout& layout) const;
  void lay_out_nodes_and_rrsets(Zone& z, const Layout& layout);
  static void build_hash_table(Zone& z);
  static void link_wildcards(Zone& z);
  static void link_targets(Zone& z);
  static bool read_soa(Zone& z);

  Name origin_;
  std::string owner_bytes_;
  std::vector<OwnerSpan> owners_;
  std::string rdata_bytes_;
  std::vector<Entry> entries_;
  uint32_t default_ttl_ = 3600;
  std::vector<Pool> pools_;
  TransferPolicy transfer_;
  DnssecPolicy dnssec_;
};

}  // namespace dnsd::zones
