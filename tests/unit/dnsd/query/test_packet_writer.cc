// PacketWriter on its own: header and question, compression against the
// question and earlier records, the per-RRset owner copy, and rollback when a
// record does not fit. Every message built here is re-parsed with ldns.
#include <doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "dnsd/query/packet_writer.h"
#include "tests/unit/zone_fixture.h"

using namespace dnsd;

namespace {

// "www.example.test." in wire form.
const std::vector<uint8_t> kWww = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0};
const std::vector<uint8_t> kMail = {4, 'm', 'a', 'i', 'l', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0};
constexpr uint16_t kNoNames[2] = {0xFFFF, 0xFFFF};

std::vector<uint8_t> question_for(const std::vector<uint8_t>& name, uint16_t type) {
  std::vector<uint8_t> q = name;
  q.push_back(uint8_t(type >> 8));
  q.push_back(uint8_t(type));
  q.push_back(0);
  q.push_back(1);
  return q;
}

struct Message {
  std::vector<uint8_t> buf;
  PacketWriter w;
  std::vector<uint8_t> question;
  explicit Message(size_t limit, const std::vector<uint8_t>& qname = kWww, uint16_t qtype = 1)
      : buf(limit + 64), w(buf.data(), limit), question(question_for(qname, qtype)) {
    REQUIRE(w.start(0xBEEF, 0x84, 0x00, question.data(), question.size()));
  }
  bool a(const std::vector<uint8_t>& owner, uint8_t last) {
    const uint8_t rdata[4] = {192, 0, 2, last};
    return w.add_record(Section::Answer, owner.data(), owner.size(), 1, 1, 60, rdata, 4, kNoNames);
  }
  test::Packet parsed() {
    w.finish();
    return test::parse_packet(buf.data(), w.size());
  }
};

}  // namespace

TEST_CASE("header and question are written as given") {
  Message m(512);
  CHECK(m.w.size() == 12 + m.question.size());
  CHECK(m.buf[0] == 0xBE);
  CHECK(m.buf[1] == 0xEF);
  CHECK(m.buf[2] == 0x84);
  CHECK(std::memcmp(m.buf.data() + 12, m.question.data(), m.question.size()) == 0);
  auto p = m.parsed();
  REQUIRE(p);
  CHECK(ldns_pkt_qdcount(p.get()) == 1);
  CHECK(ldns_pkt_ancount(p.get()) == 0);
}

TEST_CASE("the owners of an RRset become two-byte pointers to the question") {
  Message m(512);
  const size_t first = m.w.size();
  REQUIRE(m.a(kWww, 1));
  CHECK(m.w.size() == first + 2 + 10 + 4);
  CHECK(m.buf[first] == 0xC0);
  CHECK(m.buf[first + 1] == 12);
  const size_t second = m.w.size();
  REQUIRE(m.a(kWww, 2));  // same owner bytes: the copied pointer
  CHECK(m.buf[second] == 0xC0);
  CHECK(m.buf[second + 1] == 12);
  auto p = m.parsed();
  REQUIRE(p);
  CHECK(test::rdatas(ldns_pkt_answer(p.get())) == std::vector<std::string>{"192.0.2.1", "192.0.2.2"});
  for (size_t i = 0; i < 2; ++i) {
    char* owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_answer(p.get()), i)));
    CHECK(std::string(owner) == "www.example.test.");
    free(owner);
  }
}

TEST_CASE("an owner equal to the question name in another case still points at the question") {
  std::vector<uint8_t> upper = kWww;
  upper[1] = 'W';
  upper[5] = 'E';
  Message m(512, upper);
  const size_t at = m.w.size();
  REQUIRE(m.a(kWww, 1));
  CHECK(m.buf[at] == 0xC0);
  CHECK(m.buf[at + 1] == 12);
  auto p = m.parsed();
  REQUIRE(p);
  CHECK(ldns_pkt_ancount(p.get()) == 1);
}

TEST_CASE("a name sharing a suffix is written as its new labels and a pointer") {
  Message m(512);
  const size_t at = m.w.size();
  REQUIRE(m.a(kMail, 1));
  // "mail" then a pointer to "example.test." inside the question (offset 12 + 4).
  CHECK(m.buf[at] == 4);
  CHECK(std::memcmp(m.buf.data() + at + 1, "mail", 4) == 0);
  CHECK(m.buf[at + 5] == 0xC0);
  CHECK(m.buf[at + 6] == 16);
  auto p = m.parsed();
  REQUIRE(p);
  char* owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_answer(p.get()), 0)));
  CHECK(std::string(owner) == "mail.example.test.");
  free(owner);
}

TEST_CASE("rdata names are compressed at the offsets given") {
  Message m(512, kWww, 15);
  // MX: preference, then the exchange name.
  std::vector<uint8_t> mx = {0, 10};
  mx.insert(mx.end(), kMail.begin(), kMail.end());
  const uint16_t names[2] = {2, 0xFFFF};
  REQUIRE(m.w.add_record(Section::Answer, kWww.data(), kWww.size(), 15, 1, 60, mx.data(), mx.size(), names));
  auto p = m.parsed();
  REQUIRE(p);
  CHECK(test::rdatas(ldns_pkt_answer(p.get())) == std::vector<std::string>{"10 mail.example.test."});
  // rdlength covers "mail" + pointer: 2 + 5 + 2.
  const size_t rr = 12 + m.question.size();
  CHECK(m.buf[rr + 2 + 8] == 0);
  CHECK(m.buf[rr + 2 + 9] == 9);
}

