// Signing keys: made, saved, loaded back with the same DNSKEY, kept private on
// disk, and tagged the way ldns tags them.
#include <doctest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "dnsd/dnssec/signing_key.h"
#include "tests/unit/dnsd/dnssec/ldns_records.h"
#include "tests/unit/temp_dir.h"

using namespace dnsd::dnssec;

namespace {

const Algorithm kAlgorithms[] = {Algorithm::EcdsaP256Sha256, Algorithm::Ed25519};

size_t public_key_size(Algorithm algorithm) { return algorithm == Algorithm::Ed25519 ? 32 : 64; }

unsigned file_mode(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return unsigned(st.st_mode & 07777);
}

}  // namespace

TEST_CASE("signing key: generate, save and load give the same DNSKEY and key tag") {
  for (const Algorithm algorithm : kAlgorithms) {
    const std::string name = algorithm_name(algorithm);
    CAPTURE(name);
    dnsd::test::TempDir dir;
    std::string error;
    const auto key = SigningKey::generate(algorithm, kCskFlags, error);
    REQUIRE_MESSAGE(key, error);
    CHECK(key->algorithm() == algorithm);
    CHECK(key->flags() == 257);
    const auto rdata = key->dnskey_rdata();
    REQUIRE(rdata.size() == 4 + public_key_size(algorithm));
    CHECK(rdata[0] == 1);
    CHECK(rdata[1] == 1);
    CHECK(rdata[2] == 3);
    CHECK(rdata[3] == uint8_t(algorithm));
    CHECK(key->key_tag() == key_tag(rdata));

    const std::string path = (dir.path / "zone.key").string();
    REQUIRE_MESSAGE(key->save(path, error), error);
    CHECK(file_mode(path) == 0600);
    std::ifstream file(path);
    std::string first_line;
    std::getline(file, first_line);
    CHECK(first_line == "-----BEGIN PRIVATE KEY-----");

    const auto loaded = SigningKey::load(path, algorithm, kCskFlags, error);
    REQUIRE_MESSAGE(loaded, error);
    CHECK(std::vector<uint8_t>(loaded->dnskey_rdata().begin(), loaded->dnskey_rdata().end()) ==
          std::vector<uint8_t>(rdata.begin(), rdata.end()));
    CHECK(loaded->key_tag() == key->key_tag());

    // Another key is another DNSKEY.
    const auto other = SigningKey::generate(algorithm, kCskFlags, error);
    REQUIRE(other);
    CHECK(std::vector<uint8_t>(other->dnskey_rdata().begin(), other->dnskey_rdata().end()) !=
          std::vector<uint8_t>(rdata.begin(), rdata.end()));
  }
}

TEST_CASE("signing key: save never overwrites, and leaves no temp file behind") {
  dnsd::test::TempDir dir;
  std::string error;
  const auto key = SigningKey::generate(Algorithm::EcdsaP256Sha256, kCskFlags, error);
  const auto other = SigningKey::generate(Algorithm::EcdsaP256Sha256, kCskFlags, error);
  REQUIRE(key);
  REQUIRE(other);
  const std::string path = (dir.path / "zone.key").string();
  REQUIRE(key->save(path, error));
  CHECK_FALSE(other->save(path, error));
  CHECK(error == path + ": already exists; a key file is never overwritten");
  const auto loaded = SigningKey::load(path, Algorithm::EcdsaP256Sha256, kCskFlags, error);
  REQUIRE(loaded);
  CHECK(loaded->key_tag() == key->key_tag());
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path)) ++files;
  CHECK(files == 1);
  CHECK_FALSE(key->save((dir.path / "missing" / "zone.key").string(), error));
}

