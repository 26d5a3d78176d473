#include "dnsd/xfr/transfer_endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>

#include "dnsd/query/packet_writer.h"
#include "dnsd/query/wire_reader.h"
#include "dnsd/xfr/serial.h"
#include "dnsd/xfr/tsig.h"

namespace dnsd::xfr {
namespace {

namespace rr = zones::rrtype;
constexpr uint16_t kNotAuth = 9;
/// Room kept free in every message for the TSIG record.
constexpr size_t kTsigRoom = 400;
/// A transfer message's size over TCP, TSIG excluded.
constexpr size_t kTcpMessage = kMaxMessage - kTsigRoom;

std::string address_text(const sockaddr* sa) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, text, sizeof text);
  else if (sa->sa_family == AF_INET6) {
    const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr;
    // An IPv4 client of a dual-stack socket is named as IPv4, as NOTIFY targets and ACLs name it.
    if (IN6_IS_ADDR_V4MAPPED(&a)) inet_ntop(AF_INET, a.s6_addr + 12, text, sizeof text);
    else inet_ntop(AF_INET6, &a, text, sizeof text);
  }
  return text;
}

}  // namespace

/// One handed-off request, parsed and with its TSIG checked.
struct TransferEndpoint::Request {
  std::span<const uint8_t> wire;  ///< the message without its TSIG
  ParsedQuery q;
  Transport transport = Transport::Udp;
  std::string peer;           ///< its address as text, for the log
  const sockaddr* peer_address = nullptr;
  TsigCheck tsig;
  uint64_t now_ms = 0;
  size_t limit = 512;  ///< largest response, TSIG excluded

  /// Signs a message of this exchange when the request was validly signed.
  std::shared_ptr<ResponseSigner> signer;
  MessageSigner sign() const {
    if (!signer) return {};
    const uint64_t now_s = now_ms / 1000;
    return [s = signer, now_s](std::vector<uint8_t>& m) { return s->sign(m, now_s); };
  }

  /// A one-message reply with `rcode` and no records, signed like every reply to this request.
  std::unique_ptr<ResponseStream> error(uint16_t rcode) const {
    std::vector<uint8_t> m(512 + q.question_length);
    PacketWriter w(m.data(), m.size() - 11);
    const uint8_t flags1 = uint8_t(0x80 | (q.opcode << 3) | (q.rd ? 1 : 0));
    if (!w.start(q.id, flags1, 0, q.has_question ? q.question : nullptr, q.has_question ? q.question_length : 0))
      w.start(q.id, flags1, 0, nullptr, 0);
    w.set_rcode(rcode);
    if (q.has_edns) w.add_opt(kMaxUdpPayload, uint8_t(rcode >> 4), false);
    w.finish();
    m.resize(w.size());
    if (signer) signer->sign(m, now_ms / 1000);
    return std::make_unique<SingleMessage>(std::move(m));
  }
};

TransferEndpoint::TransferEndpoint(std::shared_ptr<const TsigKeyring> keys, std::function<uint64_t()> wall_ms)
    : keys_(keys ? std::move(keys) : std::make_shared<const TsigKeyring>()), wall_ms_(std::move(wall_ms)) {}

