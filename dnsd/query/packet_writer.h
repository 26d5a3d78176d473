// Builds a response in a caller-owned buffer: names compressed against
// everything already written, whole RRsets rolled back when they do not fit
// (so truncation never leaves half an RRset), and no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace dnsd {

/// Response sections, in wire order.
enum class Section : uint8_t { Answer = 0, Authority = 1, Additional = 2 };

/// One EDNS option of a response's OPT record: its code and data.
struct EdnsOption {
  uint16_t code = 0;
  std::span<const uint8_t> data;
};

/// Writes one DNS message. One per response; owned by the worker building it.
class PacketWriter {
 public:
  /// `limit` is the most bytes the message may use (payload size minus any
  /// space reserved for the OPT record).
  PacketWriter(uint8_t* buffer, size_t limit) : buf_(buffer), limit_(limit) {}

  /// Writes the 12-byte header (counts zero) and the question verbatim, and
  /// offers the question name for compression. False if it does not fit.
  bool start(uint16_t id, uint8_t flags1, uint8_t flags2, const uint8_t* question, size_t question_length);

  /// A position to roll back to; captures the size, counts and compression table.
  struct Mark {
    size_t size;
    uint16_t counts[3];
    uint8_t entries;
  };
  Mark mark() const { return {size_, {counts_[0], counts_[1], counts_[2]}, entries_}; }
  void rollback(const Mark& m);

  /// Appends one record. `owner` is an uncompressed wire name; `rdata` is
  /// uncompressed, with up to two compressible names at `name_at` (0xFFFF =
  /// none). Returns false, leaving the packet as it was, if it does not fit.
  bool add_record(Section section, const uint8_t* owner, size_t owner_length, uint16_t type, uint16_t rrclass,
                  uint32_t ttl, const uint8_t* rdata, size_t rdata_length, const uint16_t name_at[2]);

  /// Appends the next record of the RRset whose previous record add_record
  /// or add_next_record just wrote: the same owner, type, class and TTL are
  /// copied as written, so only `rdata` (as for add_record) is new. Returns
  /// false, leaving the packet as it was, if it does not fit (or if there is
  /// no previous record to follow).
  bool add_next_record(Section section, const uint8_t* rdata, size_t rdata_length, const uint16_t name_at[2]);
  /// Bytes an OPT record with `options` takes: what a caller reserves for add_opt.
  static size_t opt_size(std::span<const EdnsOption> options = {});
  /// Appends the OPT record with `options` outside the limit (the caller
  /// reserved opt_size(options) bytes for it).
  void add_opt(uint16_t payload, uint8_t extended_rcode, bool dnssec_ok, std::span<const EdnsOption> options = {});

  /// Sets header bits after the fact.
  void set_tc() { buf_[2] |= 0x02; }
  void set_rcode(uint16_t rcode) { buf_[3] = uint8_t((buf_[3] & 0xF0) | (rcode & 0x0F)); }

  /// Stores the section counts in the header; call once before sending.
  void finish();
  size_t size() const { return size_; }
  uint16_t count(Section s) const { return counts_[size_t(s)]; }

 private:
  bool write_name(const uint8_t* name, size_t length, bool compress);
  bool write_owner(const uint8_t* owner, size_t owner_length);
  /// Writes RDLENGTH and `rdata` (names at `name_at` compressed).
  bool write_rdata(const uint8_t* rdata, size_t rdata_length, const uint16_t name_at[2]);
  bool matches_at(uint16_t offset, const uint8_t* name, size_t length) const;
  void remember(size_t offset, const uint8_t* name, size_t length, size_t upto);

  static constexpr size_t kMaxEntries = 64;
  struct Entry {
    uint16_t offset;   ///< where this suffix starts in the packet
    uint8_t length;    ///< uncompressed length of the suffix
    uint8_t labels;    ///< labels in the suffix
  };
  uint8_t* buf_;
  size_t limit_;
  size_t size_ = 0;
  uint16_t counts_[3] = {0, 0, 0};
  Entry entries_table_[kMaxEntries];
  uint8_t entries_ = 0;
  // The owner of the last record, as given and as written: the records of an
  // RRset share one owner, so its compressed form is copied rather than
  // searched for again. Compared by content (callers reuse name buffers).
  // Forgotten when a rollback removes it.
  size_t qname_length_ = 0;  ///< length of the question name at offset 12; 0 without a question
  /// The question name's suffixes are not in the table yet: most answers
  /// (owner = question name, no other names) never search it.
  bool question_pending_ = false;
  uint8_t last_owner_[255];
  size_t last_owner_length_ = 0;  ///< 0: nothing remembered
  size_t last_owner_at_ = 0;
  size_t last_owner_written_ = 0;
  // Where the last record starts, and the length of its owner, type, class
  // and TTL as written (0: no record to follow), for add_next_record.
  size_t last_record_at_ = 0;
  size_t last_head_length_ = 0;
};

}  // namespace dnsd
