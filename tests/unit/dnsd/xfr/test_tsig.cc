// TSIG against dnspython's known answers (tsig_vectors.h, made by
// tsig_vectors.py) and against ldns's verifier: requests dnspython signed
// check Valid, broken ones check BadSig, BadKey, BadTime, BadTrunc or
// Malformed, and what dnsd signs (response streams, BADTIME replies, NOTIFY)
// equals dnspython's bytes.
#include <doctest.h>

#include "zones/ldns.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "dnsd/xfr/tsig.h"
#include "tests/unit/dnsd/xfr/tsig_vectors.h"

using namespace dnsd::xfr;
namespace tv = tsig_vectors;
using Bytes = std::vector<uint8_t>;
using Status = TsigCheck::Status;

namespace {

// Every key of the vectors, with the vectors' secret.
TsigKeyring make_keyring(const std::string& extra_lines = "",
                         const std::string& xfr_key = "hmac-sha256:xfr-key:") {
  const std::string s = tv::kSecret;
  std::string error;
  auto ring = TsigKeyring::parse("hmac-sha1:sha1-key:" + s + "\nhmac-sha224:sha224-key:" + s + "\n" + xfr_key + s +
                                     "\nhmac-sha384:sha384-key:" + s + "\nhmac-sha512:sha512-key:" + s +
                                     "\nhmac-sha256:example.com:" + s + "\n" + extra_lines,
                                 "test", error);
  REQUIRE_MESSAGE(ring, error);
  return std::move(*ring);
}

const TsigKeyring& keyring() {
  static const TsigKeyring ring = make_keyring();
  return ring;
}

const TsigKey& xfr_key() { return *keyring().find("xfr-key."); }

TsigRecord record_of(const Bytes& wire) {
  const TsigPlace place = find_tsig(wire);
  REQUIRE(place.kind == TsigPlace::Kind::Last);
  auto record = read_tsig(wire, place.offset);
  REQUIRE(record);
  return *record;
}

uint16_t arcount(const Bytes& wire) { return uint16_t(wire[10] << 8 | wire[11]); }

// `wire` re-signed as a request with `record`'s fields and a MAC cut to `mac_size` octets.
Bytes resigned(const Bytes& wire, size_t mac_size, bool corrupt = false) {
  const TsigPlace place = find_tsig(wire);
  Bytes message = without_tsig(wire, place.offset);
  TsigRecord record = record_of(wire);
  const Bytes secret = *decode_tsig_secret(tv::kSecret);
  record.mac = tsig_hmac(*find_tsig_algorithm("hmac-sha256"), secret, tsig_digest_input({}, message, record, false));
  record.mac.resize(mac_size, 0xAB);
  if (corrupt) record.mac[0] ^= 1;
  REQUIRE(write_tsig(message, record));
  return message;
}

// ldns's own TSIG verifier (hmac-sha1/256/512 only), as a second opinion.
bool ldns_verifies(const Bytes& wire, const Bytes& prior_mac, bool timers_only) {
  ldns_pkt* pkt = nullptr;
  if (ldns_wire2pkt(&pkt, wire.data(), wire.size()) != LDNS_STATUS_OK) return false;
  Bytes mac_data = {uint8_t(prior_mac.size() >> 8), uint8_t(prior_mac.size())};
  mac_data.insert(mac_data.end(), prior_mac.begin(), prior_mac.end());
  ldns_rdf* mac = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, mac_data.size(), mac_data.data());
  const bool ok = ldns_pkt_tsig_verify_next(pkt, wire.data(), wire.size(), "xfr-key.", tv::kSecret, mac,
                                            timers_only ? 1 : 0);
  ldns_rdf_deep_free(mac);
  ldns_pkt_free(pkt);
  return ok;
}

}  // namespace

