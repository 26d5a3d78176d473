#include "dnsd/dnssec/algorithm.h"

#include <strings.h>

#include <string>

namespace dnsd::dnssec {

const char* algorithm_name(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::EcdsaP256Sha256: return "ecdsap256sha256";
    case Algorithm::Ed25519: return "ed25519";
  }
  return "unknown";
}

std::optional<Algorithm> algorithm_from_name(std::string_view name) {
  const std::string text(name);
  for (const Algorithm a : {Algorithm::EcdsaP256Sha256, Algorithm::Ed25519})
    if (strcasecmp(text.c_str(), algorithm_name(a)) == 0) return a;
  return std::nullopt;
}

}  // namespace dnsd::dnssec
