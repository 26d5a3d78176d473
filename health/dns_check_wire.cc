#include "health/dns_check_wire.h"

#include <arpa/inet.h>

#include <algorithm>

#include "zones/name.h"
#include "zones/rcode.h"
#include "zones/rdata_parser.h"

namespace dnsd::health {

namespace {

constexpr uint16_t kTypeA = 1;
constexpr uint16_t kTypeAaaa = 28;
constexpr uint16_t kTypeOpt = 41;
constexpr uint16_t kTypeAny = 255;
constexpr uint16_t kClassIn = 1;
constexpr size_t kHeaderLength = 12;

// Bounds-checked reading of a DNS message; any overrun clears `ok`.
struct Reader {
  const uint8_t* data;
  size_t length;
  size_t pos = kHeaderLength;
  bool ok = true;

  bool need(size_t n) {
    if (ok && pos <= length && length - pos >= n) return true;
    ok = false;
    return false;
  }
  uint16_t u16() {
    if (!need(2)) return 0;
    pos += 2;
    return uint16_t(data[pos - 2] << 8 | data[pos - 1]);
  }
  uint32_t u32() {
    const uint32_t high = u16();
    return high << 16 | u16();
  }
  void skip(size_t n) {
    if (need(n)) pos += n;
  }
  // An uncompressed name; returns where it starts (its end is `pos`).
  size_t plain_name() {
    const size_t start = pos;
    while (need(1)) {
      const uint8_t label = data[pos];
      if (label & 0xC0 || pos - start + 1 + label > zones::kMaxNameLength || !need(1 + size_t(label))) break;
      pos += 1 + label;
      if (label == 0) return start;
    }
    ok = false;
    return start;
  }
  // A name that may end in a compression pointer (not followed: only skipped).
  void skip_name() {
    const size_t start = pos;
    while (need(1)) {
      const uint8_t label = data[pos];
      if ((label & 0xC0) == 0xC0) {
        skip(2);
        return;
      }
      if (label & 0xC0 || pos - start + 1 + label > zones::kMaxNameLength || !need(1 + size_t(label))) break;
      pos += 1 + label;
      if (label == 0) return;
    }
    ok = false;
  }
};

struct Question {
  size_t name = 0;  // offset of the uncompressed name
  size_t name_length = 0;
  uint16_t type = 0;
  uint16_t rclass = 0;
};

bool read_question(Reader& in, Question& q) {
  q.name = in.plain_name();
  q.name_length = in.pos - q.name;
  q.type = in.u16();
  q.rclass = in.u16();
  return in.ok;
}

struct Record {
  uint16_t type;
  uint16_t rclass;
  size_t rdata;
  uint16_t rdlength;
};

// What the verdict needs from a reply.
struct Reply {
  uint16_t qdcount = 0;
  Question question;
  std::vector<Record> answers;
  bool has_opt = false;
  uint8_t extended_rcode = 0;  // the OPT TTL's top byte: rcode bits 4..11
};

// Reads every section of `data`; returns "" or what is wrong.
std::string parse_reply(const uint8_t* data, size_t length, Reply& out) {
  Reader in{data, length};
  out.qdcount = uint16_t(data[4] << 8 | data[5]);
  const uint16_t counts[3] = {uint16_t(data[6] << 8 | data[7]), uint16_t(data[8] << 8 | data[9]),
                              uint16_t(data[10] << 8 | data[11])};
  if (out.qdcount > 1) return std::to_string(out.qdcount) + " questions";
  if (out.qdcount == 1 && !read_question(in, out.question)) return "question cut short";
  for (int section = 0; section < 3; ++section) {
    for (uint16_t i = 0; i < counts[section]; ++i) {
      in.skip_name();
      Record rr{};
      rr.type = in.u16();
      rr.rclass = in.u16();
      const uint32_t ttl = in.u32();
      rr.rdlength = in.u16();
      rr.rdata = in.pos;
      in.skip(rr.rdlength);
      if (!in.ok) return "record cut short";
      if (section == 0) out.answers.push_back(rr);
      if (section == 2 && rr.type == kTypeOpt) {
        if (out.has_opt) return "two OPT records";
        out.has_opt = true;
        out.extended_rcode = uint8_t(ttl >> 24);
      }
    }
  }
  return {};
}

CheckResult malformed(const std::string& why) { return CheckResult::failed(FailureKind::Rcode, "malformed reply: " + why); }

}  // namespace

std::vector<uint8_t> build_dns_query(uint16_t id, const std::string& name, uint16_t type, bool edns) {
  std::string text = name.empty() ? "." : name;
  if (text.back() != '.') text += '.';
  zones::Name wire;
  std::string error;
  if (!zones::name_from_text(text, zones::root_name(), wire, error)) return {};
  std::vector<uint8_t> q = {uint8_t(id >> 8), uint8_t(id), 0, 0, 0, 1, 0, 0, 0, 0, 0, uint8_t(edns ? 1 : 0)};
  q.insert(q.end(), wire.data(), wire.data() + wire.size());
  q.push_back(uint8_t(type >> 8));
  q.push_back(uint8_t(type));
  q.push_back(0);
  q.push_back(kClassIn);
  if (edns) {
    // Root owner, type OPT, class = UDP size, TTL 0 (extended rcode 0, version 0, DO=0), no rdata.
    const uint8_t opt[] = {0, 0, kTypeOpt, uint8_t(kProbeUdpSize >> 8), uint8_t(kProbeUdpSize), 0, 0, 0, 0, 0, 0};
    q.insert(q.end(), std::begin(opt), std::end(opt));
  }
  return q;
}

std::vector<uint8_t> build_dns_query(uint16_t id, const zones::CheckSpec& spec) {
  return build_dns_query(id, spec.query_name, spec.query_type, spec.edns);
}

bool is_reply_to(const uint8_t* reply, size_t length, uint16_t id) {
  return length >= kHeaderLength && (reply[2] & 0x80) && reply[0] == uint8_t(id >> 8) && reply[1] == uint8_t(id);
}

bool is_truncated(const uint8_t* reply, size_t length) { return length >= kHeaderLength && (reply[2] & 0x02); }

std::string rcode_list_text(const std::vector<uint16_t>& rcodes) {
  std::string text;
  for (size_t i = 0; i < rcodes.size(); ++i) {
    if (i > 0) text += i + 1 == rcodes.size() ? " or " : ", ";
    text += zones::rcode_name(rcodes[i]);
  }
  return text;
}

CheckResult judge_dns_reply(const zones::CheckSpec& spec, const std::vector<uint8_t>& query, const uint8_t* reply,
                            size_t length, zones::DnsTransport over) {
  const std::string via = over == zones::DnsTransport::Tcp ? " over TCP" : "";
  Reader sent{query.data(), query.size()};
  Question asked;
  if (query.size() < kHeaderLength || !read_question(sent, asked))
    return CheckResult::failed(FailureKind::Config, "unreadable probe query");
  const bool sent_opt = query[11] != 0;
  if (!is_reply_to(reply, length, uint16_t(query[0] << 8 | query[1]))) return malformed("not a reply to the query");
  if (is_truncated(reply, length))
    return CheckResult::failed(FailureKind::Rcode, over == zones::DnsTransport::Tcp ? "truncated over TCP"
                                                                                     : "truncated over UDP");
  if (const unsigned opcode = (reply[2] >> 3) & 0x0F; opcode != 0) return malformed("opcode " + std::to_string(opcode));
  Reply r;
  if (std::string error = parse_reply(reply, length, r); !error.empty()) return malformed(error);
  if (r.qdcount == 1 &&
      (r.question.type != asked.type || r.question.rclass != asked.rclass ||
       !zones::name_equal(reply + r.question.name, r.question.name_length, query.data() + asked.name,
                          asked.name_length)))
    return malformed("it answers another question (" +
                     zones::name_to_text(reply + r.question.name, r.question.name_length) + " " +
                     zones::rr_type_to_text(r.question.type) + ")");

  const uint16_t rcode = uint16_t(r.extended_rcode << 4 | (reply[3] & 0x0F));
  if (std::find(spec.expect_rcode.begin(), spec.expect_rcode.end(), rcode) == spec.expect_rcode.end()) {
    std::string detail = "rcode " + zones::rcode_name(rcode) + via + ", expected " + rcode_list_text(spec.expect_rcode);
    if (sent_opt && !r.has_opt && (rcode == 1 || rcode == 4))  // FORMERR, NOTIMP
      detail += " (the server may not support EDNS: try \"edns\": false)";
    return CheckResult::failed(FailureKind::Rcode, detail);
  }
  const std::string rcode_text = zones::rcode_name(rcode) + via;
  if (spec.expect_answer) {
    const bool found = std::any_of(r.answers.begin(), r.answers.end(), [&](const Record& rr) {
      return rr.rclass == kClassIn && (rr.type == asked.type || asked.type == kTypeAny);
    });
    if (!found)
      return CheckResult::failed(FailureKind::Body,
                                 rcode_text + ", answer has no " + zones::rr_type_to_text(asked.type) + " record");
  }
  if (!spec.expect_address.empty()) {
    uint8_t want[16];
    size_t want_length = 0;
    if (inet_pton(AF_INET, spec.expect_address.c_str(), want) == 1) want_length = 4;
    else if (inet_pton(AF_INET6, spec.expect_address.c_str(), want) == 1) want_length = 16;
    const bool found = want_length && std::any_of(r.answers.begin(), r.answers.end(), [&](const Record& rr) {
      return rr.rclass == kClassIn && rr.type == (want_length == 4 ? kTypeA : kTypeAaaa) &&
             rr.rdlength == want_length && std::equal(want, want + want_length, reply + rr.rdata);
    });
    if (!found) return CheckResult::failed(FailureKind::Body, rcode_text + ", answer lacks " + spec.expect_address);
  }
  return CheckResult::success(rcode_text);
}

}  // namespace dnsd::health
