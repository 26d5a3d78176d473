// The versioner signing zones through a SigningSource: static signatures
// made once per Zone object and setup and reused across health changes, a
// fingerprint kept up incrementally that equals a full walk's, a new serial
// for a new window even when no record changed, and the last good version
// kept when keys are unavailable.
#include <doctest.h>

#include "dnsd/xfr/versioner.h"
#include "dnsd/xfr/zone_content.h"
#include "tests/unit/dnsd/xfr/signed_versions.h"

using namespace dnsd;
using namespace dnsd::test;
using health::HealthState;

namespace {

constexpr uint64_t kNowMs = uint64_t(kInsideSigningWindow) * 1000;

/// A source whose keys can go missing.
class FlakySource : public FixedSigningSource {
 public:
  using FixedSigningSource::FixedSigningSource;
  std::shared_ptr<const dnssec::SigningSetup> setup(const std::shared_ptr<const zones::Zone>& zone,
                                                    std::string& error) override {
    if (missing) {
      error = "no key in the key directory";
      return nullptr;
    }
    return FixedSigningSource::setup(zone, error);
  }
  bool missing = false;
};

struct Publisher {
  Versions f;
  FlakySource source{f.setup};
  xfr::Versioner versioner{"", {}, [] { return kNowMs; }};
  std::shared_ptr<const Snapshot> current;
  xfr::Advance last;
  Publisher() { versioner.set_signing(&source); }
  std::shared_ptr<const ZoneVersion> publish() {
    last = versioner.advance(*f.set, *f.view, current.get());
    current = std::make_shared<const Snapshot>(f.set, f.view, 1, current.get(), last.versions);
    return current->versions[0];
  }
};

size_t rrsigs(const RecordList& list) {
  size_t n = 0;
  RecordView r;
  for (RecordList::Cursor c(list); c.next(r);) n += r.type == zones::rrtype::RRSIG;
  return n;
}

}  // namespace

TEST_CASE("versioner signing: static signatures are made once and shared while only health changes") {
  Publisher p;
  const auto one = p.publish();
  REQUIRE(one->signatures);
  CHECK(p.last.signing_errors.empty());
  CHECK(p.source.zone_signings == 1);
  CHECK(one->signing_epoch == p.f.setup->epoch());
  CHECK(one->signatures->setup == p.f.setup);
  CHECK(one->fingerprint == xfr::content_fingerprint(*one));

  CHECK(p.publish() == one);  // nothing changed: the same version

  p.f.set_health("web", 0, HealthState::Down);
  const auto two = p.publish();
  CHECK(two->serial == one->serial + 1);
  CHECK(p.source.zone_signings == 1);
  CHECK(two->signatures->zone == one->signatures->zone);
  // SOA, web's whole set, and the one of its 4 windows that holds members
  // no window held before (the other three are copied).
  CHECK(two->signatures->signatures_made == 1 /* SOA */ + 1 + 1);
  CHECK(two->fingerprint == xfr::content_fingerprint(*two));  // kept up from the change alone
  REQUIRE(two->history->changes.size() == 1);
  const ZoneChange& change = *two->history->changes[0];
  CHECK(change.removed.size() == 3);  // the member, web's RRSIG, the SOA's RRSIG
  CHECK(rrsigs(change.removed) == 2);
  CHECK(change.added.size() == 2);
  CHECK(rrsigs(change.added) == 2);
}

TEST_CASE("versioner signing: a new window is a new serial with every signature new, though no record changed") {
  Publisher p;
  const auto one = p.publish();
  auto later = setup_with(p.f.key, {kSigningWindow.inception + 86400, kSigningWindow.expiration + 86400});
  p.source.replace(later);
  const auto two = p.publish();
  CHECK(two->serial == one->serial + 1);
  CHECK(p.source.zone_signings == 2);
  CHECK(two->signatures->zone != one->signatures->zone);
  CHECK(two->signing_epoch == later->epoch());
  CHECK(two->fingerprint != one->fingerprint);
  CHECK(two->fingerprint == xfr::content_fingerprint(*two));
  const ZoneChange& change = *two->history->changes.back();
  CHECK(change.removed.size() == rrsigs(change.removed));
  CHECK(change.added.size() == rrsigs(change.added));
  CHECK(change.added.size() > 10);
}

TEST_CASE("versioner signing: keys going missing keep the last good version and say why") {
  Publisher p;
  const auto one = p.publish();
  p.source.missing = true;
  p.f.set_health("web", 0, HealthState::Down);
  const auto two = p.publish();
  CHECK(two == one);
  REQUIRE(p.last.signing_errors.size() == 1);
  CHECK(p.last.signing_errors[0] == "example.test.: no key in the key directory");
  p.source.missing = false;
  const auto three = p.publish();
  CHECK(three->serial == one->serial + 1);
  CHECK(p.last.signing_errors.empty());
}

namespace {

/// A source whose keys load but whose static signing fails (an OpenSSL error, say).
class FailingSigner : public FixedSigningSource {
 public:
  using FixedSigningSource::FixedSigningSource;
  std::shared_ptr<const dnssec::ZoneSignatures> zone_signatures(const std::shared_ptr<const zones::Zone>& zone,
                                                                const dnssec::SigningSetup& setup,
                                                                std::string& error) override {
    if (failing) {
      error = "signing failed";
      return nullptr;
    }
    return FixedSigningSource::zone_signatures(zone, setup, error);
  }
  bool failing = true;
};

}  // namespace

// A setup without static signatures (their signing failed) is no setup: the
// zone is served unsigned, with the error reported and signing_epoch 0, so
// that the next advance signs it.
TEST_CASE("versioner signing: a static signing failure on first load serves the zone unsigned and signs it later") {
  Versions f;
  FailingSigner source{f.setup};
  xfr::Versioner versioner{"", {}, [] { return kNowMs; }};
  versioner.set_signing(&source);
  const xfr::Advance first = versioner.advance(*f.set, *f.view, nullptr);
  REQUIRE(first.signing_errors.size() == 1);
  CHECK(first.signing_errors[0] == "example.test.: signing failed");
  CHECK_FALSE(first.versions[0]->signatures);
  auto snapshot = std::make_shared<const Snapshot>(f.set, f.view, 1, nullptr, first.versions);
  source.failing = false;
  const xfr::Advance second = versioner.advance(*f.set, *f.view, snapshot.get());
  CHECK(second.signing_errors.empty());
  CHECK(second.versions[0]->signatures);
}
