#include "dnsd/query/packet_writer.h"

#include <arpa/inet.h>

#include <cstring>

#include "zones/name.h"

namespace dnsd {
namespace {

// Network-order stores as one byte swap (none on a big-endian host) and one store each.
inline void put_u16(uint8_t* p, uint16_t v) {
  v = htons(v);
  std::memcpy(p, &v, sizeof v);
}
inline void put_u32(uint8_t* p, uint32_t v) {
  v = htonl(v);
  std::memcpy(p, &v, sizeof v);
}

}  // namespace

bool PacketWriter::start(uint16_t id, uint8_t flags1, uint8_t flags2, const uint8_t* question,
                         size_t question_length) {
  if (12 + question_length > limit_) return false;
  put_u16(buf_, id);
  buf_[2] = flags1;
  buf_[3] = flags2;
  std::memset(buf_ + 4, 0, 8);
  size_ = 12;
  entries_ = 0;
  question_pending_ = false;
  last_owner_length_ = 0;
  last_head_length_ = 0;
  qname_length_ = question_length >= 4 ? question_length - 4 : 0;
  if (question_length > 0) {
    std::memcpy(buf_ + 12, question, question_length);
    put_u16(buf_ + 4, 1);
    question_pending_ = true;  // remembered for compression when a name first needs the table
    size_ = 12 + question_length;
  }
  return true;
}

void PacketWriter::rollback(const Mark& m) {
  size_ = m.size;
  counts_[0] = m.counts[0];
  counts_[1] = m.counts[1];
  counts_[2] = m.counts[2];
  entries_ = m.entries;
  // The question's entries come first: a mark taken before they were made drops them.
  if (m.entries == 0 && qname_length_ > 0) question_pending_ = true;
  if (last_owner_at_ + last_owner_written_ > size_) last_owner_length_ = 0;
  if (last_record_at_ + last_head_length_ > size_) last_head_length_ = 0;
}

// Records every suffix of a name just written uncompressed at `offset`, so
// later names can point at it. Offsets past 0x3FFF cannot be pointed at.
void PacketWriter::remember(size_t offset, const uint8_t* name, size_t length, size_t upto) {
  size_t labels = zones::name_label_count(name, length);
  for (size_t pos = 0; pos < upto && name[pos] != 0 && entries_ < kMaxEntries; pos += 1 + name[pos], --labels) {
    if (offset + pos > 0x3FFF) return;
    entries_table_[entries_++] = {uint16_t(offset + pos), uint8_t(length - pos), uint8_t(labels)};
  }
}

// Whether the (possibly compressed) name at packet offset `offset` equals the
// uncompressed `name`, ignoring case.
bool PacketWriter::matches_at(uint16_t offset, const uint8_t* name, size_t length) const {
  size_t pos = 0;
  size_t at = offset;
  for (int hops = 0; hops < 64;) {
    uint8_t len = buf_[at];
    if ((len & 0xC0) == 0xC0) {
      at = size_t(len & 0x3F) << 8 | buf_[at + 1];
      ++hops;
      continue;
    }
    if (pos >= length || name[pos] != len) return false;
    if (len == 0) return pos + 1 == length;
    for (size_t i = 1; i <= len; ++i)
      if (zones::lower_byte(buf_[at + i]) != zones::lower_byte(name[pos + i])) return false;
    pos += 1 + len;
    at += 1 + len;
  }
  return false;
}

bool PacketWriter::write_name(const uint8_t* name, size_t length, bool compress) {
  if (compress && length == qname_length_ && std::memcmp(name, buf_ + 12, length) == 0) {
    // The question name, byte for byte (the usual owner of an answer): point
    // at it without searching the table.
    if (size_ + 2 > limit_) return false;
    put_u16(buf_ + size_, 0xC00C);
    size_ += 2;
    return true;
  }
  if (compress && question_pending_) {
    remember(12, buf_ + 12, qname_length_, qname_length_);
    question_pending_ = false;
  }
  size_t labels = zones::name_label_count(name, length);
  const size_t start = size_;
  for (size_t pos = 0; pos < length; pos += 1 + name[pos], --labels) {
    if (name[pos] == 0) break;
    if (compress) {
      const size_t rest = length - pos;
      for (uint8_t e = 0; e < entries_; ++e) {
        const Entry& entry = entries_table_[e];
        if (entry.length != rest || entry.labels != labels || !matches_at(entry.offset, name + pos, rest)) continue;
        // Labels before the match, then a pointer to it.
        if (start + pos + 2 > limit_) return false;
        std::memcpy(buf_ + start, name, pos);
        put_u16(buf_ + start + pos, uint16_t(0xC000 | entry.offset));
        size_ = start + pos + 2;
        if (pos) remember(start, name, length, pos);  // the new leading labels, each ending in the pointer
        return true;
      }
    }
  }
  if (start + length > limit_) return false;
  std::memcpy(buf_ + start, name, length);
  size_ = start + length;
  if (compress) remember(start, name, length, length);
  return true;
}

bool PacketWriter::write_owner(const uint8_t* owner, size_t owner_length) {
  if (owner_length == last_owner_length_ && std::memcmp(owner, last_owner_, owner_length) == 0) {
    // Same bytes as last time: a copy is the same compressed name.
    if (size_ + last_owner_written_ > limit_) return false;
    std::memcpy(buf_ + size_, buf_ + last_owner_at_, last_owner_written_);
    size_ += last_owner_written_;
    return true;
  }
  const size_t at = size_;
  if (!write_name(owner, owner_length, true)) return false;
  if (owner_length > sizeof(last_owner_)) return true;
  std::memcpy(last_owner_, owner, owner_length);
  last_owner_length_ = owner_length;
  last_owner_at_ = at;
  last_owner_written_ = size_ - at;
  return true;
}

bool PacketWriter::add_record(Section section, const uint8_t* owner, size_t owner_length, uint16_t type,
                              uint16_t rrclass, uint32_t ttl, const uint8_t* rdata, size_t rdata_length,
                              const uint16_t name_at[2]) {
  const Mark before = mark();
  const size_t record_at = size_;
  if (!write_owner(owner, owner_length) || size_ + 10 > limit_) {
    rollback(before);
    return false;
  }
  uint8_t* fixed = buf_ + size_;
  put_u16(fixed, type);
  put_u16(fixed + 2, rrclass);
  put_u32(fixed + 4, ttl);
  size_ += 8;
  if (!write_rdata(rdata, rdata_length, name_at)) {
    rollback(before);
    return false;
  }
  last_record_at_ = record_at;
  last_head_length_ = size_t(fixed + 8 - (buf_ + record_at));
  ++counts_[size_t(section)];
  return true;
}

bool PacketWriter::add_next_record(Section section, const uint8_t* rdata, size_t rdata_length,
                                   const uint16_t name_at[2]) {
  const size_t head = last_head_length_;
  if (head == 0 || size_ + head > limit_) return false;
  const Mark before = mark();
  const size_t record_at = size_;
  std::memcpy(buf_ + size_, buf_ + last_record_at_, head);  // owner (as written), type, class, TTL
  size_ += head;
  if (!write_rdata(rdata, rdata_length, name_at)) {
    rollback(before);
    return false;
  }
  last_record_at_ = record_at;
  ++counts_[size_t(section)];
  return true;
}

bool PacketWriter::write_rdata(const uint8_t* rdata, size_t rdata_length, const uint16_t name_at[2]) {
  if (name_at[0] == 0xFFFF && name_at[1] == 0xFFFF) {  // no names (A, AAAA, TXT...): one copy
    if (size_ + 2 + rdata_length > limit_) return false;
    put_u16(buf_ + size_, uint16_t(rdata_length));
    std::memcpy(buf_ + size_ + 2, rdata, rdata_length);
    size_ += 2 + rdata_length;
    return true;
  }
  if (size_ + 2 > limit_) return false;
  uint8_t* const length_at = buf_ + size_;
  size_ += 2;
  const size_t rdata_start = size_;
  size_t copied = 0;
  for (int i = 0; i < 2; ++i) {
    const uint16_t at = name_at[i];
    if (at == 0xFFFF || at >= rdata_length) continue;
    // Plain bytes up to the name, then the name compressed.
    if (size_ + (at - copied) > limit_) return false;
    std::memcpy(buf_ + size_, rdata + copied, at - copied);
    size_ += at - copied;
    size_t name_length = 0;
    while (at + name_length < rdata_length) {
      const uint8_t len = rdata[at + name_length];
      name_length += 1 + len;
      if (len == 0) break;
    }
    if (!write_name(rdata + at, name_length, true)) return false;
    copied = at + name_length;
  }
  if (size_ + (rdata_length - copied) > limit_) return false;
  std::memcpy(buf_ + size_, rdata + copied, rdata_length - copied);
  size_ += rdata_length - copied;
  put_u16(length_at, uint16_t(size_ - rdata_start));
  return true;
}

size_t PacketWriter::opt_size(std::span<const EdnsOption> options) {
  size_t size = 11;
  for (const EdnsOption& o : options) size += 4 + o.data.size();
  return size;
}

void PacketWriter::add_opt(uint16_t payload, uint8_t extended_rcode, bool dnssec_ok,
                           std::span<const EdnsOption> options) {
  uint8_t* p = buf_ + size_;
  p[0] = 0;  // root owner
  put_u16(p + 1, 41);
  put_u16(p + 3, payload);
  p[5] = extended_rcode;
  p[6] = 0;  // EDNS version 0
  p[7] = dnssec_ok ? 0x80 : 0;
  p[8] = 0;
  // Only the options given: unknown ones of the query are never echoed.
  uint8_t* o = p + 11;
  for (const EdnsOption& option : options) {
    put_u16(o, option.code);
    put_u16(o + 2, uint16_t(option.data.size()));
    if (!option.data.empty()) std::memcpy(o + 4, option.data.data(), option.data.size());
    o += 4 + option.data.size();
  }
  put_u16(p + 9, uint16_t(o - (p + 11)));
  size_ += size_t(o - p);
  ++counts_[size_t(Section::Additional)];
}

void PacketWriter::finish() {
  put_u16(buf_ + 6, counts_[0]);
  put_u16(buf_ + 8, counts_[1]);
  put_u16(buf_ + 10, counts_[2]);
}

}  // namespace dnsd
