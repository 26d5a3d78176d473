#include "dnsd/server/cookie_secret_file.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cctype>

#include "health/atomic_file.h"
#include "health/private_file.h"

namespace dnsd {
namespace {

constexpr size_t kMaxFileSize = 64 * 1024;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string to_hex(const CookieSecret& secret) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const uint8_t b : secret) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

/// The master secret in `state_dir`: read, or made and written when missing.
std::optional<CookieSecret> state_dir_master(const std::string& state_dir, std::string& error) {
  const std::string path = state_dir + "/" + kCookieMasterFile;
  std::string text;
  if (::access(path.c_str(), F_OK) == 0) {
    if (!health::read_private_file(path, kMaxFileSize, "a secrets file", text, error)) return std::nullopt;
    auto secrets = parse_cookie_secrets(text, path, error);
    OPENSSL_cleanse(text.data(), text.size());
    if (!secrets) return std::nullopt;
    if (secrets->size() != 1) {
      error = path + ": holds " + std::to_string(secrets->size()) + " secrets; a master file holds one";
      return std::nullopt;
    }
    return secrets->front();
  }
  CookieSecret master{};
  if (RAND_bytes(master.data(), int(master.size())) != 1) {
    error = "OpenSSL RAND_bytes failed to make a cookie secret";
    return std::nullopt;
  }
  text = "# dnsd's master secret for DNS server cookies (RFC 9018); keep it private.\n"
         "# Every server given the same master makes and accepts the same cookies.\n" +
         to_hex(master) + "\n";
  const bool written = health::write_file_atomically(path, text, error, 0600);
  OPENSSL_cleanse(text.data(), text.size());
  if (!written) return std::nullopt;
  return master;
}

}  // namespace

std::optional<std::vector<CookieSecret>> parse_cookie_secrets(std::string_view text, const std::string& source,
                                                              std::string& error) {
  std::vector<CookieSecret> secrets;
  size_t line_number = 0;
  for (std::string_view rest = text; !rest.empty();) {
    const size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view{} : rest.substr(newline + 1);
    ++line_number;
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    const std::string where = source + ":" + std::to_string(line_number) + ": ";
    CookieSecret secret{};
    bool hex = line.size() == 2 * secret.size();
    for (size_t i = 0; hex && i < secret.size(); ++i) {
      const int high = hex_value(line[2 * i]), low = hex_value(line[2 * i + 1]);
      hex = high >= 0 && low >= 0;
      secret[i] = uint8_t(high << 4 | low);
    }
    if (!hex) {
      error = where + "expected a secret of 32 hex digits (16 bytes), as `openssl rand -hex 16` makes";
      return std::nullopt;
    }
    if (secrets.size() == 2) {
      error = where + "a third secret; the first makes cookies, the second only checks them";
      return std::nullopt;
    }
    secrets.push_back(secret);
  }
  if (secrets.empty()) {
    error = source + ": no secret";
    return std::nullopt;
  }
  return secrets;
}

std::optional<CookieSecrets> load_cookie_secrets(const std::string& secret_file, const std::string& state_dir,
                                                 std::string& error) {
  if (!secret_file.empty()) {
    std::string text;
    if (!health::read_private_file(secret_file, kMaxFileSize, "a secrets file", text, error)) return std::nullopt;
    auto secrets = parse_cookie_secrets(text, secret_file, error);
    OPENSSL_cleanse(text.data(), text.size());
    if (!secrets) return std::nullopt;
    return CookieSecrets::fixed(secrets->at(0),
                                secrets->size() > 1 ? std::optional<CookieSecret>(secrets->at(1)) : std::nullopt);
  }
  if (!state_dir.empty()) {
    const auto master = state_dir_master(state_dir, error);
    if (!master) return std::nullopt;
    return CookieSecrets::rotating(*master);
  }
  CookieSecret master{};
  if (RAND_bytes(master.data(), int(master.size())) != 1) {
    error = "OpenSSL RAND_bytes failed to make a cookie secret";
    return std::nullopt;
  }
  return CookieSecrets::rotating(master);
}

}  // namespace dnsd