TEST_CASE("tsig: a query dnspython signed checks Valid, with every algorithm") {
  const std::pair<const Bytes*, const char*> vectors[] = {
      {&tv::kQuery_sha1, "sha1-key."},     {&tv::kQuery_sha224, "sha224-key."}, {&tv::kQuery_sha256, "xfr-key."},
      {&tv::kQuery_sha384, "sha384-key."}, {&tv::kQuery_sha512, "sha512-key."},
  };
  for (const auto& [wire, name] : vectors) {
    CAPTURE(name);
    const TsigCheck check = check_request(*wire, keyring(), tv::T);
    CHECK(check.status == Status::Valid);
    CHECK(check.error == TsigError::NoError);
    CHECK(check.key == keyring().find(name));
    CHECK(check.key_name == name);
    CHECK(check.algorithm == check.key->algorithm);
    CHECK(check.mac == record_of(*wire).mac);
    CHECK(check.time_signed == tv::T);
    CHECK(check.fudge == 300);
    CHECK(check.original_id == 0x1234);
  }
}

TEST_CASE("tsig: sign_request makes dnspython's signed query, with every algorithm") {
  const std::pair<const Bytes*, const char*> vectors[] = {
      {&tv::kQuery_sha1, "sha1-key."},     {&tv::kQuery_sha224, "sha224-key."}, {&tv::kQuery_sha256, "xfr-key."},
      {&tv::kQuery_sha384, "sha384-key."}, {&tv::kQuery_sha512, "sha512-key."},
  };
  for (const auto& [wire, name] : vectors) {
    CAPTURE(name);
    Bytes message = strip_tsig(*wire);
    const auto mac = sign_request(message, *keyring().find(name), tv::T);
    REQUIRE(mac);
    CHECK(*mac == record_of(*wire).mac);
    CHECK(message == *wire);
  }
}

TEST_CASE("tsig: a compressed TSIG owner name is read") {
  const TsigCheck check = check_request(tv::kQueryCompressedOwner, keyring(), tv::T);
  CHECK(check.status == Status::Valid);
  CHECK(check.key_name == "example.com.");
}

TEST_CASE("tsig: a changed byte is BadSig, a changed message ID is not (the original ID stands in)") {
  Bytes wire = tv::kQuery_sha256;
  wire[13] ^= 0x20;  // "example" -> "Example"
  TsigCheck check = check_request(wire, keyring(), tv::T);
  CHECK(check.status == Status::Invalid);
  CHECK(check.error == TsigError::BadSig);
  CHECK(check.key == &xfr_key());  // BADSIG still names the key it failed with

  wire = tv::kQuery_sha256;
  wire[wire.size() - 7] ^= 1;  // the MAC's last octet
  CHECK(check_request(wire, keyring(), tv::T).error == TsigError::BadSig);

  wire = tv::kQuery_sha256;
  wire[0] = 0x55;
  check = check_request(wire, keyring(), tv::T);
  CHECK(check.status == Status::Valid);
  CHECK(check.original_id == 0x1234);
}

TEST_CASE("tsig: an unknown key, or a known name with another algorithm, is BadKey") {
  const TsigKeyring others = make_keyring("", "hmac-sha256:someone-else:");
  TsigCheck check = check_request(tv::kQuery_sha256, others, tv::T);
  CHECK(check.status == Status::Invalid);
  CHECK(check.error == TsigError::BadKey);
  CHECK(check.key == nullptr);
  CHECK(check.key_name == "xfr-key.");
  CHECK(check.algorithm == "hmac-sha256.");

  const TsigKeyring sha512 = make_keyring("", "hmac-sha512:xfr-key:");
  check = check_request(tv::kQuery_sha256, sha512, tv::T);
  CHECK(check.error == TsigError::BadKey);
  CHECK(check.key == nullptr);
}

TEST_CASE("tsig: time signed more than the request's fudge away is BadTime, checked after the MAC") {
  CHECK(check_request(tv::kQuery_sha256, keyring(), tv::T + 300).status == Status::Valid);
  CHECK(check_request(tv::kQuery_sha256, keyring(), tv::T - 300).status == Status::Valid);
  for (const uint64_t now : {tv::T + 301, tv::T - 301, uint64_t(0)}) {
    const TsigCheck check = check_request(tv::kQuery_sha256, keyring(), now);
    CHECK(check.status == Status::Invalid);
    CHECK(check.error == TsigError::BadTime);
    CHECK(check.key == &xfr_key());
  }
  Bytes tampered = tv::kQuery_sha256;
  tampered[13] ^= 0x20;
  CHECK(check_request(tampered, keyring(), tv::T + 1000).error == TsigError::BadSig);
}

