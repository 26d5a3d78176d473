// One version of one zone as dnsd serves it: the zone as loaded, the pool
// members a transfer of it carries, and the SOA serial that names the pair.
// Every change of what a zone serves (a zone edit, or a health or drain change
// that alters a pool's members) makes a new version with a newer serial
// (dnsd/xfr/versioner.h). A Snapshot holds the current version of each zone;
// queries read its SOA, transfers read all of it, and the history of changes
// that led to it answers IXFR. Immutable once published; any thread reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dnsd/dnssec/signed_zone.h"
#include "dnsd/query/record_list.h"
#include "health/selection.h"
#include "zones/zone.h"

namespace dnsd {

/// The records that turned one version into the next (RFC 1995 terms: the
/// deletions and additions between two serials). SOA records are not in
/// the lists; the serials and SOA rdata of both ends are kept beside them.
struct ZoneChange {
  uint32_t from_serial = 0, to_serial = 0;
  std::vector<uint8_t> from_soa_rdata, to_soa_rdata;
  RecordList removed, added;
  /// Bytes held, for the history's memory bound.
  size_t bytes() const { return removed.bytes() + added.bytes() + from_soa_rdata.size() + to_soa_rdata.size(); }
};

/// The changes that lead up to a version, oldest first and contiguous: each
/// one's from_serial is the previous one's to_serial.
struct ZoneHistory {
  std::vector<std::shared_ptr<const ZoneChange>> changes;
  /// Index of the change whose from_serial is `serial`, or npos.
  size_t find_from(uint32_t serial) const;
  static constexpr size_t npos = SIZE_MAX;
  size_t bytes() const;
};

/// Which members each pool RRset of a zone carries in transfers: the members
/// selection serves (health, backup, drain and all-down rules), before
/// rotation and the max_answers cut.
struct PoolContent {
  std::vector<uint32_t> rrsets;        ///< global RRset indices of the zone's pool RRsets, ascending
  std::vector<uint32_t> first_member;  ///< per RRset, into `members`; one extra end marker
  std::vector<uint16_t> members;       ///< indices into Pool::members
  /// Per RRset, the rule that chose its members (for all-down reporting of
  /// answers served from the version). Not content: == leaves it out.
  std::vector<health::SelectionRule> rules;
  /// Members served by pool RRset number `k` (an index into `rrsets`).
  std::span<const uint16_t> served(size_t k) const {
    return {members.data() + first_member[k], first_member[k + 1] - first_member[k]};
  }
  /// The index into `rrsets` of global RRset `global`, or npos. Any thread; no allocation.
  size_t find(uint32_t global) const;
  static constexpr size_t npos = SIZE_MAX;
  bool operator==(const PoolContent& other) const {
    return rrsets == other.rrsets && first_member == other.first_member && members == other.members;
  }
};

/// One version of one zone.
struct ZoneVersion {
  uint32_t serial = 0;
  std::vector<uint8_t> soa_rdata;  ///< the apex SOA's rdata with `serial` in it
  std::shared_ptr<const zones::Zone> zone;
  PoolContent pools;
  /// Hash of the served content but the SOA serial: equal content, equal
  /// fingerprint, so a restart or a reload that changes nothing keeps the serial.
  uint64_t fingerprint = 0;
  uint64_t created_ms = 0;  ///< unix ms when this version was made
  std::shared_ptr<const ZoneHistory> history;  ///< never null
  /// The serial is held back: the state file could not record a new one, so
  /// this version carries the current content under the serial the file has
  /// (dnsd/xfr/versioner.h), with no history. The next version made once the
  /// file is writable gets a new serial.
  bool held = false;
  /// The version's signatures, when its zone is signed (the file's
  /// "dnssec"); null otherwise. Answers with DO=1 copy them, and pool
  /// answers with DO=1 come from `pools`, the members they sign.
  std::shared_ptr<const dnssec::VersionSignatures> signatures;
  /// SigningSetup::epoch of the signatures (0 when unsigned): part of the
  /// fingerprint, so new keys or a new window make a new serial.
  uint64_t signing_epoch = 0;

  /// The version a zone is served with when nothing versions it (tests and
  /// tools): the zone file's serial and no pool content. Any thread.
  static std::shared_ptr<const ZoneVersion> unversioned(std::shared_ptr<const zones::Zone> zone);
};

/// The SOA rdata `rdata` with its serial replaced by `serial`. Any thread.
std::vector<uint8_t> soa_with_serial(std::span<const uint8_t> rdata, uint32_t serial);

}  // namespace dnsd
