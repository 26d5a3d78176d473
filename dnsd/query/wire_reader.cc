#include "dnsd/query/wire_reader.h"

namespace dnsd {
namespace {

inline uint16_t read_u16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

// Skips a possibly compressed name in a record; returns the offset after it or 0.
size_t skip_name(std::span<const uint8_t> packet, size_t pos) {
  while (pos < packet.size()) {
    uint8_t len = packet[pos];
    if ((len & 0xC0) == 0xC0) return pos + 2 <= packet.size() ? pos + 2 : 0;
    if (len > 63) return 0;
    pos += 1 + len;
    if (len == 0) return pos;
  }
  return 0;
}

inline uint32_t read_u32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

// An IXFR query carries the requester's SOA in the authority section (RFC
// 1995 section 3): one record, type SOA, owned by the zone asked for. The
// serial is the third field of its rdata, after two names. Returns the
// offset after the record, or 0 when it is not exactly that.
size_t parse_ixfr_soa(std::span<const uint8_t> packet, size_t pos, ParsedQuery& out) {
  const size_t owner = pos;
  pos = skip_name(packet, pos);
  if (pos == 0 || pos + 10 > packet.size()) return 0;
  const uint8_t* rr = packet.data() + pos;
  const size_t rdata = pos + 10, end = rdata + read_u16(rr + 8);
  if (read_u16(rr) != 6 || end > packet.size()) return 0;
  // The owner must be the question name: a pointer back to it, or the same bytes.
  const bool pointer_to_qname = packet[owner] == 0xC0 && packet[owner + 1] == 12;
  if (!pointer_to_qname) {
    zones::LabeledName name;
    if (name.parse(packet.data() + owner, pos - owner) == 0 ||
        !zones::name_equal(name.wire, name.length, out.qname.wire, out.qname.length))
      return 0;
  }
  size_t at = skip_name(packet.subspan(0, end), rdata);
  if (at != 0) at = skip_name(packet.subspan(0, end), at);
  if (at == 0 || at + 20 != end) return 0;
  out.ixfr_serial = read_u32(packet.data() + at);
  out.has_ixfr_serial = true;
  return end;
}

// Parses the additional section: at most one OPT, owned by the root, with
// well-formed options (RFC 6891 6.1.1), and a TSIG only as the last record
// (RFC 8945 5.1). Other records are skipped.
ParseStatus parse_additional(std::span<const uint8_t> packet, size_t pos, uint16_t count, ParsedQuery& out) {
  for (uint16_t i = 0; i < count; ++i) {
    const size_t owner = pos;
    pos = skip_name(packet, pos);
    if (pos == 0 || pos + 10 > packet.size()) return ParseStatus::FormErr;
    const uint8_t* rr = packet.data() + pos;
    const uint16_t type = read_u16(rr);
    const uint16_t rdlength = read_u16(rr + 8);
    if (pos + 10 + rdlength > packet.size()) return ParseStatus::FormErr;
    if (type == 41) {
      if (out.has_edns) return ParseStatus::FormErr;  // two OPT records
      if (pos - owner != 1 || packet[owner] != 0) return ParseStatus::FormErr;  // OPT owner must be root
      const uint16_t size = read_u16(rr + 2);
      out.udp_size = size < 512 ? 512 : size;
      out.edns_version = rr[5];
      out.dnssec_ok = (rr[6] & 0x80) != 0;
      for (size_t opt = pos + 10, end = pos + 10 + rdlength; opt < end;) {
        if (opt + 4 > end) return ParseStatus::FormErr;
        const uint16_t code = read_u16(packet.data() + opt);
        const uint16_t opt_length = read_u16(packet.data() + opt + 2);
        if (opt + 4 + opt_length > end) return ParseStatus::FormErr;
        if (code == edns_option::kCookie && !out.has_cookie) {
          out.has_cookie = true;
          out.cookie = packet.subspan(opt + 4, opt_length);
        }
        // A query's NSID option should be empty (RFC 5001 2.1); any content is ignored.
        if (code == edns_option::kNsid) out.nsid_requested = true;
        opt += 4 + opt_length;
      }
      out.has_edns = true;
    }
    if (type == 250) {
      if (i + 1 != count) return ParseStatus::FormErr;  // TSIG must be last
      out.has_tsig = true;
    }
    pos += 10 + rdlength;
  }
  if (pos != packet.size()) return ParseStatus::FormErr;  // trailing garbage
  return ParseStatus::Ok;
}

}  // namespace

ParseStatus parse_query(std::span<const uint8_t> packet, ParsedQuery& out) {
  if (packet.size() < 12) return ParseStatus::Drop;
  const uint8_t* h = packet.data();
  if (h[2] & 0x80) return ParseStatus::Drop;  // QR: a response; answering it could start a loop
  out.id = read_u16(h);
  out.opcode = (h[2] >> 3) & 0x0F;
  out.rd = (h[2] & 0x01) != 0;
  out.cd = (h[3] & 0x10) != 0;
  const uint16_t qdcount = read_u16(h + 4), ancount = read_u16(h + 6), nscount = read_u16(h + 8),
                 arcount = read_u16(h + 10);
  if (qdcount == 0 && out.opcode == 0 && ancount == 0 && nscount == 0) {
    // Only a request for a server cookie may leave the question out.
    const ParseStatus status = parse_additional(packet, 12, arcount, out);
    if (status != ParseStatus::Ok) out.has_edns = false;
    if (status != ParseStatus::Ok || !out.has_cookie) return ParseStatus::FormErr;
    return out.edns_version > 0 ? ParseStatus::BadVers : ParseStatus::NoQuestion;
  }
  if (qdcount != 1) return out.opcode == 0 ? ParseStatus::FormErr : ParseStatus::NotImp;
  const size_t name_length = out.qname.parse(h + 12, packet.size() - 12);
  if (name_length == 0 || 12 + name_length + 4 > packet.size()) return ParseStatus::FormErr;
  out.question = h + 12;
  out.question_length = name_length + 4;
  out.qtype = read_u16(h + 12 + name_length);
  out.qclass = read_u16(h + 12 + name_length + 2);
  out.has_question = true;
  if (out.opcode != 0) return ParseStatus::NotImp;
  if (ancount != 0) return ParseStatus::FormErr;
  size_t pos = 12 + out.question_length;
  if (nscount != 0) {
    if (out.qtype != 251 || nscount != 1) return ParseStatus::FormErr;  // only IXFR carries an authority record
    pos = parse_ixfr_soa(packet, pos, out);
    if (pos == 0) return ParseStatus::FormErr;
  }
  const ParseStatus status = parse_additional(packet, pos, arcount, out);
  if (status != ParseStatus::Ok) {
    out.has_edns = false;  // a malformed OPT is not echoed
    return status;
  }
  if (out.has_edns && out.edns_version > 0) return ParseStatus::BadVers;
  return ParseStatus::Ok;
}

}  // namespace dnsd
