// One straight line per query: parse, find the zone, fill the sections
// (AnswerBuilder), add the OPT, done.
#include "dnsd/query/query.h"

#include <algorithm>

#include "dnsd/query/answer_builder.h"
#include "dnsd/query/lookup.h"
#include "dnsd/query/packet_writer.h"
#include "dnsd/query/server_cookies.h"
#include "dnsd/query/wire_reader.h"

namespace dnsd {
namespace {

using zones::kNone;
namespace rr = zones::rrtype;

constexpr uint16_t kClassIn = 1;

// Header flags of a response: QR, the query's opcode and RD; CD copied. RD and CD
// are defined for QUERY only, so an answer to any other opcode leaves them clear.
uint8_t response_flags1(const ParsedQuery& q) {
  return uint8_t(0x80 | (q.opcode << 3) | (q.rd && q.opcode == 0 ? 1 : 0));
}
uint8_t response_flags2(const ParsedQuery& q) { return q.cd && q.opcode == 0 ? 0x10 : 0; }

/// The options of a response's OPT record, worked out from the query before
/// anything is written so that their room is reserved. On the worker's stack;
/// not copied (the COOKIE option points into it).
struct ResponseEdns {
  ResponseEdns() = default;
  ResponseEdns(const ResponseEdns&) = delete;
  ResponseEdns& operator=(const ResponseEdns&) = delete;

  CookieStatus cookie = CookieStatus::None;
  bool cookie_malformed = false;  ///< a COOKIE option of a length no cookie has: FORMERR
  uint8_t cookie_data[ServerCookies::kClientCookieSize + ServerCookies::kServerCookieSize];
  EdnsOption options[2];
  size_t count = 0;