TEST_CASE("tsig: MAC sizes: truncated legally is BadTrunc (full MACs only), illegally Malformed") {
  CHECK(check_request(resigned(tv::kQuery_sha256, 32), keyring(), tv::T).status == Status::Valid);
  const TsigCheck trunc = check_request(resigned(tv::kQuery_sha256, 16), keyring(), tv::T);
  CHECK(trunc.status == Status::Invalid);
  CHECK(trunc.error == TsigError::BadTrunc);
  CHECK(trunc.mac.size() == 16);
  CHECK(check_request(resigned(tv::kQuery_sha256, 16, true), keyring(), tv::T).error == TsigError::BadSig);
  for (const size_t size : {0, 9, 15, 33}) {
    CAPTURE(size);
    CHECK(check_request(resigned(tv::kQuery_sha256, size), keyring(), tv::T).status == Status::Malformed);
  }
}

TEST_CASE("tsig: a TSIG that is not the last additional record, or not alone, is Malformed") {
  const Bytes& q = tv::kQueryCompressedOwner;  // question, then the TSIG as the only additional
  const size_t at = find_tsig(q).offset;
  const Bytes tsig(q.begin() + long(at), q.end());

  Bytes in_answer = q;  // the same record counted as an answer
  in_answer[7] = 1;
  in_answer[11] = 0;
  CHECK(check_request(in_answer, keyring(), tv::T).status == Status::Malformed);

  Bytes twice = q;
  twice.insert(twice.end(), tsig.begin(), tsig.end());
  twice[11] = 2;
  CHECK(check_request(twice, keyring(), tv::T).status == Status::Malformed);

  Bytes then_opt = q;
  const Bytes opt = {0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0};
  then_opt.insert(then_opt.end(), opt.begin(), opt.end());
  then_opt[11] = 2;
  CHECK(check_request(then_opt, keyring(), tv::T).status == Status::Malformed);
  CHECK(strip_tsig(then_opt) == then_opt);
}

TEST_CASE("tsig: a TSIG record that cannot be read is Malformed") {
  Bytes cut = tv::kQuery_sha256;
  cut.pop_back();
  CHECK(check_request(cut, keyring(), tv::T).status == Status::Malformed);
  Bytes trailing = tv::kQuery_sha256;
  trailing.push_back(0);
  CHECK(check_request(trailing, keyring(), tv::T).status == Status::Malformed);
  Bytes wrong_class = tv::kQueryCompressedOwner;
  wrong_class[find_tsig(wrong_class).offset + 5] = 1;  // class IN, not ANY
  CHECK(check_request(wrong_class, keyring(), tv::T).status == Status::Malformed);
}

TEST_CASE("tsig: an unsigned or unwalkable message is Unsigned, and strip_tsig copies it") {
  const Bytes unsigned_query = strip_tsig(tv::kQuery_sha256);
  CHECK(unsigned_query.size() < tv::kQuery_sha256.size());
  CHECK(arcount(unsigned_query) == 1);  // the OPT record stays
  CHECK(check_request(unsigned_query, keyring(), tv::T).status == Status::Unsigned);
  CHECK(strip_tsig(unsigned_query) == unsigned_query);
  const Bytes short_message = {1, 2, 3};
  CHECK(check_request(short_message, keyring(), tv::T).status == Status::Unsigned);
  CHECK(strip_tsig(short_message) == short_message);
}

TEST_CASE("tsig: ResponseSigner signs a two-message stream exactly as dnspython does") {
  const TsigCheck check = check_request(tv::kStreamQuery, keyring(), tv::T);
  REQUIRE(check.status == Status::Valid);
  ResponseSigner from_check(check);
  ResponseSigner from_parts(*check.key, check.mac, check.original_id);
  for (ResponseSigner* signer : {&from_check, &from_parts}) {
    Bytes first = strip_tsig(tv::kStream1);
    REQUIRE(signer->sign(first, tv::T + 1));
    CHECK(first == tv::kStream1);
    Bytes second = strip_tsig(tv::kStream2);
    REQUIRE(signer->sign(second, tv::T + 2));
    CHECK(second == tv::kStream2);
  }
}

