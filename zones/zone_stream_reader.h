// Reads a zone file in one streaming pass, without its JSON document: the
// small top-level values ("origin", "soa", "pools", ...) are kept as JSON, and
// every record of "records" goes straight into a ZoneBuilder in wire form. It
// only reads files that load: at the first sign of any error (bad JSON, a
// repeated key, a bad name or record, a broken rule) it gives up, and the
// loader reads the file again the thorough way, which finds and words every
// error. So it keeps the same rules as zones/records_parser.cc but none of its
// messages. Loader thread only.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "zones/json_fields.h"
#include "zones/name.h"
#include "zones/pool.h"
#include "zones/zone_builder.h"

namespace dnsd::zones {

/// Where the records of "records" go, and what reading them needs.
struct StreamTarget {
  Name origin;                               ///< a valid origin: completes relative names
  const std::vector<Pool>* pools = nullptr;  ///< the pools that parsed, in file order
  ZoneBuilder* builder = nullptr;            ///< receives every record; TTLs not given are ZoneBuilder::kZoneTtl
};

/// One streaming read of one zone file's text. Loader thread; one per load.
class ZoneStreamReader {
 public:
  /// Called once, when "records" begins, with the top-level values read so
  /// far; returns false to give up (the origin or the pools are missing or
  /// wrong), else fills the target.
  using RecordsStart = std::function<bool(const Json& header, StreamTarget& target)>;

  /// `file` names the file in warnings; when `cancel` becomes true the read
  /// stops at the next object key.
  ZoneStreamReader(std::string file, const std::atomic<bool>* cancel) : file_(std::move(file)), cancel_(cancel) {}

  /// Reads `text`. True when the whole file read with no sign of an error;
  /// false when the loader must read it the thorough way (or it was cancelled).
  bool read(std::string_view text, const RecordsStart& start);

  /// Every top-level value but "records", as JSON (valid after read()).
  const Json& header() const { return header_; }
  /// Whether the apex has NS records (a zone needs them).
  bool apex_has_ns() const { return apex_has_ns_; }
  /// Whether any owner has DNSKEY records (refused in a zone dnsd signs).
  bool has_dnskey() const { return has_dnskey_; }
  /// Warnings about records (zones/zone_lint.h), in the order the thorough
  /// read reports them: by owner key, then type key, then position.
  std::vector<LoadError> take_warnings();

  class Handler;

 private:
  friend class Handler;
  std::string file_;
  const std::atomic<bool>* cancel_;
  Json header_ = Json::object();
  bool apex_has_ns_ = false;
  bool has_dnskey_ = false;
  /// (owner key, type key, warning), in file order until take_warnings sorts them.
  struct Warning {
    std::string owner_key;
    std::string type_key;
    LoadError warning;
  };
  std::vector<Warning> warnings_;
};

}  // namespace dnsd::zones
