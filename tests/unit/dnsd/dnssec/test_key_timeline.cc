// The CSK lifecycle as pure functions of records, timings and time: a whole
// rollover stepped through time, what removal waits for, late calls, and when
// a rollover may start.
#include "dnsd/dnssec/key_timeline.h"

#include <doctest.h>

#include <vector>

using namespace dnsd::dnssec;

namespace {

constexpr int64_t kStart = 1800000000;        // 2027-01-15T08:00:00Z
constexpr int64_t kRoll = kStart + 30 * 86400;  // when the rollover starts
// Default timings: DNSKEY TTL 1 h, max TTL 1 d, propagation 1 h, parent DS TTL 1 d.
const KeyTimings kTimings{};
constexpr int64_t kActiveAt = kRoll + 3600 + 3600;           // published + dnskey_ttl + propagation
constexpr int64_t kSignaturesGone = kActiveAt + 86400 + 3600;  // retired + max_ttl + propagation

KeyRecord first_key() {
  KeyRecord key;
  key.tag = 1111;
  key.file = "Kexample.test.+013+01111.pem";
  key.created = key.published = key.active = kStart;
  return key;
}

/// The zone's first key, and a second one published at kRoll.
std::vector<KeyRecord> rolling_keys() {
  std::vector<KeyRecord> keys{first_key()};
  KeyRecord next;
  next.tag = 2222;
  next.file = "Kexample.test.+013+02222.pem";
  next.created = next.published = kRoll;
  keys.push_back(next);
  return keys;
}

using Indices = std::vector<size_t>;

}  // namespace

TEST_CASE("state names") {
  CHECK(std::string(key_state_name(KeyState::Published)) == "published");
  CHECK(std::string(key_state_name(KeyState::Active)) == "active");
  CHECK(std::string(key_state_name(KeyState::Retired)) == "retired");
  CHECK(std::string(key_state_name(KeyState::Removed)) == "removed");
  CHECK(utc_time_text(kStart) == "2027-01-15T08:00:00Z");
}

TEST_CASE("no keys: nothing in DNSKEY, no zone signer, nothing scheduled") {
  const KeyPlan plan = plan_keys({}, kTimings, kStart);
  CHECK(plan.dnskey.empty());
  CHECK(plan.dnskey_signers.empty());
  CHECK(plan.zone_signer == SIZE_MAX);
  CHECK(plan.next_event == 0);
  std::string why;
  CHECK_FALSE(can_start_rollover({}, kStart, why));
  CHECK(why == "the zone has no active key");
}

TEST_CASE("a full CSK rollover stepped through time") {
  std::vector<KeyRecord> keys{first_key()};

  // The first key is active at once and signs everything.
  KeyPlan plan = plan_keys(keys, kTimings, kStart);
  CHECK(state_of(keys[0], kStart) == KeyState::Active);
  CHECK(plan.dnskey == Indices{0});
  CHECK(plan.dnskey_signers == Indices{0});
  CHECK(plan.zone_signer == 0);
  CHECK(plan.next_event == 0);
  CHECK(plan.next_event_text == "");
  CHECK_FALSE(advance_keys(keys, kTimings, kRoll));

  std::string why;
  REQUIRE(can_start_rollover(keys, kRoll, why));
  keys = rolling_keys();

  // Published: both keys in DNSKEY and signing it; the old key signs the data.
  plan = plan_keys(keys, kTimings, kRoll);
  CHECK(state_of(keys[1], kRoll) == KeyState::Published);
  CHECK(plan.dnskey == Indices{0, 1});
  CHECK(plan.dnskey_signers == Indices{0, 1});
  CHECK(plan.zone_signer == 0);
  CHECK(plan.next_event == kActiveAt);
  CHECK(plan.next_event_text == "key 2222 becomes active at 2027-02-14T10:00:00Z");
  CHECK_FALSE(can_start_rollover(keys, kRoll, why));
  CHECK(why == "a rollover is in progress: key 2222 is published and not yet active");

  // One second early nothing moves.
  CHECK_FALSE(advance_keys(keys, kTimings, kActiveAt - 1));
  CHECK(plan_keys(keys, kTimings, kActiveAt - 1).zone_signer == 0);

  // Active/retired: the new key signs the data; the old one still signs DNSKEY.
  CHECK(advance_keys(keys, kTimings, kActiveAt));
  CHECK(keys[1].active == kActiveAt);
  CHECK(keys[0].retired == kActiveAt);
  CHECK(state_of(keys[0], kActiveAt) == KeyState::Retired);
  CHECK(state_of(keys[1], kActiveAt) == KeyState::Active);
  plan = plan_keys(keys, kTimings, kActiveAt);
  CHECK(plan.dnskey == Indices{0, 1});
  CHECK(plan.dnskey_signers == Indices{0, 1});
  CHECK(plan.zone_signer == 1);
  CHECK(plan.next_event == 0);
  CHECK(plan.next_event_text == "waiting for the DS of key 2222 at the parent");
  CHECK_FALSE(can_start_rollover(keys, kActiveAt, why));
  CHECK(why == "a rollover is in progress: key 1111 is retired and not yet removed");
  CHECK_FALSE(advance_keys(keys, kTimings, kActiveAt + 365 * 86400));  // no DS, no removal

  // The operator reports the DS at the parent after the old signatures are gone.
  const int64_t ds_seen = kSignaturesGone + 500;
  keys[1].ds_seen = ds_seen;
  const int64_t removed_at = ds_seen + 86400 + 3600;  // ds_seen + parent_ds_ttl + propagation
  plan = plan_keys(keys, kTimings, ds_seen);
  CHECK(plan.next_event == removed_at);
  CHECK(plan.next_event_text.rfind("key 1111 is removed at ", 0) == 0);
  CHECK_FALSE(advance_keys(keys, kTimings, removed_at - 1));

  // Removed: only the new key is left, and the next rollover may start.
  CHECK(advance_keys(keys, kTimings, removed_at));
  CHECK(keys[0].removed == removed_at);
  CHECK(state_of(keys[0], removed_at) == KeyState::Removed);
  plan = plan_keys(keys, kTimings, removed_at);
  CHECK(plan.dnskey == Indices{1});
  CHECK(plan.dnskey_signers == Indices{1});
  CHECK(plan.zone_signer == 1);
  CHECK(plan.next_event == 0);
  CHECK(plan.next_event_text == "");
  CHECK(can_start_rollover(keys, removed_at, why));
  CHECK_FALSE(advance_keys(keys, kTimings, removed_at + 86400));
}