TEST_CASE("tsig: record_size() is what sign() adds, so a UDP reply can leave room for it") {
  const TsigCheck check = check_request(tv::kStreamQuery, keyring(), tv::T);
  REQUIRE(check.status == Status::Valid);
  ResponseSigner signer(check);
  Bytes message = strip_tsig(tv::kStream1);
  const size_t before = message.size();
  const size_t room = signer.record_size();
  REQUIRE(signer.sign(message, tv::T + 1));
  CHECK(message.size() - before == room);
  CHECK(ResponseSigner(TsigKey{}, {}, 0).record_size() == 0);  // an unusable key signs nothing
}

TEST_CASE("tsig: ldns verifies a stream ResponseSigner signs, each later message with timers only") {
  const TsigCheck check = check_request(tv::kStreamQuery, keyring(), tv::T);
  ResponseSigner signer(check);
  Bytes prior = check.mac;
  for (int i = 0; i < 5; ++i) {
    CAPTURE(i);
    Bytes message = strip_tsig(i % 2 ? tv::kStream2 : tv::kStream1);
    REQUIRE(signer.sign(message, tv::T + uint64_t(i)));
    CHECK(ldns_verifies(message, prior, i > 0));
    CHECK_FALSE(ldns_verifies(message, prior, i == 0));  // the other digest does not match
    prior = record_of(message).mac;
  }
}

TEST_CASE("tsig: a BADTIME reply is signed with the client's time and fudge and our time, as dnspython does") {
  const TsigCheck check = check_request(tv::kOldQuery, keyring(), tv::T);
  REQUIRE(check.status == Status::Invalid);
  REQUIRE(check.error == TsigError::BadTime);
  CHECK(check.time_signed == tv::T - 1000);
  Bytes reply = strip_tsig(tv::kBadTimeReply);
  REQUIRE(ResponseSigner(check).sign(reply, tv::T, TsigError::BadTime));
  CHECK(reply == tv::kBadTimeReply);
  const TsigRecord record = record_of(reply);
  CHECK(record.error == 18);
  CHECK(record.time_signed == tv::T - 1000);
}

TEST_CASE("tsig: ResponseSigner refuses errors it must not sign") {
  const TsigCheck check = check_request(tv::kStreamQuery, keyring(), tv::T);
  const Bytes original = strip_tsig(tv::kStream1);
  Bytes message = original;
  ResponseSigner parts(*check.key, check.mac, check.original_id);
  CHECK_FALSE(parts.sign(message, tv::T, TsigError::BadTime));  // it does not know the request's time
  CHECK_FALSE(parts.sign(message, tv::T, TsigError::BadSig));
  CHECK_FALSE(parts.sign(message, tv::T, TsigError::BadKey));
  CHECK(message == original);
  ResponseSigner signer(check);
  REQUIRE(signer.sign(message, tv::T));
  Bytes later = original;
  CHECK_FALSE(signer.sign(later, tv::T, TsigError::BadTrunc));  // errors go on the first message only
  Bytes tiny = {1, 2, 3};
  CHECK_FALSE(signer.sign(tiny, tv::T));
  CHECK_FALSE(ResponseSigner(TsigCheck{}).sign(later, tv::T));  // no key
}

TEST_CASE("tsig: append_unsigned_tsig writes an empty-MAC TSIG carrying the error, which ldns reads") {
  const TsigKeyring others = make_keyring("", "hmac-sha256:someone-else:");
  const TsigCheck check = check_request(tv::kQuery_sha256, others, tv::T);
  REQUIRE(check.error == TsigError::BadKey);
  Bytes reply = strip_tsig(tv::kStream1);
  const uint16_t before = arcount(reply);
  append_unsigned_tsig(reply, check, TsigError::BadKey, tv::T + 5);
  CHECK(arcount(reply) == before + 1);

  ldns_pkt* pkt = nullptr;
  REQUIRE(ldns_wire2pkt(&pkt, reply.data(), reply.size()) == LDNS_STATUS_OK);
  const ldns_rr* tsig = ldns_pkt_tsig(pkt);
  REQUIRE(tsig != nullptr);
  REQUIRE(ldns_rr_rd_count(tsig) == 7);
  char* owner = ldns_rdf2str(ldns_rr_owner(tsig));
  char* algorithm = ldns_rdf2str(ldns_rr_rdf(tsig, 0));
  CHECK(std::string(owner) == "xfr-key.");
  CHECK(std::string(algorithm) == "hmac-sha256.");
  free(owner);
  free(algorithm);
  CHECK(ldns_rdf_size(ldns_rr_rdf(tsig, 3)) == 2);  // MAC size 0, no MAC
  CHECK(ldns_rdf2native_int16(ldns_rr_rdf(tsig, 4)) == 0x1234);
  CHECK(ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5)) == 17);
  ldns_pkt_free(pkt);

  const TsigRecord record = record_of(reply);
  CHECK(record.time_signed == tv::T + 5);
  CHECK(record.mac.empty());

  Bytes untouched = strip_tsig(tv::kStream1);
  append_unsigned_tsig(untouched, TsigCheck{}, TsigError::BadKey, tv::T);
  CHECK(untouched == strip_tsig(tv::kStream1));
}