  std::span<const EdnsOption> list() const { return {options, count}; }
  /// Whether the response carries a COOKIE option, and so a server cookie.
  bool has_cookie() const { return count > 0 && options[0].code == edns_option::kCookie; }
};

// RFC 7873 section 5.2 and RFC 5001: a COOKIE option with the client cookie
// and our server cookie answers a client cookie; NSID answers an NSID
// request. A query of an unknown EDNS version gets neither (its options
// mean nothing to us), nor does one without a client address to bind to.
void fill_response_edns(const ParsedQuery& q, ParseStatus status, const QueryContext& context, ResponseEdns& e) {
  if (!q.has_edns) return;
  const bool checked = status != ParseStatus::BadVers && context.cookies != nullptr &&
                       (context.client_address.size() == 4 || context.client_address.size() == 16);
  if (q.has_cookie && !checked) {
    e.cookie = CookieStatus::ClientOnly;
  } else if (q.has_cookie && !q.cookie_well_formed()) {
    e.cookie = CookieStatus::Invalid;
    e.cookie_malformed = true;
  } else if (q.has_cookie) {
    constexpr size_t kClient = ServerCookies::kClientCookieSize;
    std::copy_n(q.cookie.data(), kClient, e.cookie_data);
    e.cookie = context.cookies->check(q.cookie, context.client_address, context.now,
                                      std::span<uint8_t, ServerCookies::kServerCookieSize>(e.cookie_data + kClient,
                                                                                          ServerCookies::kServerCookieSize));
    if (e.cookie != CookieStatus::None) e.options[e.count++] = {edns_option::kCookie, e.cookie_data};
  }
  if (q.nsid_requested && status != ParseStatus::BadVers && !context.nsid.empty() &&
      context.nsid.size() <= kMaxNsidLength)
    e.options[e.count++] = {edns_option::kNsid, context.nsid};
}

QueryResult finish(PacketWriter& w, const ParsedQuery& q, const ResponseEdns& edns, uint16_t rcode, bool truncated) {
  if (truncated) w.set_tc();
  w.set_rcode(rcode);
  if (q.has_edns) w.add_opt(kMaxUdpPayload, uint8_t(rcode >> 4), q.dnssec_ok, edns.list());
  w.finish();
  QueryResult r;
  r.action = QueryAction::Respond;
  r.length = uint16_t(w.size());
  r.rcode = rcode;
  r.qtype = q.has_question ? q.qtype : 0;
  r.truncated = truncated;
  r.question_end = uint16_t(12 + (q.has_question ? q.question_length : 0));
  r.cookie = edns.cookie;
  return r;
}

// An error reply: the header, the question when it parsed, and OPT when EDNS was valid.
QueryResult error_reply(PacketWriter& w, const ParsedQuery& q, const ResponseEdns& edns, uint16_t rcode) {
  if (w.start(q.id, response_flags1(q), response_flags2(q), q.question, q.has_question ? q.question_length : 0))
    return finish(w, q, edns, rcode, false);
  w.start(q.id, response_flags1(q), response_flags2(q), nullptr, 0);
  QueryResult r = finish(w, q, edns, rcode, false);
  r.question_end = 12;
  return r;
}

}  // namespace

QueryResult process_query(std::span<const uint8_t> query, std::span<uint8_t> response, Transport transport,
                          const Snapshot& snapshot, RotationState& rotation, const QueryContext& context) {
  const zones::ZoneSet& zones = *snapshot.zones;
  ParsedQuery q;
  const ParseStatus status = parse_query(query, q);
  if (status == ParseStatus::Drop) return {};
  ResponseEdns edns;
  fill_response_edns(q, status, context, edns);

  size_t payload = transport == Transport::Tcp ? kMaxMessage : (q.has_edns ? std::min<size_t>(q.udp_size, kMaxUdpPayload) : 512);
  payload = std::min(payload, response.size());
  PacketWriter w(response.data(), payload - (q.has_edns ? PacketWriter::opt_size(edns.list()) : 0));

  switch (status) {
    case ParseStatus::FormErr: return error_reply(w, q, edns, rcode::kFormErr);
    case ParseStatus::NotImp: return error_reply(w, q, edns, rcode::kNotImp);
    case ParseStatus::BadVers: return error_reply(w, q, edns, rcode::kBadVers);
    case ParseStatus::NoQuestion:
      // RFC 7873 section 5.4: a server cookie for the asking, BADCOOKIE if the
      // one sent was not ours; FORMERR from a server that checks no cookies.
      if (!edns.has_cookie()) return error_reply(w, q, edns, rcode::kFormErr);
      return error_reply(w, q, edns, edns.cookie == CookieStatus::Invalid ? rcode::kBadCookie : rcode::kNoError);
    case ParseStatus::Drop:
    case ParseStatus::Ok: break;
  }
  if (edns.cookie_malformed) return error_reply(w, q, edns, rcode::kFormErr);  // RFC 7873 section 5.2.2
  if (q.qclass != kClassIn) return error_reply(w, q, edns, rcode::kRefused);
  switch (q.qtype) {
    case rr::OPT: return error_reply(w, q, edns, rcode::kFormErr);  // OPT is not a question type (RFC 6891 6.1.1)
    case 249 /* TKEY */:
    case 250 /* TSIG */:
    case rr::MAILA:
    case rr::MAILB: return error_reply(w, q, edns, rcode::kNotImp);
    default: break;
  }
  // Zone transfers and signed messages are the transfer plane's (dnsd/xfr/):
  // they need the peer's address, TSIG keys and more than one message.
  if (q.qtype == rr::AXFR || q.qtype == rr::IXFR || q.has_tsig) {
    QueryResult handoff;
    handoff.action = QueryAction::Handoff;
    handoff.qtype = q.qtype;
    handoff.cookie = edns.cookie;
    return handoff;
  }
  // A server cookie we did not make (or one too old) proves nothing about the
  // source address: over UDP the client gets a fresh cookie and no answer,
  // so a spoofed source gains no amplification (RFC 7873 sections 5.2.3 and
  // 5.2.4). Over TCP the handshake has proved the address: answer.
  if (edns.cookie == CookieStatus::Invalid && transport == Transport::Udp)
    return error_reply(w, q, edns, rcode::kBadCookie);

  const uint32_t zone_index = answering_zone(zones, q.qname, q.qtype);
  if (zone_index == kNone) return error_reply(w, q, edns, rcode::kRefused);

  if (!w.start(q.id, response_flags1(q), response_flags2(q), q.question, q.question_length))
    return error_reply(w, q, edns, rcode::kServFail);
  AnswerBuilder builder(q, snapshot, rotation, w);
  const uint16_t rc = builder.answer(zone_index);
  if (builder.authoritative()) response[2] |= 0x04;  // AA
  QueryResult result = finish(w, q, edns, rc, builder.truncated());
  result.zone = zone_index;
  result.all_down = builder.all_down();
  result.all_down_pool = builder.all_down_pool();
  if (rc == rcode::kNoError || rc == rcode::kNxDomain) {
    result.kind = builder.kind();
    result.kind_hash = builder.kind_hash();
  }
  return result;
}

}  // namespace dnsd