TEST_CASE("removal waits for the old key's data signatures to expire from caches") {
  std::vector<KeyRecord> keys = rolling_keys();
  keys[1].ds_seen = kRoll;  // DS seen at once: its wait ends well before max_ttl's
  REQUIRE(advance_keys(keys, kTimings, kActiveAt));
  const KeyPlan plan = plan_keys(keys, kTimings, kActiveAt);
  CHECK(plan.next_event == kSignaturesGone);
  CHECK_FALSE(advance_keys(keys, kTimings, kSignaturesGone - 1));
  CHECK(keys[0].removed == 0);
  CHECK(advance_keys(keys, kTimings, kSignaturesGone));
  CHECK(keys[0].removed == kSignaturesGone);
}

TEST_CASE("removal waits for the new key's DS to be seen and cached") {
  std::vector<KeyRecord> keys = rolling_keys();
  REQUIRE(advance_keys(keys, kTimings, kSignaturesGone));
  CHECK(keys[0].removed == 0);  // signatures gone, but no DS yet
  KeyPlan plan = plan_keys(keys, kTimings, kSignaturesGone);
  CHECK(plan.dnskey == Indices{0, 1});
  CHECK(plan.next_event == 0);

  keys[1].ds_seen = kSignaturesGone;
  CHECK_FALSE(advance_keys(keys, kTimings, kSignaturesGone + 86400 + 3600 - 1));
  CHECK(advance_keys(keys, kTimings, kSignaturesGone + 86400 + 3600));
  CHECK(keys[0].removed == kSignaturesGone + 86400 + 3600);

  // The DS of the old key does not count.
  keys = rolling_keys();
  keys[0].ds_seen = kStart;
  REQUIRE(advance_keys(keys, kTimings, kSignaturesGone * 2));
  CHECK(keys[0].removed == 0);
}

TEST_CASE("advance_keys called late sets the times the conditions were met") {
  std::vector<KeyRecord> stepped = rolling_keys();
  stepped[1].ds_seen = kActiveAt + 1000;
  std::vector<KeyRecord> late = stepped;

  // Called every hour.
  for (int64_t t = kRoll; t <= kRoll + 10 * 86400; t += 3600) advance_keys(stepped, kTimings, t);
  // Called once, long after.
  CHECK(advance_keys(late, kTimings, kRoll + 10 * 86400));
  CHECK(late == stepped);
  CHECK(late[1].active == kActiveAt);
  CHECK(late[0].retired == kActiveAt);
  CHECK(late[0].removed == kActiveAt + 1000 + 86400 + 3600);
  CHECK_FALSE(advance_keys(late, kTimings, kRoll + 20 * 86400));

  // plan_keys sees the same, even before the caller has advanced the records.
  const KeyPlan plan = plan_keys(rolling_keys(), kTimings, kActiveAt + 1);
  CHECK(plan.zone_signer == 1);
}

TEST_CASE("timings come from the zone") {
  KeyTimings fast;
  fast.dnskey_ttl = 300;
  fast.max_ttl = 600;
  fast.propagation_delay = 60;
  fast.parent_ds_ttl = 120;
  std::vector<KeyRecord> keys = rolling_keys();
  keys[1].ds_seen = kRoll;
  CHECK(plan_keys(keys, fast, kRoll).next_event == kRoll + 360);
  REQUIRE(advance_keys(keys, fast, kRoll + 360 + 660));
  CHECK(keys[1].active == kRoll + 360);
  CHECK(keys[0].removed == kRoll + 360 + 660);
}

TEST_CASE("can_start_rollover refuses during a rollover and without one active key") {
  std::string why;
  std::vector<KeyRecord> keys{first_key()};
  CHECK(can_start_rollover(keys, kRoll, why));

  keys = rolling_keys();
  CHECK_FALSE(can_start_rollover(keys, kRoll, why));
  CHECK(why.find("key 2222 is published") != std::string::npos);

  REQUIRE(advance_keys(keys, kTimings, kActiveAt));
  CHECK_FALSE(can_start_rollover(keys, kActiveAt, why));
  CHECK(why.find("key 1111 is retired") != std::string::npos);

  std::vector<KeyRecord> two_active{first_key(), first_key()};
  two_active[1].tag = 3333;
  CHECK_FALSE(can_start_rollover(two_active, kRoll, why));
  CHECK(why == "more than one key is active");
}