TEST_CASE("tsig: a NOTIFY signed as dnspython signs it, and the reply dnspython signed verifies") {
  Bytes notify = strip_tsig(tv::kNotify);
  const auto mac = sign_request(notify, xfr_key(), tv::T);
  REQUIRE(mac);
  CHECK(notify == tv::kNotify);
  CHECK(verify_reply(tv::kNotifyReply, xfr_key(), *mac, tv::T + 1));
  CHECK(verify_reply(tv::kNotifyReply, xfr_key(), *mac, tv::T + 301));
  CHECK_FALSE(verify_reply(tv::kNotifyReply, xfr_key(), *mac, tv::T + 302));
  Bytes other_mac = *mac;
  other_mac[0] ^= 1;
  CHECK_FALSE(verify_reply(tv::kNotifyReply, xfr_key(), other_mac, tv::T + 1));
  Bytes tampered = tv::kNotifyReply;
  tampered[13] ^= 0x20;
  CHECK_FALSE(verify_reply(tampered, xfr_key(), *mac, tv::T + 1));
  CHECK_FALSE(verify_reply(strip_tsig(tv::kNotifyReply), xfr_key(), *mac, tv::T + 1));
  const TsigKey other_algorithm{"xfr-key.", "hmac-sha512.", tv::kSecret};
  CHECK_FALSE(verify_reply(tv::kNotifyReply, other_algorithm, *mac, tv::T + 1));
  const TsigKey other_name{"notify-key.", "hmac-sha256.", tv::kSecret};
  CHECK_FALSE(verify_reply(tv::kNotifyReply, other_name, *mac, tv::T + 1));
}

TEST_CASE("tsig: sign_request, check_request, ResponseSigner and verify_reply agree") {
  Bytes request = strip_tsig(tv::kNotify);
  const auto mac = sign_request(request, xfr_key(), tv::T + 50);
  REQUIRE(mac);
  const TsigCheck check = check_request(request, keyring(), tv::T + 60);
  REQUIRE(check.status == Status::Valid);
  CHECK(check.original_id == 0x4321);
  Bytes reply = strip_tsig(tv::kNotifyReply);
  REQUIRE(ResponseSigner(check).sign(reply, tv::T + 70));
  CHECK(verify_reply(reply, xfr_key(), *mac, tv::T + 80));
  CHECK(ldns_verifies(reply, *mac, false));
  CHECK_FALSE(verify_reply(reply, xfr_key(), record_of(reply).mac, tv::T + 80));
}

TEST_CASE("tsig: worker threads check and sign concurrently") {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&failures] {
      for (int i = 0; i < 100; ++i) {
        const TsigCheck check = check_request(tv::kStreamQuery, keyring(), tv::T);
        ResponseSigner signer(check);
        Bytes first = strip_tsig(tv::kStream1), second = strip_tsig(tv::kStream2);
        if (check.status != Status::Valid || !signer.sign(first, tv::T + 1) || !signer.sign(second, tv::T + 2) ||
            first != tv::kStream1 || second != tv::kStream2)
          ++failures;
      }
    });
  for (std::thread& t : threads) t.join();
  CHECK(failures == 0);
}

TEST_CASE("tsig: error names for logs") {
  CHECK(tsig_error_name(TsigError::BadTime) == "BADTIME");
  CHECK(tsig_error_name(TsigError::NoError) == "NOERROR");
}
