// Parses an incoming DNS query without copying or allocating: header,
// question and the EDNS OPT record (RFC 6891). The rules read top to bottom as
// early returns, one protocol rule per line, as NSD's query_process() does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "zones/name.h"

namespace dnsd {

/// DNS header rcodes (RFC 1035, 6891).
namespace rcode {
inline constexpr uint16_t kNoError = 0, kFormErr = 1, kServFail = 2, kNxDomain = 3, kNotImp = 4, kRefused = 5,
                          kBadVers = 16, kBadCookie = 23;
}

/// EDNS option codes read in queries and written in responses.
namespace edns_option {
inline constexpr uint16_t kNsid = 3;     ///< RFC 5001
inline constexpr uint16_t kCookie = 10;  ///< RFC 7873
}

/// How far parsing got, and what that means for the reply.
enum class ParseStatus : uint8_t {
  Ok,      ///< a well-formed query: answer it
  Drop,    ///< not answerable at all (shorter than a header, or a response): send nothing
  FormErr, ///< malformed: answer FORMERR
  NotImp,  ///< an opcode other than QUERY: answer NOTIMP
  BadVers, ///< EDNS version > 0: answer BADVERS (RFC 6891 6.1.3)
  /// QDCOUNT 0 with a COOKIE option: a request for a server cookie (RFC
  /// 7873 section 5.4), answered by a server that checks cookies and FORMERR
  /// otherwise.
  NoQuestion,
};

/// The parts of a query the answer needs. Points into the caller's buffer.
struct ParsedQuery {
  uint16_t id = 0;
  uint8_t opcode = 0;
  bool rd = false;            ///< recursion desired, copied to the response
  bool cd = false;            ///< checking disabled, copied to the response
  bool has_question = false;  ///< `question` is valid (also on some errors, to echo it)
  const uint8_t* question = nullptr;  ///< the question as received (name, type, class): echoed byte for byte
  size_t question_length = 0;
  zones::LabeledName qname;   ///< lowercased, with suffix hashes for lookup
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  bool has_edns = false;      ///< a valid OPT record was present
  uint16_t udp_size = 512;    ///< requester's payload size (>= 512)
  uint8_t edns_version = 0;
  bool dnssec_ok = false;     ///< DO bit, echoed in our OPT (RFC 3225)
  /// The first COOKIE option (RFC 7873 section 5.2: later ones are ignored),
  /// its data pointing into the packet. Any length is recorded here;
  /// cookie_well_formed() says whether it is one a server may accept.
  bool has_cookie = false;
  std::span<const uint8_t> cookie;
  /// A client cookie alone (8 bytes) or with a server cookie of 8 to 32
  /// bytes; any other length is FORMERR (RFC 7873 section 5.2.2).
  bool cookie_well_formed() const {
    return cookie.size() == 8 || (cookie.size() >= 16 && cookie.size() <= 40);
  }
  /// An NSID option asked for this server's identifier (RFC 5001).
  bool nsid_requested = false;
  /// The last additional record is a TSIG (RFC 8945): the transfer plane
  /// checks it and signs the answer; the query path only hands it over.
  bool has_tsig = false;
  /// An IXFR query's authority SOA (RFC 1995 section 3) was present, with this serial.
  bool has_ixfr_serial = false;
  uint32_t ixfr_serial = 0;
};

/// Parses `packet` into `out`. Any thread; no allocation.
ParseStatus parse_query(std::span<const uint8_t> packet, ParsedQuery& out);

}  // namespace dnsd