std::unique_ptr<ResponseStream> TransferEndpoint::respond(std::span<const uint8_t> query, const sockaddr* peer,
                                                          Transport transport, const Snapshot& snapshot,
                                                          RotationState& rotation) {
  Request req;
  req.transport = transport;
  req.peer = address_text(peer);
  req.peer_address = peer;
  req.now_ms = wall_ms_();
  std::vector<uint8_t> stripped;
  req.wire = query;

  ParsedQuery signed_query;
  const ParseStatus first = parse_query(query, signed_query);
  if (first == ParseStatus::Drop) return std::make_unique<SingleMessage>(std::vector<uint8_t>{});
  req.q = signed_query;
  const size_t room = transport == Transport::Tcp
                          ? kMaxMessage
                          : (signed_query.has_edns ? std::min<size_t>(signed_query.udp_size, kMaxUdpPayload) : 512);

  if (signed_query.has_tsig) {
    req.tsig = check_request(query, *keys_, req.now_ms / 1000);
    log_.signed_query(req.tsig.status == TsigCheck::Status::Valid);
    switch (req.tsig.status) {
      case TsigCheck::Status::Malformed:
      case TsigCheck::Status::Unsigned: return req.error(rcode::kFormErr);
      case TsigCheck::Status::Invalid:
        if ((req.tsig.error == TsigError::BadTime || req.tsig.error == TsigError::BadTrunc) && req.tsig.key) {
          // RFC 8945 5.2.3 and 5.2.4: a stale time or a truncated MAC is
          // answered signed (the MAC itself checked out), BADTIME with our time.
          auto reply = req.error(kNotAuth);
          std::vector<uint8_t> m;
          reply->next(m);
          ResponseSigner(req.tsig).sign(m, req.now_ms / 1000, req.tsig.error);
          return std::make_unique<SingleMessage>(std::move(m));
        } else {
          auto reply = req.error(kNotAuth);
          std::vector<uint8_t> m;
          reply->next(m);
          append_unsigned_tsig(m, req.tsig, req.tsig.error, req.now_ms / 1000);
          return std::make_unique<SingleMessage>(std::move(m));
        }
      case TsigCheck::Status::Valid: break;
    }
    req.signer = std::make_shared<ResponseSigner>(*req.tsig.key, req.tsig.mac, req.tsig.original_id);
    stripped = strip_tsig(query);
    req.wire = stripped;
    ParsedQuery unsigned_query;
    const ParseStatus status = parse_query(req.wire, unsigned_query);
    req.q = unsigned_query;
    if (status == ParseStatus::Drop) return std::make_unique<SingleMessage>(std::vector<uint8_t>{});
    // Anything else malformed gets the query path's error reply below, signed.
    if (status != ParseStatus::Ok) req.q.qtype = 0;
  }
  // A UDP reply must fit the requester's size with its TSIG (RFC 8945 5.3); a
  // TCP message keeps kTsigRoom free.
  if (transport == Transport::Udp) req.limit = room - (req.signer ? req.signer->record_size() : 0);
  else req.limit = room > kTsigRoom + 512 ? room - kTsigRoom : room;

  if (req.q.qtype == rr::AXFR || req.q.qtype == rr::IXFR) return transfer(req, snapshot);

  // A signed ordinary query: the query path answers it, then the answer is signed.
  std::vector<uint8_t> m(req.limit);
  const QueryResult result = process_query(req.wire, m, transport, snapshot, rotation);
  if (result.action != QueryAction::Respond) return req.error(rcode::kFormErr);
  m.resize(result.length);
  if (req.signer && !req.signer->sign(m, req.now_ms / 1000)) return std::make_unique<SingleMessage>(std::vector<uint8_t>{});
  return std::make_unique<SingleMessage>(std::move(m));
}

std::unique_ptr<ResponseStream> TransferEndpoint::transfer(const Request& req, const Snapshot& snapshot) {
  const ParsedQuery& q = req.q;
  const bool axfr = q.qtype == rr::AXFR;
  const zones::ZoneSet& set = *snapshot.zones;
  const uint32_t index = set.find_zone(q.qname);
  const std::string asked = zones::name_to_text(q.qname.wire, q.qname.length);
  if (index == zones::kNone || !zones::name_equal(set.zone(index).origin(), set.zone(index).origin_length(),
                                                  q.qname.wire, q.qname.length)) {
    log_.refused(RefusalReason::NotZone, req.peer, asked, req.now_ms);
    return req.error(kNotAuth);
  }
  const zones::Zone& zone = set.zone(index);
  const zones::TransferPolicy& policy = zone.transfer();
  if (!policy.enabled) {
    log_.refused(RefusalReason::NoTransfer, req.peer, asked, req.now_ms);
    return req.error(rcode::kRefused);
  }
  if (axfr && req.transport == Transport::Udp) {
    log_.refused(RefusalReason::Udp, req.peer, asked, req.now_ms);
    return req.error(rcode::kFormErr);
  }
  if (!policy.allows(req.peer_address)) {
    log_.refused(RefusalReason::Acl, req.peer, asked, req.now_ms);
    return req.error(rcode::kRefused);
  }
  if (!policy.tsig_key.empty() && (!req.signer || req.tsig.key_name != policy.tsig_key)) {
    log_.refused(RefusalReason::Tsig, req.peer, asked, req.now_ms);
    return req.error(kNotAuth);
  }
  if (!axfr && !q.has_ixfr_serial) return req.error(rcode::kFormErr);  // RFC 1995: IXFR carries the SOA

  const std::shared_ptr<const ZoneVersion>& version = snapshot.versions[index];
  if (!axfr) return ixfr(req, version, asked);

  ResponseHeader header{q.id, {q.question, q.question + q.question_length}, q.has_edns, kTcpMessage};
  auto stream = std::make_unique<TransferStream>(std::move(header), version, req.sign());
  stream->add_soa(version->soa_rdata);
  stream->add_zone();
  stream->add_soa(version->soa_rdata);
  log_.transfer(TransferKind::Axfr, req.peer, asked, version->serial, nullptr, req.now_ms);
  stream->on_finished([this, peer = req.peer, asked](size_t bytes) { log_.transfer_bytes(peer, asked, bytes); });
  return stream;
}

