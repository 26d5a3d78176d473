#include "zones/dnssec_policy.h"

#include <strings.h>

#include <string>

namespace dnsd::zones {

const char* algorithm_name(SigningAlgorithm algorithm) {
  switch (algorithm) {
    case SigningAlgorithm::EcdsaP256Sha256: return "ecdsap256sha256";
    case SigningAlgorithm::Ed25519: return "ed25519";
  }
  return "unknown";
}

std::optional<SigningAlgorithm> algorithm_from_name(std::string_view name) {
  const std::string text(name);
  for (const SigningAlgorithm a : {SigningAlgorithm::EcdsaP256Sha256, SigningAlgorithm::Ed25519})
    if (strcasecmp(text.c_str(), algorithm_name(a)) == 0) return a;
  return std::nullopt;
}

}  // namespace dnsd::zones
