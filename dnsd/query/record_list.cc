#include "dnsd/query/record_list.h"

#include <cstring>

namespace dnsd {
namespace {

void put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(uint8_t(v >> 8));
  b.push_back(uint8_t(v));
}
uint16_t get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
uint32_t get32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

}  // namespace

void RecordList::append(const RecordView& r) {
  blob_.push_back(r.owner_length);
  blob_.insert(blob_.end(), r.owner, r.owner + r.owner_length);
  put16(blob_, r.type);
  put16(blob_, uint16_t(r.ttl >> 16));
  put16(blob_, uint16_t(r.ttl));
  put16(blob_, r.rdata_length);
  put16(blob_, r.name_at[0]);
  put16(blob_, r.name_at[1]);
  blob_.insert(blob_.end(), r.rdata, r.rdata + r.rdata_length);
  ++count_;
}

bool RecordList::Cursor::next(RecordView& out) {
  const std::vector<uint8_t>& b = list_.blob_;
  if (at_ >= b.size()) return false;
  const uint8_t* p = b.data() + at_;
  out.owner_length = p[0];
  out.owner = p + 1;
  p += 1 + out.owner_length;
  out.type = get16(p);
  out.ttl = get32(p + 2);
  out.rdata_length = get16(p + 6);
  out.name_at[0] = get16(p + 8);
  out.name_at[1] = get16(p + 10);
  out.rdata = p + 12;
  at_ = size_t(out.rdata + out.rdata_length - b.data());
  return true;
}

}  // namespace dnsd
