// One straight line per query: parse, find the zone, look up (LookupKind),
// collect the answer, authority and additional sections, add the OPT, done.
#include "dnsd/query/query.h"

#include <algorithm>

#include "dnsd/query/lookup.h"
#include "dnsd/query/packet_writer.h"
#include "dnsd/query/server_cookies.h"
#include "dnsd/query/wire_reader.h"
#include "health/selection.h"

namespace dnsd {
namespace {

using zones::kNone;
namespace rr = zones::rrtype;

constexpr uint16_t kClassIn = 1;
/// CNAME links followed inside a zone before giving up (loop protection).
constexpr int kMaxCnameChain = 12;
/// Distinct targets whose addresses one response adds to the additional section.
constexpr size_t kMaxAdditionalTargets = 16;

/// Fills the answer, authority and additional sections of one response. Lives on the worker's stack.
class AnswerBuilder {
 public:
  AnswerBuilder(const ParsedQuery& q, const Snapshot& snapshot, RotationState& rotation, PacketWriter& writer)
      : q_(q), snapshot_(snapshot), zones_(*snapshot.zones), health_(*snapshot.health), rotation_(rotation),
        w_(writer) {}

  /// Fills the sections for a query that found its zone. Returns the rcode.
  uint16_t answer(uint32_t zone_index);
  bool truncated() const { return truncated_; }
  bool authoritative() const { return authoritative_; }
  /// Whether some pool selection found no healthy member (see QueryResult::all_down).
  bool all_down() const { return all_down_; }
  /// The first pool (index in the zone) that had no healthy member, or kNone.
  uint32_t all_down_pool() const { return all_down_pool_; }
  /// What the response is about, for rate limiting (see QueryResult::kind).
  ResponseKind kind() const { return kind_; }
  uint64_t kind_hash() const { return kind_hash_; }

 private:
  /// Outcome of putting one RRset into the packet.
  enum class Put : uint8_t { Written, Empty, NoRoom };

  Put put_rrset(Section section, const uint8_t* owner, size_t owner_length, const zones::RRset& set);
  Put put_pool(Section section, const uint8_t* owner, size_t owner_length, const zones::RRset& set);
  bool put_negative_soa();
  void put_referral(const zones::Node& cut);
  void put_additional_for(const zones::RRset& set);
  bool add_target_addresses(uint32_t node_index, bool required);
  uint32_t next_rotation(const zones::RRset& set) {
    return set.rotation_slot == kNone ? 0 : rotation_.next(zones_.rotation_base(zone_index_) + set.rotation_slot);
  }

  bool put_soa(Section section, uint32_t ttl);

