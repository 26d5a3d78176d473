#include "dnsd/xfr/notify_message.h"

#include <sys/random.h>

#include <cerrno>
#include <random>

namespace dnsd::xfr {

namespace {

constexpr uint16_t kTypeSoa = 6, kClassIn = 1;
constexpr size_t kHeaderBytes = 12;
/// SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM after the two names of a SOA rdata.
constexpr size_t kSoaFixedBytes = 20;

void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(uint8_t(v >> 8));
  out.push_back(uint8_t(v));
}

void put32(std::vector<uint8_t>& out, uint32_t v) {
  put16(out, uint16_t(v >> 16));
  put16(out, uint16_t(v));
}

uint16_t get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

/// The serial of an uncompressed SOA rdata: MNAME, RNAME, then five 32-bit fields.
std::optional<uint32_t> soa_rdata_serial(std::span<const uint8_t> rdata) {
  zones::LabeledName name;
  size_t pos = 0;
  for (int i = 0; i < 2; ++i) {
    const size_t used = name.parse(rdata.data() + pos, rdata.size() - pos);
    if (used == 0) return std::nullopt;
    pos += used;
  }
  if (rdata.size() - pos != kSoaFixedBytes) return std::nullopt;
  const uint8_t* p = rdata.data() + pos;
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

}  // namespace

std::vector<uint8_t> build_notify(uint16_t id, const zones::Name& zone, uint32_t ttl,
                                  std::span<const uint8_t> soa_rdata, uint32_t serial, std::string& error) {
  const std::optional<uint32_t> rdata_serial = soa_rdata_serial(soa_rdata);
  if (!rdata_serial) {
    error = "malformed SOA rdata";
    return {};
  }
  if (*rdata_serial != serial) {
    error = "SOA rdata has serial " + std::to_string(*rdata_serial) + ", not " + std::to_string(serial);
    return {};
  }
  std::vector<uint8_t> out;
  out.reserve(kHeaderBytes + 2 * zone.size() + 16 + soa_rdata.size());
  put16(out, id);
  out.push_back(uint8_t(kOpcodeNotify << 3 | 0x04));  // QR clear, opcode NOTIFY, AA
  out.push_back(0);                                   // RA, Z, AD, CD clear; rcode NOERROR
  put16(out, 1);  // QDCOUNT
  put16(out, 1);  // ANCOUNT: the new SOA
  put16(out, 0);  // NSCOUNT
  put16(out, 0);  // ARCOUNT: a signer appends its TSIG and counts it
  out.insert(out.end(), zone.data(), zone.data() + zone.size());
  put16(out, kTypeSoa);
  put16(out, kClassIn);
  put16(out, 0xC000 | kHeaderBytes);  // the SOA's owner: a pointer to the question's name
  put16(out, kTypeSoa);
  put16(out, kClassIn);
  put32(out, ttl);
  put16(out, uint16_t(soa_rdata.size()));
  out.insert(out.end(), soa_rdata.begin(), soa_rdata.end());
  return out;
}

std::optional<NotifyResponse> parse_notify_response(std::span<const uint8_t> reply) {
  if (reply.size() < kHeaderBytes) return std::nullopt;
  const uint8_t* p = reply.data();
  if (!(p[2] & 0x80)) return std::nullopt;                       // a query, not a response
  if (((p[2] >> 3) & 0x0F) != kOpcodeNotify) return std::nullopt;
  if (get16(p + 4) != 1) return std::nullopt;                    // QDCOUNT
  zones::LabeledName name;
  const size_t used = name.parse(p + kHeaderBytes, reply.size() - kHeaderBytes);
  if (used == 0 || reply.size() < kHeaderBytes + used + 4) return std::nullopt;
  const uint8_t* tail = p + kHeaderBytes + used;
  if (get16(tail) != kTypeSoa || get16(tail + 2) != kClassIn) return std::nullopt;
  NotifyResponse out;
  out.id = get16(p);
  out.rcode = p[3] & 0x0F;
  out.zone.wire.assign(reinterpret_cast<const char*>(name.wire), name.length);  // lowercased by parse
  return out;
}

uint16_t random_message_id() {
  uint16_t id = 0;
  ssize_t got;
  do {
    got = getrandom(&id, sizeof id, 0);
  } while (got < 0 && errno == EINTR);
  if (got == sizeof id) return id;
  // No getrandom (an old kernel): random_device reads the same pool through /dev/urandom.
  std::random_device device;
  return uint16_t(device());
}

}  // namespace dnsd::xfr
