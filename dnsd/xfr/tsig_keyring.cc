#include "dnsd/xfr/tsig_keyring.h"

#include <openssl/crypto.h>

#include <cctype>
#include <vector>

#include "dnsd/xfr/tsig_mac.h"
#include "dnsd/xfr/tsig_record.h"
#include "health/private_file.h"

namespace dnsd::xfr {
namespace {

constexpr size_t kMaxFileSize = 1 << 20;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t at = s.find(separator, start);
    parts.push_back(trim(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start)));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

// The algorithm field's canonical name, or an error message for it.
std::optional<std::string> algorithm_name(std::string_view field, std::string& why) {
  const std::string name = lower(field);
  if (const TsigAlgorithm* a = find_tsig_algorithm(name)) return std::string(a->name);
  if (name.rfind("hmac-md5", 0) == 0)
    why = "hmac-md5 is not supported (obsolete, RFC 8945 6); use hmac-sha256";
  else if (find_tsig_algorithm(name.substr(0, name.rfind('-'))) != nullptr)
    why = "truncated MACs ('" + std::string(field) + "') are not supported; use the full algorithm";
  else
    why = "unknown algorithm '" + std::string(field) +
          "' (use hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha224 or hmac-sha1)";
  return std::nullopt;
}

}  // namespace

std::optional<TsigKeyring> TsigKeyring::parse(std::string_view text, const std::string& source, std::string& error) {
  TsigKeyring ring;
  std::map<std::string, size_t, std::less<>> first_line;
  size_t line_number = 0;
  for (std::string_view rest = text; !rest.empty();) {
    const size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view{} : rest.substr(newline + 1);
    ++line_number;
    const auto fail = [&](const std::string& why) {
      error = source + ":" + std::to_string(line_number) + ": " + why;
      return std::nullopt;
    };
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;

    std::vector<std::string_view> fields = split(line, ':');
    if (fields.size() == 2) fields.insert(fields.begin(), "hmac-sha256");
    if (fields.size() != 3) return fail("expected ALGORITHM:NAME:SECRET, as dig -y takes it");
    std::string why;
    const auto algorithm = algorithm_name(fields[0], why);
    if (!algorithm) return fail(why);
    const auto name = canonical_tsig_name(fields[1]);
    if (!name) return fail("'" + std::string(fields[1]) + "' is not a domain name");
    if (!decode_tsig_secret(std::string(fields[2])))
      return fail("key " + *name + ": the secret is not base64 (or is empty)");
    if (const auto seen = first_line.find(*name); seen != first_line.end())
      return fail("duplicate key " + *name + " (first on line " + std::to_string(seen->second) + ")");
    first_line.emplace(*name, line_number);
    ring.keys_.emplace(*name, TsigKey{*name, *algorithm, std::string(fields[2])});
  }
  if (ring.keys_.empty()) {
    error = source + ": no keys";
    return std::nullopt;
  }
  return ring;
}

std::optional<TsigKeyring> TsigKeyring::load(const std::string& path, std::string& error) {
  std::string text;
  if (!health::read_private_file(path, kMaxFileSize, "a key file", text, error)) return std::nullopt;
  auto ring = parse(text, path, error);
  OPENSSL_cleanse(text.data(), text.size());
  return ring;
}

const TsigKey* TsigKeyring::find(std::string_view name) const {
  std::string key = lower(name);
  if (key.empty() || key.back() != '.') key.push_back('.');
  const auto it = keys_.find(key);
  return it == keys_.end() ? nullptr : &it->second;
}

std::set<std::string> TsigKeyring::names() const {
  std::set<std::string> out;
  for (const auto& [name, key] : keys_) out.insert(name);
  return out;
}

}  // namespace dnsd::xfr