  const ParsedQuery& q_;
  const Snapshot& snapshot_;
  const zones::ZoneSet& zones_;
  const health::HealthView& health_;
  RotationState& rotation_;
  PacketWriter& w_;
  const zones::Zone* zone_ = nullptr;
  uint32_t zone_index_ = kNone;
  bool truncated_ = false;
  bool authoritative_ = true;
  bool all_down_ = false;
  uint32_t all_down_pool_ = kNone;
  ResponseKind kind_ = ResponseKind::Answer;
  uint64_t kind_hash_ = 0;
  uint32_t additional_done_[kMaxAdditionalTargets];
  size_t additional_count_ = 0;
};

AnswerBuilder::Put AnswerBuilder::put_rrset(Section section, const uint8_t* owner, size_t owner_length,
                                            const zones::RRset& set) {
  if (set.pool != kNone) return put_pool(section, owner, owner_length, set);
  if (&set == &zone_->soa()) return put_soa(section, set.ttl) ? Put::Written : Put::NoRoom;
  const auto records = zone_->records(set);
  if (records.empty()) return Put::Empty;
  const PacketWriter::Mark before = w_.mark();
  // Rotate on every response: start at the next record of this RRset's counter.
  const size_t n = records.size();
  const size_t start = set.rotation_slot == kNone ? 0 : next_rotation(set) % n;
  for (size_t i = 0; i < n; ++i) {
    const zones::Record& r = records[(start + i) % n];
    if (!w_.add_record(section, owner, owner_length, set.type, kClassIn, set.ttl, zone_->rdata(r), r.rdata_length,
                       r.name_at)) {
      w_.rollback(before);  // never half an RRset
      return Put::NoRoom;
    }
  }
  return Put::Written;
}

AnswerBuilder::Put AnswerBuilder::put_pool(Section section, const uint8_t* owner, size_t owner_length,
                                           const zones::RRset& set) {
  const zones::Pool& pool = zone_->pool(set.pool);
  health::MemberView views[health::kMaxPoolMembers];
  const size_t n = std::min(pool.members.size(), health::kMaxPoolMembers);
  health::read_member_views(pool, health_.pool(zone_index_, set.pool), std::span(views, n));
  const uint8_t family = set.type == rr::AAAA ? 6 : 4;
  const health::Selection chosen = health::select_members(pool, std::span(views, n), family, next_rotation(set));
  const bool pool_down = chosen.rule == health::SelectionRule::AllDownServeAll ||
                         chosen.rule == health::SelectionRule::AllDownServeNone ||
                         chosen.rule == health::SelectionRule::DrainedLastResort;
  if (pool_down && !all_down_) all_down_pool_ = set.pool;
  all_down_ |= pool_down;
  if (chosen.count == 0) return Put::Empty;
  const PacketWriter::Mark before = w_.mark();
  static constexpr uint16_t kNoNames[2] = {0xFFFF, 0xFFFF};
  const size_t length = family == 6 ? 16 : 4;
  for (uint16_t i = 0; i < chosen.count; ++i) {
    const zones::PoolMember& m = pool.members[chosen.member[i]];
    if (!w_.add_record(section, owner, owner_length, set.type, kClassIn, set.ttl, m.address.data(), length,
                       kNoNames)) {
      w_.rollback(before);
      return Put::NoRoom;
    }
  }
  return Put::Written;
}

// The apex SOA as the zone's current version serves it: the zone file's
// SOA with the version's serial.
bool AnswerBuilder::put_soa(Section section, uint32_t ttl) {
  const zones::Record& r = zone_->records(zone_->soa())[0];
  const std::vector<uint8_t>& rdata = snapshot_.versions[zone_index_]->soa_rdata;
  return w_.add_record(section, zone_->origin(), zone_->origin_length(), rr::SOA, kClassIn, ttl, rdata.data(),
                       rdata.size(), r.name_at);
}

// RFC 2308 section 3: the SOA goes in the authority section with TTL =
// min(SOA TTL, SOA minimum).
bool AnswerBuilder::put_negative_soa() {
  if (put_soa(Section::Authority, zone_->negative_ttl())) return true;
  truncated_ = true;
  return false;
}

// Adds A and AAAA of an in-zone target once per response. `required` marks
// glue below a cut: if it does not fit, the referral is truncated (RFC 9471).
bool AnswerBuilder::add_target_addresses(uint32_t node_index, bool required) {
  for (size_t i = 0; i < additional_count_; ++i)
    if (additional_done_[i] == node_index) return true;
  if (additional_count_ == kMaxAdditionalTargets) return true;
  additional_done_[additional_count_++] = node_index;
  const zones::Node& node = zone_->node(node_index);
  if ((node.flags & zones::node_flag::kOccluded) && !required) return true;  // glue is only for referrals
  for (const uint16_t type : {rr::A, rr::AAAA}) {
    const zones::RRset* set = zone_->find_rrset(node, type);
    if (!set) continue;
    if (put_rrset(Section::Additional, zone_->node_name(node), node.name_length, *set) == Put::NoRoom) {
      if (required) {
        truncated_ = true;
      }
      return false;
    }
  }
  return true;
}

void AnswerBuilder::put_additional_for(const zones::RRset& set) {
  if (set.type != rr::NS && set.type != rr::MX && set.type != rr::SRV) return;
  for (const zones::Record& r : zone_->records(set))
    if (r.target_node != kNone && !add_target_addresses(r.target_node, false)) return;
}

// A referral: not authoritative, the cut's NS in authority, glue in additional.
void AnswerBuilder::put_referral(const zones::Node& cut) {
  const zones::RRset* ns = zone_->find_rrset(cut, rr::NS);
  if (put_rrset(Section::Authority, zone_->node_name(cut), cut.name_length, *ns) == Put::NoRoom) {
    truncated_ = true;
    return;
  }
  for (const zones::Record& r : zone_->records(*ns)) {
    if (r.target_node == kNone) continue;
    const bool glue = (zone_->node(r.target_node).flags & zones::node_flag::kOccluded) != 0;
    if (!add_target_addresses(r.target_node, glue) && truncated_) return;
  }
}

namespace {

/// Hash of the suffix of `name` that is `suffix_wire` (a zone origin or a cut,
/// which the name lies under): read from the name's suffix hashes, no rehashing.
uint64_t suffix_hash_of(const zones::LabeledName& name, const uint8_t* suffix_wire, size_t suffix_length) {
  const size_t labels = zones::name_label_count(suffix_wire, suffix_length);
  return labels <= name.label_count ? name.suffix_hash[name.label_count - labels] : 0;
}

uint64_t with_type(uint64_t hash, uint16_t qtype) { return (hash ^ qtype) * 0x9E3779B97F4A7C15ull; }

}  // namespace

uint16_t AnswerBuilder::answer(uint32_t zone_index) {
  zone_index_ = zone_index;
  zone_ = &zones_.zone(zone_index);
  const zones::LabeledName* name = &q_.qname;
  zones::LabeledName cname_target;  // storage for the name a CNAME leads to
  uint64_t visited[kMaxCnameChain + 1];  // names already answered in this chain, by hash
  for (int link = 0; link <= kMaxCnameChain; ++link) {
    // A loop ends where a name repeats: each CNAME of the loop appears once.
    for (int i = 0; i < link; ++i)
      if (visited[i] == name->suffix_hash[0]) return rcode::kNoError;
    visited[link] = name->suffix_hash[0];
    const Lookup found = lookup_name(*zone_, *name, q_.qtype);
    switch (found.kind) {
      case LookupKind::NoName:
        kind_ = ResponseKind::NxDomain;
        kind_hash_ = suffix_hash_of(*name, zone_->origin(), zone_->origin_length());
        put_negative_soa();
        return rcode::kNxDomain;
      case LookupKind::Delegation: {
        if (link == 0) authoritative_ = false;
        const zones::Node& cut = zone_->node(found.node);
        kind_ = ResponseKind::Referral;
        kind_hash_ = suffix_hash_of(*name, zone_->node_name(cut), cut.name_length);
        put_referral(cut);
        return rcode::kNoError;
      }
      case LookupKind::Found:
        kind_ = ResponseKind::Answer;
        kind_hash_ = with_type(name->suffix_hash[0], q_.qtype);
        break;
      case LookupKind::Wildcard: {
        // Keyed by the wildcard, so floods of random names under it share one budget.
        const zones::Node& wild = zone_->node(found.node);
        const uint64_t encloser = suffix_hash_of(*name, zone_->node_name(wild) + 2, wild.name_length - 2);
        static constexpr uint8_t kStar = '*';
        kind_ = ResponseKind::Answer;
        kind_hash_ = with_type(zones::hash_label(encloser, &kStar, 1), q_.qtype);
        break;
      }
    }
    const zones::Node& node = zone_->node(found.node);
    const uint8_t* owner = name->wire;  // a wildcard answers with the query name as owner
    const size_t owner_length = name->length;

    const zones::RRset* set = nullptr;
    if (q_.qtype == rr::ANY) {
      // RFC 8482: one RRset is a complete answer to ANY.
      const auto all = zone_->rrsets(node);
      if (!all.empty()) set = zone_->find_rrset(node, rr::CNAME) ? zone_->find_rrset(node, rr::CNAME) : &all[0];
    } else {
      set = zone_->find_rrset(node, q_.qtype);
    }
    if (set) {
      const Put put = put_rrset(Section::Answer, owner, owner_length, *set);
      if (put == Put::NoRoom) {
        truncated_ = true;
        return rcode::kNoError;
      }
      if (put == Put::Written) {
        put_additional_for(*set);
        return rcode::kNoError;
      }
      // An empty pool answer falls through to NODATA.
    } else if ((node.flags & zones::node_flag::kCname) && q_.qtype != rr::CNAME) {
      const zones::RRset& cname = *zone_->find_rrset(node, rr::CNAME);
      if (put_rrset(Section::Answer, owner, owner_length, cname) == Put::NoRoom) {
        truncated_ = true;
        return rcode::kNoError;
      }
      const zones::Record& r = zone_->records(cname)[0];
      if (cname_target.parse(zone_->rdata(r), r.rdata_length) == 0) return rcode::kNoError;
      // Follow the chain only inside this zone; a resolver follows it elsewhere.
      if (!zones::name_is_subdomain(cname_target.wire, cname_target.length, zone_->origin(), zone_->origin_length()))
        return rcode::kNoError;
      name = &cname_target;
      continue;
    }
    kind_ = ResponseKind::NoData;
    put_negative_soa();  // NODATA
    return rcode::kNoError;
  }
  return rcode::kNoError;  // chain too long or a loop: the links so far are the answer
}

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
