// A compact, owned list of resource records in uncompressed wire form: the
// records a zone version removed or added, kept for IXFR. One byte blob, no
// per-record allocation, iterated in the order the records were appended.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace dnsd {

/// One record as stored or as produced by a zone walk. Points into its owner's bytes.
struct RecordView {
  const uint8_t* owner = nullptr;  ///< uncompressed, lowercased wire name
  uint8_t owner_length = 0;
  uint16_t type = 0;
  uint32_t ttl = 0;
  const uint8_t* rdata = nullptr;
  uint16_t rdata_length = 0;
  /// Offsets of up to two compressible names inside rdata; 0xFFFF when unused.
  uint16_t name_at[2] = {0xFFFF, 0xFFFF};
};

/// Records appended once, then read by any number of threads.
class RecordList {
 public:
  /// Appends a copy of `record`. Builder's thread.
  void append(const RecordView& record);
  /// Records in the list.
  size_t size() const { return count_; }
  /// Bytes held, for the history's memory bound.
  size_t bytes() const { return blob_.size(); }
  bool empty() const { return count_ == 0; }

  /// Forward iteration. Any thread.
  class Cursor {
   public:
    explicit Cursor(const RecordList& list) : list_(list) {}
    /// Fills `out` with the next record; false at the end.
    bool next(RecordView& out);

   private:
    const RecordList& list_;
    size_t at_ = 0;
  };

 private:
  std::vector<uint8_t> blob_;  ///< per record: owner_length, owner, type, ttl, rdlength, name_at[2], rdata
  size_t count_ = 0;
};

}  // namespace dnsd
