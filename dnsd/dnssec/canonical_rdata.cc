#include "dnsd/dnssec/canonical_rdata.h"

#include "zones/name.h"

namespace dnsd::dnssec {
namespace {

/// One field of an rdata layout: a positive count of fixed bytes, or one of these.
enum Field : int8_t {
  kName = -1,    ///< an uncompressed domain name, lowercased
  kString = -2,  ///< a <character-string>: a length byte and that many bytes
  kRest = -3,    ///< everything left, copied as it is
  kEnd = 0,
};

/// The fields of an rdata whose names are lowercased, in order (RFC 1035,
/// 1183, 2163, 2230, 2782, 3403, 6672, 4034); nullptr for a type copied whole.
const int8_t* layout(uint16_t type) {
  static constexpr int8_t kOneName[] = {kName, kEnd};
  static constexpr int8_t kTwoNames[] = {kName, kName, kEnd};
  static constexpr int8_t kSoa[] = {kName, kName, 20, kEnd};
  static constexpr int8_t kPreferenceName[] = {2, kName, kEnd};
  static constexpr int8_t kPx[] = {2, kName, kName, kEnd};
  static constexpr int8_t kSrv[] = {6, kName, kEnd};
  static constexpr int8_t kNaptr[] = {4, kString, kString, kString, kName, kEnd};
  static constexpr int8_t kSig[] = {18, kName, kRest, kEnd};
  switch (type) {
    case 2:   // NS
    case 3:   // MD
    case 4:   // MF
    case 5:   // CNAME
    case 7:   // MB
    case 8:   // MG
    case 9:   // MR
    case 12:  // PTR
    case 39:  // DNAME
      return kOneName;
    case 6: return kSoa;
    case 14:  // MINFO
    case 17:  // RP
      return kTwoNames;
    case 15:  // MX
    case 18:  // AFSDB
    case 21:  // RT
    case 36:  // KX
      return kPreferenceName;
    case 26: return kPx;
    case 33: return kSrv;
    case 35: return kNaptr;
    case 24:  // SIG
    case 46:  // RRSIG
      return kSig;
    default: return nullptr;
  }
}

/// Copies the uncompressed name at rdata[pos] lowercased; the bytes it took,
/// or 0 when no valid name starts there.
size_t copy_name(const uint8_t* rdata, size_t length, size_t pos, std::vector<uint8_t>& out) {
  const size_t start = pos;
  while (pos < length) {
    const uint8_t label = rdata[pos];
    if (label > 63) return 0;  // a compression pointer or an extended label type
    if (pos + 1 + label > length || pos + 1 + label - start > zones::kMaxNameLength) return 0;
    out.push_back(label);
    for (size_t i = 1; i <= label; ++i) out.push_back(zones::lower_byte(rdata[pos + i]));
    pos += 1 + label;
    if (label == 0) return pos - start;
  }
  return 0;
}

}  // namespace

bool canonical_rdata(uint16_t type, const uint8_t* rdata, size_t length, std::vector<uint8_t>& out) {
  const int8_t* field = layout(type);
  if (field == nullptr) {
    out.insert(out.end(), rdata, rdata + length);
    return true;
  }
  const size_t original = out.size();
  size_t pos = 0;
  bool ok = true;
  for (; ok && *field != kEnd; ++field) {
    if (*field == kName) {
      const size_t taken = copy_name(rdata, length, pos, out);
      ok = taken != 0;
      pos += taken;
      continue;
    }
    const size_t size = *field == kRest     ? length - pos
                        : *field == kString ? (pos < length ? 1 + size_t(rdata[pos]) : 1)
                                            : size_t(*field);
    ok = pos + size <= length;
    if (ok) out.insert(out.end(), rdata + pos, rdata + pos + size);
    pos += size;
  }
  if (!ok || pos != length) {
    out.resize(original);
    return false;
  }
  return true;
}

}  // namespace dnsd::dnssec
