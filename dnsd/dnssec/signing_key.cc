#include "dnsd/dnssec/signing_key.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "health/private_file.h"

namespace dnsd::dnssec {
namespace {

/// A PEM key file is a few hundred bytes; anything this large is not one.
constexpr size_t kMaxKeyFileSize = 64 * 1024;
/// Bytes of one P-256 coordinate, and of an Ed25519 public key.
constexpr size_t kP256CoordinateSize = 32;
constexpr size_t kEd25519PublicKeySize = 32;

/// OpenSSL's reason for the last failure, prefixed by what was being done;
/// empties this thread's error queue so later calls start clean.
std::string openssl_error(const char* step) {
  std::string text = step;
  const unsigned long code = ERR_get_error();
  if (code != 0) {
    char reason[256];
    ERR_error_string_n(code, reason, sizeof reason);
    text += ": ";
    text += reason;
  }
  ERR_clear_error();
  return text;
}

/// Whether `key` is a key `algorithm` signs with: ED25519, or EC on P-256.
bool key_fits(const EVP_PKEY* key, Algorithm algorithm) {
  if (algorithm == Algorithm::Ed25519) return EVP_PKEY_is_a(key, "ED25519") == 1;
  if (EVP_PKEY_is_a(key, "EC") != 1) return false;
  char group[64];
  size_t length = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof group, &length) != 1) return false;
  return std::strcmp(group, "prime256v1") == 0 || std::strcmp(group, "P-256") == 0;
}

/// The public key in DNSSEC wire form: X||Y for P-256 (RFC 6605 4), the raw
/// 32 bytes for Ed25519 (RFC 8080 3).
bool public_key_wire(const EVP_PKEY* key, Algorithm algorithm, std::vector<uint8_t>& out, std::string& error) {
  if (algorithm == Algorithm::Ed25519) {
    uint8_t raw[kEd25519PublicKeySize];
    size_t length = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(key, raw, &length) != 1 || length != sizeof raw) {
      error = openssl_error("reading the Ed25519 public key");
      return false;
    }
    out.insert(out.end(), raw, raw + length);
    return true;
  }
  // Uncompressed point: 0x04 || X || Y.
  uint8_t point[1 + 2 * kP256CoordinateSize];
  size_t length = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof point, &length) != 1 ||
      length != sizeof point || point[0] != 0x04) {
    error = openssl_error("reading the P-256 public key");
    return false;
  }
  out.insert(out.end(), point + 1, point + length);
  return true;
}

/// Refuses to prompt for a passphrase: dnsd's key files are not encrypted.
int no_passphrase(char*, int, int, void*) { return -1; }

/// Writes `data` to `fd` whole.
bool write_all(int fd, const char* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += size_t(n);
  }
  return true;
}

/// Puts `tmp` at `path` unless `path` exists: renameat2 with RENAME_NOREPLACE,
/// or a hard link where the file system lacks it. Both are atomic.
bool move_into_place(const std::string& tmp, const std::string& path) {
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno != EINVAL && errno != ENOSYS) return false;
  if (::link(tmp.c_str(), path.c_str()) != 0) return false;
  ::unlink(tmp.c_str());
  return true;
}

/// Creates `path` holding `data` with mode 0600, never replacing a file:
/// a temp file in the same directory, fsync, a no-replace rename, then an
/// fsync of the directory so the new name survives a crash.
bool write_new_private_file(const std::string& path, const char* data, size_t size, std::string& error) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    error = path + ": already exists; a key file is never overwritten";
    return false;
  }
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  ::unlink(tmp.c_str());  // a leftover of a crash must not lend its permissions
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    error = tmp + ": " + std::strerror(errno);
    return false;
  }
  // The umask may only take bits away; make the mode exactly 0600.
  bool ok = ::fchmod(fd, 0600) == 0 && write_all(fd, data, size) && ::fsync(fd) == 0;
  if (!ok) error = tmp + ": " + std::strerror(errno);
  if (::close(fd) != 0 && ok) {
    error = tmp + ": " + std::strerror(errno);
    ok = false;
  }
  if (ok && !move_into_place(tmp, path)) {
    error = errno == EEXIST ? path + ": already exists; a key file is never overwritten"
                            : path + ": rename: " + std::strerror(errno);
    ok = false;
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    return false;
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return true;
}

}  // namespace

uint16_t key_tag(std::span<const uint8_t> rdata) {
  // RSA/MD5 (algorithm 1) keys are tagged by the low bits of their modulus.
  if (rdata.size() >= 4 && rdata[3] == 1) {
    if (rdata.size() < 7) return 0;
    return uint16_t((rdata[rdata.size() - 3] << 8) | rdata[rdata.size() - 2]);
  }
  uint32_t sum = 0;
  for (size_t i = 0; i < rdata.size(); ++i) sum += (i & 1) ? rdata[i] : uint32_t(rdata[i]) << 8;
  sum += (sum >> 16) & 0xFFFF;
  return uint16_t(sum & 0xFFFF);
}

