#include "dnsd/query/zone_version.h"

#include <algorithm>

namespace dnsd {

size_t PoolContent::find(uint32_t global) const {
  const auto it = std::lower_bound(rrsets.begin(), rrsets.end(), global);
  return it == rrsets.end() || *it != global ? npos : size_t(it - rrsets.begin());
}

size_t ZoneHistory::find_from(uint32_t serial) const {
  for (size_t i = 0; i < changes.size(); ++i)
    if (changes[i]->from_serial == serial) return i;
  return npos;
}

size_t ZoneHistory::bytes() const {
  size_t total = 0;
  for (const auto& c : changes) total += c->bytes();
  return total;
}

std::vector<uint8_t> soa_with_serial(std::span<const uint8_t> rdata, uint32_t serial) {
  std::vector<uint8_t> out(rdata.begin(), rdata.end());
  if (out.size() < 20) return out;
  uint8_t* p = out.data() + out.size() - 20;  // serial, refresh, retry, expire, minimum
  p[0] = uint8_t(serial >> 24);
  p[1] = uint8_t(serial >> 16);
  p[2] = uint8_t(serial >> 8);
  p[3] = uint8_t(serial);
  return out;
}

std::shared_ptr<const ZoneVersion> ZoneVersion::unversioned(std::shared_ptr<const zones::Zone> zone) {
  auto v = std::make_shared<ZoneVersion>();
  const zones::Record& soa = zone->records(zone->soa())[0];
  v->serial = zone->serial();
  v->soa_rdata.assign(zone->rdata(soa), zone->rdata(soa) + soa.rdata_length);
  v->zone = std::move(zone);
  v->history = std::make_shared<const ZoneHistory>();
  return v;
}

}  // namespace dnsd
