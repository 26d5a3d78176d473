// Signature windows: inceptions rounded down to the refresh period less the
// clock-skew allowance, one window for a whole period, the next refresh at
// the period's end; and what a setup's epoch and comparisons tell apart.
#include <doctest.h>

#include "dnsd/dnssec/signing_setup.h"
#include "tests/unit/dnsd/dnssec/signing_fixture.h"

using namespace dnsd::dnssec;
using dnsd::zones::DnssecPolicy;

namespace {

DnssecPolicy policy(uint32_t refresh, uint32_t validity) {
  DnssecPolicy p;
  p.enabled = true;
  p.signature_refresh = refresh;
  p.signature_validity = validity;
  return p;
}

}  // namespace

TEST_CASE("signing setup: the window's inception is the period start less an hour, its expiration start + validity") {
  const DnssecPolicy p = policy(3 * 86400, 14 * 86400);
  const int64_t start = 1'764'374'400;  // a multiple of 3 days: 2025-11-29 00:00 UTC
  REQUIRE(start % (3 * 86400) == 0);
  for (const int64_t now : {start, start + 1, start + 3600, start + 86400, start + 3 * 86400 - 1}) {
    CAPTURE(now);
    const SignatureWindow w = window_at(p, now);
    CHECK(w.inception == start - 3600);
    CHECK(w.expiration == start + 14 * 86400);
    CHECK(next_refresh(p, w) == start + 3 * 86400);
  }
  // The next period has the next window.
  const SignatureWindow next = window_at(p, start + 3 * 86400);
  CHECK(next.inception == start + 3 * 86400 - 3600);
  CHECK(next.expiration == start + 17 * 86400);
  CHECK(next_refresh(p, next) == start + 6 * 86400);
  CHECK_FALSE(next == window_at(p, start));
}

TEST_CASE("signing setup: a refresh period under an hour backdates by the period, not an hour") {
  const DnssecPolicy p = policy(600, 3600);
  const int64_t start = 1'764'547'200;
  REQUIRE(start % 600 == 0);
  for (const int64_t now : {start, start + 299, start + 599}) {
    const SignatureWindow w = window_at(p, now);
    CHECK(w.inception == start - 600);
    CHECK(w.expiration == start + 3600);
    CHECK(next_refresh(p, w) == start + 600);
  }
  CHECK(window_at(p, start + 600).inception == start);
  // Exactly an hour: the allowance is the hour.
  const DnssecPolicy hour = policy(3600, 86400);
  CHECK(window_at(hour, start + 1800).inception == start - 3600);
  CHECK(next_refresh(hour, window_at(hour, start + 1800)) == start + 3600);
}

TEST_CASE("signing setup: every moment of a period gets one window, and every signature made in it is current") {
  const DnssecPolicy p = policy(86400, 7 * 86400);
  const int64_t base = 1'764'547'200 + 12345;
  for (int64_t now = base; now < base + 3 * 86400; now += 977) {
    const SignatureWindow w = window_at(p, now);
    CHECK(int64_t(w.inception) < now);  // valid already for a clock an hour behind
    CHECK(int64_t(w.inception) + 3600 <= now);
    CHECK(now < next_refresh(p, w));
    CHECK(next_refresh(p, w) - now <= 86400);
    CHECK(window_at(p, next_refresh(p, w) - 1) == w);
    CHECK_FALSE(window_at(p, next_refresh(p, w)) == w);
    // What is served until the next refresh has at least validity - refresh left.
    CHECK(int64_t(w.expiration) - next_refresh(p, w) >= 6 * 86400);
  }
}

TEST_CASE("signing setup: the epoch changes with the keys, the window and the DNSKEY TTL; comparisons split zone and DNSKEY") {
  const auto a = dnsd::test::make_signing_key(), b = dnsd::test::make_signing_key();
  REQUIRE(a->key_tag() != b->key_tag());
  const auto one = dnsd::test::setup_with(a);
  const auto same = dnsd::test::setup_with(a);
  CHECK(one->epoch() == same->epoch());
  CHECK(one->same_zone_signing(*same));
  CHECK(one->same_dnskey(*same));

  auto later = dnsd::test::setup_with(a, {dnsd::test::kSigningWindow.inception + 86400,
                                          dnsd::test::kSigningWindow.expiration + 86400});
  CHECK(one->epoch() != later->epoch());
  CHECK_FALSE(one->same_zone_signing(*later));
  CHECK_FALSE(one->same_dnskey(*later));

  auto other_key = dnsd::test::setup_with(b);
  CHECK(one->epoch() != other_key->epoch());
  CHECK_FALSE(one->same_zone_signing(*other_key));
  CHECK_FALSE(one->same_dnskey(*other_key));

  // A second key published in the DNSKEY RRset (a rollover's first step):
  // the zone's data is signed as before, the DNSKEY RRset is not.
  auto published = std::make_shared<SigningSetup>(*one);
  published->dnskey.push_back(b);
  CHECK(one->same_zone_signing(*published));
  CHECK_FALSE(one->same_dnskey(*published));
  CHECK(one->epoch() != published->epoch());

  // Another signer of the DNSKEY RRset.
  auto cosigned = std::make_shared<SigningSetup>(*published);
  cosigned->dnskey_signers.push_back(b);
  CHECK(cosigned->same_zone_signing(*published));
  CHECK_FALSE(cosigned->same_dnskey(*published));
  CHECK(cosigned->epoch() != published->epoch());

  auto ttl = std::make_shared<SigningSetup>(*one);
  ttl->dnskey_ttl = 7200;
  CHECK(one->same_zone_signing(*ttl));
  CHECK_FALSE(one->same_dnskey(*ttl));
  CHECK(one->epoch() != ttl->epoch());

  // No key at all (a setup still being made) has an epoch of its own.
  SigningSetup no_key;
  CHECK(no_key.epoch() == SigningSetup{}.epoch());
  CHECK(no_key.epoch() != one->epoch());
}