TEST_CASE("a record that does not fit leaves the message as it was") {
  const size_t room = 12 + 22 + 2 * 16;  // header, question, two A records with pointer owners
  Message m(room);
  REQUIRE(m.a(kWww, 1));
  REQUIRE(m.a(kWww, 2));
  const size_t full = m.w.size();
  const std::vector<uint8_t> before(m.buf.begin(), m.buf.begin() + full);
  CHECK_FALSE(m.a(kWww, 3));
  CHECK(m.w.size() == full);
  CHECK(m.w.count(Section::Answer) == 2);
  CHECK(std::equal(before.begin(), before.end(), m.buf.begin()));
  auto p = m.parsed();
  REQUIRE(p);
  CHECK(ldns_pkt_ancount(p.get()) == 2);
}

TEST_CASE("rolling back past a copied owner forgets it") {
  // "a.other.test." is written in full; "b.other.test." then becomes "b" and a
  // pointer into it. Rolling both back and writing "b.other.test." again must
  // not copy that pointer, which would now point at bytes written afterwards.
  const std::vector<uint8_t> a = {1, 'a', 5, 'o', 't', 'h', 'e', 'r', 4, 't', 'e', 's', 't', 0};
  const std::vector<uint8_t> b = {1, 'b', 5, 'o', 't', 'h', 'e', 'r', 4, 't', 'e', 's', 't', 0};
  Message m(512);
  const PacketWriter::Mark empty = m.w.mark();
  REQUIRE(m.a(a, 1));
  REQUIRE(m.a(b, 2));
  m.w.rollback(empty);
  CHECK(m.w.size() == 12 + m.question.size());
  CHECK(m.w.count(Section::Answer) == 0);
  REQUIRE(m.a(b, 3));
  REQUIRE(m.a(b, 4));
  auto p = m.parsed();
  REQUIRE(p);
  ldns_rr_list* answer = ldns_pkt_answer(p.get());
  REQUIRE(ldns_rr_list_rr_count(answer) == 2);
  for (size_t i = 0; i < 2; ++i) {
    char* owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(answer, i)));
    CHECK(std::string(owner) == "b.other.test.");
    free(owner);
  }
  CHECK(test::rdatas(answer) == std::vector<std::string>{"192.0.2.3", "192.0.2.4"});
}

TEST_CASE("an owner buffer reused for another name is not mistaken for the last owner") {
  // The query path follows CNAME chains in one name buffer.
  Message m(512);
  std::vector<uint8_t> owner = kWww;
  REQUIRE(m.a(owner, 1));
  owner[1] = 'x';  // "xww.example.test.", same length, same buffer
  REQUIRE(m.a(owner, 2));
  auto p = m.parsed();
  REQUIRE(p);
  ldns_rr_list* answer = ldns_pkt_answer(p.get());
  REQUIRE(ldns_rr_list_rr_count(answer) == 2);
  char* second = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(answer, 1)));
  CHECK(std::string(second) == "xww.example.test.");
  free(second);
}

TEST_CASE("the OPT record goes after the limit reserved for it") {
  Message m(12 + 22);
  m.w.add_opt(1232, 0, true);
  auto p = m.parsed();
  REQUIRE(p);
  CHECK(ldns_pkt_edns(p.get()));
  CHECK(ldns_pkt_edns_udp_size(p.get()) == 1232);
  CHECK(ldns_pkt_edns_do(p.get()));
}

TEST_CASE("the next record of an RRset copies the owner, type, class and TTL as written") {
  const std::vector<uint8_t> a = {1, 'a', 5, 'o', 't', 'h', 'e', 'r', 4, 't', 'e', 's', 't', 0};
  Message m(512);
  REQUIRE(m.a(a, 1));
  for (uint8_t last = 2; last <= 4; ++last) {
    const uint8_t rdata[4] = {192, 0, 2, last};
    REQUIRE(m.w.add_next_record(Section::Answer, rdata, 4, kNoNames));
  }
  CHECK(m.w.count(Section::Answer) == 4);
  auto p = m.parsed();
  REQUIRE(p);
  ldns_rr_list* answer = ldns_pkt_answer(p.get());
  REQUIRE(ldns_rr_list_rr_count(answer) == 4);
  for (size_t i = 0; i < 4; ++i) {
    ldns_rr* rr = ldns_rr_list_rr(answer, i);
    char* owner = ldns_rdf2str(ldns_rr_owner(rr));
    CHECK(std::string(owner) == "a.other.test.");
    free(owner);
    CHECK(ldns_rr_get_type(rr) == LDNS_RR_TYPE_A);
    CHECK(ldns_rr_ttl(rr) == 60);
  }
  CHECK(test::rdatas(answer) == std::vector<std::string>{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"});
}

TEST_CASE("a next record that does not fit, or has no record to follow, leaves the message as it was") {
  const size_t room = 12 + 22 + 2 * 16;  // header, question, two A records with pointer owners
  Message m(room);
  const PacketWriter::Mark empty = m.w.mark();
  const uint8_t rdata[4] = {192, 0, 2, 9};
  CHECK_FALSE(m.w.add_next_record(Section::Answer, rdata, 4, kNoNames));  // nothing written yet
  REQUIRE(m.a(kWww, 1));
  REQUIRE(m.w.add_next_record(Section::Answer, rdata, 4, kNoNames));
  const size_t full = m.w.size();
  CHECK_FALSE(m.w.add_next_record(Section::Answer, rdata, 4, kNoNames));
  CHECK(m.w.size() == full);
  CHECK(m.w.count(Section::Answer) == 2);
  m.w.rollback(empty);
  CHECK_FALSE(m.w.add_next_record(Section::Answer, rdata, 4, kNoNames));  // its record was rolled back
  CHECK(m.w.size() == 12 + m.question.size());
  auto p = m.parsed();
  REQUIRE(p);
  CHECK(ldns_pkt_ancount(p.get()) == 0);
}
