// Signed NOTIFYs: the signer's callbacks run once per attempt, each reply is
// verified against its own request's MAC, and an unverified reply settles
// nothing. The signer here is a stand-in; TSIG itself is tested on its own.
#include <doctest.h>

#include "tests/unit/dnsd/xfr/test_notifier_fixture.h"

using namespace dnsd::test;
using dnsd::xfr::NotifySigner;

namespace {

/// A signer that stands in for TSIG: appends a TSIG-shaped record whose MAC is
/// {0xAB, n} for the n-th message, and verifies as `verify_ok` says.
struct FakeSigner {
  std::vector<std::vector<uint8_t>> macs_signed, macs_verified;
  bool sign_ok = true;
  std::function<bool()> verify_ok = [] { return true; };

  std::shared_ptr<const NotifySigner> signer() {
    auto out = std::make_shared<NotifySigner>();
    out->sign = [this](std::vector<uint8_t>& message) -> std::optional<std::vector<uint8_t>> {
      if (!sign_ok) return std::nullopt;
      const std::vector<uint8_t> mac = {0xAB, uint8_t(macs_signed.size())};
      const std::vector<uint8_t> record = {
          3, 'k', 'e', 'y', 0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 31,         // key. TSIG ANY TTL 0, rdlength
          11, 'h', 'm', 'a', 'c', '-', 's', 'h', 'a', '2', '5', '6', 0,  // algorithm
          0, 0, 0, 0, 0, 1, 1, 44,                                        // time signed, fudge 300
          0, 2, mac[0], mac[1],                                           // MAC size, MAC
          message[0], message[1], 0, 0, 0, 0};                            // original ID, error, other len
      message.insert(message.end(), record.begin(), record.end());
      ++message[11];  // ARCOUNT
      macs_signed.push_back(mac);
      return mac;
    };
    out->verify = [this](std::span<const uint8_t>, std::span<const uint8_t> mac) {
      macs_verified.emplace_back(mac.begin(), mac.end());
      return verify_ok();
    };
    return out;
  }
};

}  // namespace

TEST_CASE("notifier: signed NOTIFYs carry the signer's record, and a reply that fails verify is no ack") {
  Fixture f(NotifyTiming{300, 1000, 10});  // time to look at the status between the two attempts
  FakeSigner signer;
  signer.verify_ok = [&] { return signer.macs_verified.size() > 1; };  // the first reply is forged
  f.secondary.behaviour = [](FakeSecondary& s, const Received& r) {
    if (s.received.size() <= 2) s.reply(r, answer(r.wire));
  };
  NotifyTask task = f.task(9);
  task.signer = signer.signer();
  f.notifier->send(task);
  REQUIRE(f.loop.run_until([&] { return !signer.macs_verified.empty(); }));
  CHECK(f.only_status().pending);
  CHECK(f.only_status().last_error == "bad TSIG on reply");
  REQUIRE(f.run_until_settled());

  REQUIRE(f.secondary.received.size() >= 2);
  for (const Received& r : f.secondary.received) {
    const SeenNotify seen = read_notify(r.wire);
    CHECK(seen.tsig);
    CHECK(seen.serial == 9);
  }
  CHECK(signer.macs_signed.size() == f.secondary.received.size());  // a fresh signature per attempt
  REQUIRE(signer.macs_verified.size() == 2);
  CHECK(signer.macs_verified[0] == signer.macs_signed[0]);  // each reply checked against its own request's MAC
  CHECK(signer.macs_verified[1] == signer.macs_signed[1]);
  const NotifyPeerStatus s = f.only_status();
  CHECK(s.serial_acked == 9);
  CHECK(s.last_error.empty());
  CHECK(f.notifier->counters().ignored_replies == 1);
}

TEST_CASE("notifier: unverified replies never settle a signed NOTIFY, not even a REFUSED") {
  Fixture f(NotifyTiming{10, 1000, 3});
  FakeSigner signer;
  signer.verify_ok = [] { return false; };
  f.secondary.behaviour = [](FakeSecondary& s, const Received& r) { s.reply(r, answer(r.wire, 5)); };
  NotifyTask task = f.task(9);
  task.signer = signer.signer();
  f.notifier->send(task);
  REQUIRE(f.run_until_settled());
  CHECK(f.secondary.received.size() == 3);
  CHECK(signer.macs_verified.size() >= 1);  // all 3, unless the give-up came first
  CHECK(f.settled[0].last_error == "timeout after 3 attempts (bad TSIG on reply)");
  CHECK(f.notifier->counters().ignored_replies == 3);
  CHECK(f.notifier->counters().failed == 1);
}

TEST_CASE("notifier: a failed signature sends nothing and settles as failed") {
  Fixture f;
  FakeSigner signer;
  signer.sign_ok = false;
  NotifyTask task = f.task(9);
  task.signer = signer.signer();
  f.notifier->send(task);
  REQUIRE(f.settled.size() == 1);
  CHECK(f.settled[0].last_error == "TSIG signing failed");
  CHECK(f.notifier->counters().sent == 0);
  CHECK(f.notifier->counters().failed == 1);
}
