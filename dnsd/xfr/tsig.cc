#include "dnsd/xfr/tsig.h"

#include <algorithm>

namespace dnsd::xfr {
namespace {

constexpr size_t kHeader = 12;

bool within_fudge(uint64_t time_signed, uint16_t fudge, uint64_t now_s) {
  const uint64_t skew = now_s > time_signed ? now_s - time_signed : time_signed - now_s;
  return skew <= fudge;
}

// RFC 8945 5.2.2.1: a MAC longer than the hash, or shorter than the larger of
// 10 octets and half the hash, is a format error.
bool legal_mac_size(size_t size, const TsigAlgorithm& algorithm) {
  return size <= algorithm.mac_size && size >= std::max<size_t>(10, algorithm.mac_size / 2);
}

std::vector<uint8_t> time48(uint64_t seconds) {
  std::vector<uint8_t> out;
  for (int shift = 40; shift >= 0; shift -= 8) out.push_back(uint8_t(seconds >> shift));
  return out;
}

// A key's names in wire form, its algorithm and decoded secret, ready to sign.
struct ReadyKey {
  TsigRecord base;
  const TsigAlgorithm* algorithm = nullptr;
  std::vector<uint8_t> secret;
};

std::optional<ReadyKey> ready(const TsigKey& key) {
  ReadyKey k;
  auto name = tsig_name_wire(key.name);
  auto algorithm = tsig_name_wire(key.algorithm);
  auto secret = decode_tsig_secret(key.secret);
  k.algorithm = find_tsig_algorithm(key.algorithm);
  if (!name || !algorithm || !secret || k.algorithm == nullptr) return std::nullopt;
  k.base.key_name = std::move(*name);
  k.base.algorithm = std::move(*algorithm);
  k.secret = std::move(*secret);
  return k;
}

}  // namespace

std::string_view tsig_error_name(TsigError error) {
  switch (error) {
    case TsigError::NoError: return "NOERROR";
    case TsigError::BadSig: return "BADSIG";
    case TsigError::BadKey: return "BADKEY";
    case TsigError::BadTime: return "BADTIME";
    case TsigError::BadTrunc: return "BADTRUNC";
  }
  return "UNKNOWN";
}

std::vector<uint8_t> strip_tsig(std::span<const uint8_t> wire) {
  const TsigPlace place = find_tsig(wire);
  if (place.kind != TsigPlace::Kind::Last) return {wire.begin(), wire.end()};
  return without_tsig(wire, place.offset);
}

TsigCheck check_request(std::span<const uint8_t> wire, const TsigKeyring& keys, uint64_t now_s) {
  TsigCheck check;
  const TsigPlace place = find_tsig(wire);
  if (place.kind == TsigPlace::Kind::None) return check;
  check.status = TsigCheck::Status::Malformed;
  if (place.kind == TsigPlace::Kind::Misplaced) return check;
  const std::optional<TsigRecord> record = read_tsig(wire, place.offset);
  if (!record) return check;
  check.key_name = tsig_name_text(record->key_name);
  check.algorithm = tsig_name_text(record->algorithm);
  check.mac = record->mac;
  check.time_signed = record->time_signed;
  check.fudge = record->fudge;
  check.original_id = record->original_id;

  // 5.2.1: the key, and its algorithm.
  check.status = TsigCheck::Status::Invalid;
  check.error = TsigError::BadKey;
  const TsigKey* key = keys.find(check.key_name);
  if (key == nullptr || key->algorithm != check.algorithm) return check;
  std::optional<ReadyKey> ready_key = ready(*key);
  if (!ready_key) return check;  // unreachable for a loaded keyring: it validated every key
  check.key = key;

  // 5.2.2: the MAC, its size first.
  if (!legal_mac_size(record->mac.size(), *ready_key->algorithm)) {
    check.status = TsigCheck::Status::Malformed;
    check.error = TsigError::NoError;
    return check;
  }
  const std::vector<uint8_t> signed_part = without_tsig(wire, place.offset);
  const std::vector<uint8_t> expected =
      tsig_hmac(*ready_key->algorithm, ready_key->secret, tsig_digest_input({}, signed_part, *record, false));
  check.error = TsigError::BadSig;
  if (!tsig_mac_equal(record->mac, expected)) return check;

  // 5.2.3, then 5.2.4: the time, then dnsd's truncation policy (none).
  check.error = TsigError::BadTime;
  if (!within_fudge(record->time_signed, record->fudge, now_s)) return check;
  check.error = TsigError::BadTrunc;
  if (record->mac.size() != ready_key->algorithm->mac_size) return check;

  check.status = TsigCheck::Status::Valid;
  check.error = TsigError::NoError;
  return check;
}

ResponseSigner::ResponseSigner(const TsigKey& key, std::vector<uint8_t> request_mac, uint16_t original_id)
    : prior_mac_(std::move(request_mac)) {
  if (std::optional<ReadyKey> k = ready(key)) {
    base_ = std::move(k->base);
    algorithm_ = k->algorithm;
    secret_ = std::move(k->secret);
  }
  base_.original_id = original_id;
}

ResponseSigner::ResponseSigner(const TsigCheck& check)
    : ResponseSigner(check.key ? *check.key : TsigKey{}, check.mac, check.original_id) {
  request_time_ = check.time_signed;
  request_fudge_ = check.fudge;
}

bool ResponseSigner::sign(std::vector<uint8_t>& message, uint64_t now_s, TsigError error) {
  if (secret_.empty() || message.size() < kHeader) return false;
  TsigRecord record = base_;
  record.time_signed = now_s;
  record.fudge = kTsigFudge;
  record.error = uint16_t(error);
  switch (error) {
    case TsigError::NoError:
      break;
    case TsigError::BadTrunc:
      if (!first_) return false;
      break;
    case TsigError::BadTime:
      // 5.2.3: the client's Time Signed and Fudge, so that the client can
      // check the MAC; our clock in Other Data, so that it can see the skew.
      if (!first_ || !request_time_) return false;
      record.time_signed = *request_time_;
      record.fudge = request_fudge_;
      record.other = time48(now_s);
      break;
    default:
      return false;  // BadKey and BadSig replies are never signed (5.3.2)
  }
  record.mac = tsig_hmac(*algorithm_, secret_, tsig_digest_input(prior_mac_, message, record, !first_));
  if (record.mac.empty() || !write_tsig(message, record)) return false;
  prior_mac_ = std::move(record.mac);
  first_ = false;
  return true;
}

size_t ResponseSigner::record_size() const {
  if (secret_.empty()) return 0;
  // Owner, TYPE, CLASS, TTL, RDLENGTH; algorithm name, Time Signed (48 bits),
  // Fudge, MAC Size, MAC, Original ID, Error, Other Len (RFC 8945 4.2).
  return base_.key_name.size() + 10 + base_.algorithm.size() + 6 + 2 + 2 + algorithm_->mac_size + 2 + 2 + 2;
}

void append_unsigned_tsig(std::vector<uint8_t>& message, const TsigCheck& check, TsigError error, uint64_t now_s) {
  const auto name = tsig_name_wire(check.key_name);
  const auto algorithm = tsig_name_wire(check.algorithm);
  if (check.key_name.empty() || !name || !algorithm) return;
  TsigRecord record;
  record.key_name = *name;
  record.algorithm = *algorithm;
  record.time_signed = now_s;
  record.fudge = kTsigFudge;
  record.original_id = check.original_id;
  record.error = uint16_t(error);
  write_tsig(message, record);
}

std::optional<std::vector<uint8_t>> sign_request(std::vector<uint8_t>& message, const TsigKey& key,
                                                 uint64_t now_s) {
  std::optional<ReadyKey> k = ready(key);
  if (!k || message.size() < kHeader) return std::nullopt;
  TsigRecord record = std::move(k->base);
  record.time_signed = now_s;
  record.fudge = kTsigFudge;
  record.original_id = uint16_t(message[0] << 8 | message[1]);
  record.mac = tsig_hmac(*k->algorithm, k->secret, tsig_digest_input({}, message, record, false));
  if (record.mac.empty() || !write_tsig(message, record)) return std::nullopt;
  return record.mac;
}

bool verify_reply(std::span<const uint8_t> wire, const TsigKey& key, std::span<const uint8_t> request_mac,
                  uint64_t now_s) {
  const TsigPlace place = find_tsig(wire);
  if (place.kind != TsigPlace::Kind::Last) return false;
  const std::optional<TsigRecord> record = read_tsig(wire, place.offset);
  const std::optional<ReadyKey> k = ready(key);
  if (!record || !k || record->key_name != k->base.key_name || record->algorithm != k->base.algorithm) return false;
  if (record->error != 0 || record->mac.size() != k->algorithm->mac_size) return false;
  const std::vector<uint8_t> signed_part = without_tsig(wire, place.offset);
  const std::vector<uint8_t> expected =
      tsig_hmac(*k->algorithm, k->secret, tsig_digest_input(request_mac, signed_part, *record, false));
  return tsig_mac_equal(record->mac, expected) && within_fudge(record->time_signed, record->fudge, now_s);
}

}  // namespace dnsd::xfr