SigningKey::SigningKey(Algorithm algorithm, uint16_t flags, EVP_PKEY* key, std::vector<uint8_t> dnskey_rdata)
    : algorithm_(algorithm),
      flags_(flags),
      key_tag_(dnssec::key_tag(dnskey_rdata)),
      key_(key),
      dnskey_rdata_(std::move(dnskey_rdata)) {}

SigningKey::~SigningKey() { EVP_PKEY_free(key_); }

std::shared_ptr<const SigningKey> SigningKey::adopt(Algorithm algorithm, uint16_t flags, EVP_PKEY* key,
                                                    std::string& error) {
  std::vector<uint8_t> rdata = {uint8_t(flags >> 8), uint8_t(flags), 3, uint8_t(algorithm)};
  if (!public_key_wire(key, algorithm, rdata, error)) {
    EVP_PKEY_free(key);
    return nullptr;
  }
  return std::shared_ptr<const SigningKey>(new SigningKey(algorithm, flags, key, std::move(rdata)));
}

std::shared_ptr<const SigningKey> SigningKey::generate(Algorithm algorithm, uint16_t flags, std::string& error) {
  EVP_PKEY* key = algorithm == Algorithm::Ed25519 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                                                  : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) {
    error = openssl_error((std::string("generating an ") + algorithm_name(algorithm) + " key").c_str());
    return nullptr;
  }
  return adopt(algorithm, flags, key, error);
}

std::shared_ptr<const SigningKey> SigningKey::load(const std::string& path, Algorithm algorithm, uint16_t flags,
                                                   std::string& error) {
  std::string text;
  if (!health::read_private_file(path, kMaxKeyFileSize, "a DNSSEC key file", text, error)) return nullptr;
  BIO* bio = BIO_new_mem_buf(text.data(), int(text.size()));
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio, nullptr, no_passphrase, nullptr) : nullptr;
  BIO_free(bio);
  OPENSSL_cleanse(text.data(), text.size());
  if (key == nullptr) {
    error = path + ": " + openssl_error("not an unencrypted PEM private key");
    return nullptr;
  }
  if (!key_fits(key, algorithm)) {
    error = path + ": not an " + algorithm_name(algorithm) + " key (it is " + EVP_PKEY_get0_type_name(key) + ")";
    EVP_PKEY_free(key);
    return nullptr;
  }
  auto loaded = adopt(algorithm, flags, key, error);
  if (!loaded) error = path + ": " + error;
  return loaded;
}

bool SigningKey::save(const std::string& path, std::string& error) const {
  // A secure-memory BIO: its buffer is wiped when freed.
  BIO* bio = BIO_new(BIO_s_secmem());
  if (bio == nullptr || PEM_write_bio_PrivateKey(bio, key_, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    error = path + ": " + openssl_error("encoding the private key");
    BIO_free(bio);
    return false;
  }
  char* pem = nullptr;
  const long size = BIO_get_mem_data(bio, &pem);
  const bool ok = size > 0 && write_new_private_file(path, pem, size_t(size), error);
  if (size <= 0) error = path + ": encoding the private key gave no text";
  BIO_free(bio);
  return ok;
}

bool SigningKey::sign(std::span<const uint8_t> data, std::span<uint8_t> signature) const {
  if (signature.size() < signature_size(algorithm_)) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return false;
  const bool ecdsa = algorithm_ == Algorithm::EcdsaP256Sha256;
  // A DER ECDSA-Sig-Value on P-256 is at most 72 bytes; Ed25519 gives 64.
  uint8_t der[80];
  size_t length = sizeof der;
  bool ok = EVP_DigestSignInit(ctx, nullptr, ecdsa ? EVP_sha256() : nullptr, nullptr, key_) == 1 &&
            EVP_DigestSign(ctx, der, &length, data.data(), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (ok && !ecdsa) {
    ok = length == signature_size(algorithm_);
    if (ok) std::memcpy(signature.data(), der, length);
  } else if (ok) {
    // RFC 6605 4: the signature is r and s, each a 32-byte big-endian integer.
    const unsigned char* cursor = der;
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &cursor, long(length));
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    if (sig != nullptr) ECDSA_SIG_get0(sig, &r, &s);
    ok = sig != nullptr && BN_bn2binpad(r, signature.data(), kP256CoordinateSize) == int(kP256CoordinateSize) &&
         BN_bn2binpad(s, signature.data() + kP256CoordinateSize, kP256CoordinateSize) == int(kP256CoordinateSize);
    ECDSA_SIG_free(sig);
  }
  if (!ok) ERR_clear_error();
  return ok;
}

}  // namespace dnsd::dnssec
