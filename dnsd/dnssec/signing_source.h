// Where the versioner gets what it signs with: the server's signing service
// implements this over the key directory and the clock, so the versioner
// stays a pure function of what it is given and tests can hand it fixed keys.
#pragma once

#include <memory>
#include <string>

#include "dnsd/dnssec/signed_zone.h"
#include "dnsd/dnssec/signing_setup.h"
#include "zones/zone.h"

namespace dnsd::dnssec {

/// Signing setups and static signatures for the versioner. Called on the
/// publisher's thread, one call at a time.
class SigningSource {
 public:
  virtual ~SigningSource() = default;
  /// What signed zone `zone` is signed with now; null with `error` when its
  /// keys are not available.
  virtual std::shared_ptr<const SigningSetup> setup(const std::shared_ptr<const zones::Zone>& zone,
                                                    std::string& error) = 0;
  /// The static signatures of `zone` under `setup`: made earlier (the
  /// reloader signs large zones before it takes the publish lock) or now.
  /// Null with `error` on a signing failure.
  virtual std::shared_ptr<const ZoneSignatures> zone_signatures(const std::shared_ptr<const zones::Zone>& zone,
                                                                const SigningSetup& setup, std::string& error) = 0;
};

}  // namespace dnsd::dnssec