TEST_CASE("signing key: load refuses a readable file, a key of another algorithm and junk") {
  dnsd::test::TempDir dir;
  std::string error;
  const auto key = SigningKey::generate(Algorithm::EcdsaP256Sha256, kCskFlags, error);
  REQUIRE(key);
  const std::string path = (dir.path / "zone.key").string();
  REQUIRE(key->save(path, error));

  ::chmod(path.c_str(), 0644);
  CHECK_FALSE(SigningKey::load(path, Algorithm::EcdsaP256Sha256, kCskFlags, error));
  CHECK(error == path + ": holds secrets but its mode is 0644; chmod 600 (or 640) it");
  ::chmod(path.c_str(), 0600);

  CHECK_FALSE(SigningKey::load(path, Algorithm::Ed25519, kCskFlags, error));
  CHECK(error == path + ": not an ed25519 key (it is EC)");

  // An EC key on another curve is not a P-256 key.
  EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  REQUIRE(p384);
  const std::string p384_path = (dir.path / "p384.key").string();
  {
    FILE* f = std::fopen(p384_path.c_str(), "w");
    REQUIRE(f);
    PEM_write_PrivateKey(f, p384, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
  }
  EVP_PKEY_free(p384);
  ::chmod(p384_path.c_str(), 0600);
  CHECK_FALSE(SigningKey::load(p384_path, Algorithm::EcdsaP256Sha256, kCskFlags, error));
  CHECK(error == p384_path + ": not an ecdsap256sha256 key (it is EC)");

  const std::string junk = dir.write("junk.key", "not a key\n");
  ::chmod(junk.c_str(), 0600);
  CHECK_FALSE(SigningKey::load(junk, Algorithm::EcdsaP256Sha256, kCskFlags, error));
  CHECK(error.rfind(junk + ": not an unencrypted PEM private key", 0) == 0);

  CHECK_FALSE(SigningKey::load((dir.path / "missing.key").string(), Algorithm::EcdsaP256Sha256, kCskFlags, error));
  CHECK(error == (dir.path / "missing.key").string() + ": No such file or directory");
}

TEST_CASE("signing key: the key tag is the one ldns computes for the same DNSKEY") {
  const auto owner = dnsd::test::wire_name("example.test.");
  for (const Algorithm algorithm : kAlgorithms) {
    for (const uint16_t flags : {uint16_t(256), uint16_t(257)}) {
      for (int i = 0; i < 8; ++i) {
        std::string error;
        const auto key = SigningKey::generate(algorithm, flags, error);
        REQUIRE(key);
        const auto rr = dnsd::test::ldns_rr_from_wire(owner, LDNS_RR_TYPE_DNSKEY, 3600, key->dnskey_rdata());
        CHECK(key->key_tag() == ldns_calc_keytag(rr.get()));
      }
    }
  }
  // RFC 4034 Appendix B's own odd-length case: a sum with carries.
  const std::vector<uint8_t> odd = {0xff, 0xff, 0xff, 0xff, 0xff};
  CHECK(key_tag(odd) == uint16_t((0xffff + 0xffff + 0xff00 + ((0xffff + 0xffff + 0xff00) >> 16)) & 0xffff));
}

TEST_CASE("signing key: signatures are 64 bytes and ldns checks them against the DNSKEY") {
  for (const Algorithm algorithm : kAlgorithms) {
    const std::string name = algorithm_name(algorithm);
    CAPTURE(name);
    std::string error;
    const auto key = SigningKey::generate(algorithm, kCskFlags, error);
    REQUIRE(key);
    const std::vector<uint8_t> data = {'s', 'i', 'g', 'n', ' ', 'm', 'e'};
    std::vector<uint8_t> signature(64);
    REQUIRE(key->sign(data, signature));
    std::vector<uint8_t> too_small(63);
    CHECK_FALSE(key->sign(data, too_small));

    // ldns checks a signature over a buffer with the DNSKEY's key bytes; it
    // takes ECDSA signatures in DER, so it converts r||s itself first.
    ldns_buffer* signed_data = ldns_buffer_new(data.size());
    ldns_buffer_write(signed_data, data.data(), data.size());
    auto verifies = [&](std::vector<uint8_t> raw) {
      std::vector<uint8_t> form = raw;
      if (algorithm == Algorithm::EcdsaP256Sha256) {
        ldns_rdf* rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_B64, raw.size(), raw.data());
        ldns_buffer* der = ldns_buffer_new(80);
        REQUIRE(ldns_convert_ecdsa_rrsig_rdf2asn1(der, rdf) == LDNS_STATUS_OK);
        form.assign(ldns_buffer_begin(der), ldns_buffer_begin(der) + ldns_buffer_position(der));
        ldns_buffer_free(der);
        ldns_rdf_deep_free(rdf);
      }
      std::vector<uint8_t> pub(key->dnskey_rdata().begin() + 4, key->dnskey_rdata().end());
      return ldns_verify_rrsig_buffers_raw(form.data(), form.size(), signed_data, pub.data(), pub.size(),
                                           uint8_t(algorithm)) == LDNS_STATUS_OK;
    };
    CHECK(verifies(signature));
    signature[10] ^= 0x01;
    CHECK_FALSE(verifies(signature));

    // One key signs on several threads at once.
    std::vector<std::vector<uint8_t>> signatures(4 * 25, std::vector<uint8_t>(64));
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (size_t t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (size_t i = 0; i < 25; ++i)
          if (!key->sign(data, signatures[t * 25 + i])) ++failures;
      });
    for (auto& thread : threads) thread.join();
    CHECK(failures == 0);
    for (const auto& each : signatures) CHECK(verifies(each));
    ldns_buffer_free(signed_data);
  }
}