// RFC 1995 section 4: the current SOA; then per change the old SOA, the
// deletions, the new SOA and the additions; then the current SOA again.
std::unique_ptr<ResponseStream> TransferEndpoint::ixfr(const Request& req,
                                                       const std::shared_ptr<const ZoneVersion>& version,
                                                       const std::string& zone_name) {
  const ParsedQuery& q = req.q;
  const uint32_t asked = q.ixfr_serial;
  const bool udp = req.transport == Transport::Udp;
  ResponseHeader header{q.id, {q.question, q.question + q.question_length}, q.has_edns,
                        udp ? req.limit : kTcpMessage};
  // Over UDP the answer is tried unsigned first: only the message sent is signed.
  auto stream = std::make_unique<TransferStream>(header, version, udp ? MessageSigner{} : req.sign());
  TransferKind kind;
  const ZoneHistory& history = *version->history;
  const size_t from = history.find_from(asked);
  if (asked == version->serial || serial_newer(asked, version->serial)) {
    kind = TransferKind::IxfrUpToDate;  // nothing newer to give: the SOA alone
    stream->add_soa(version->soa_rdata);
  } else if (from != ZoneHistory::npos) {
    kind = TransferKind::Ixfr;
    stream->add_soa(version->soa_rdata);
    for (size_t i = from; i < history.changes.size(); ++i) {
      const auto& change = history.changes[i];
      stream->add_soa(change->from_soa_rdata);
      stream->add_records(change, change->removed);
      stream->add_soa(change->to_soa_rdata);
      stream->add_records(change, change->added);
    }
    stream->add_soa(version->soa_rdata);
  } else {
    kind = TransferKind::IxfrFull;  // the history does not reach back: the whole zone, AXFR-style
    stream->add_soa(version->soa_rdata);
    stream->add_zone();
    stream->add_soa(version->soa_rdata);
  }
  if (udp && kind != TransferKind::IxfrUpToDate) {
    // RFC 1995 section 2: over UDP, the answer if it fits in one message, else the SOA alone.
    std::vector<uint8_t> first, second;
    if (stream->next(first) && !stream->failed() && !stream->next(second)) {
      log_.transfer(kind, req.peer, zone_name, version->serial, &asked, req.now_ms);
      if (req.signer && !req.signer->sign(first, req.now_ms / 1000)) first.clear();
      return std::make_unique<SingleMessage>(std::move(first));
    }
    kind = TransferKind::IxfrUdpSoa;
    stream = std::make_unique<TransferStream>(header, version, req.sign());
    stream->add_soa(version->soa_rdata);
  } else if (udp) {
    stream = std::make_unique<TransferStream>(header, version, req.sign());
    stream->add_soa(version->soa_rdata);
  }
  log_.transfer(kind, req.peer, zone_name, version->serial, &asked, req.now_ms);
  if (!udp)
    stream->on_finished([this, peer = req.peer, zone_name](size_t bytes) { log_.transfer_bytes(peer, zone_name, bytes); });
  return stream;
}

}  // namespace dnsd::xfr
