// The retry schedule, then the notifier against a fake secondary on 127.0.0.1:
// acks, retries with backoff, give-up, error rcodes, stray replies, superseded
// serials, and the rows status() keeps. The harness is in test_notifier_fixture.h.
#include <doctest.h>

#include <atomic>
#include <set>
#include <thread>

#include "tests/unit/dnsd/xfr/test_notifier_fixture.h"

using namespace dnsd::test;
using dnsd::xfr::NotifyCounters;
using dnsd::xfr::notify_retry_delay;

TEST_CASE("notify retry delay: doubles from first_retry_ms up to max_retry_ms") {
  const NotifyTiming defaults;
  std::vector<uint64_t> delays;
  for (unsigned attempt = 1; attempt <= 8; ++attempt) delays.push_back(notify_retry_delay(defaults, attempt));
  CHECK(delays == std::vector<uint64_t>{1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000});
  const NotifyTiming quick{20, 100, 5};
  CHECK(notify_retry_delay(quick, 1) == 20);
  CHECK(notify_retry_delay(quick, 3) == 80);
  CHECK(notify_retry_delay(quick, 4) == 100);
  CHECK(notify_retry_delay(quick, 4000000000u) == 100);  // no overflow, no long loop
  CHECK(notify_retry_delay(NotifyTiming{0, 0, 1}, 1) == 1);  // never a busy loop
  CHECK(notify_retry_delay(NotifyTiming{500, 100, 1}, 1) == 100);
}

TEST_CASE("notifier: one NOTIFY, acknowledged at once") {
  Fixture f;
  f.secondary.ack_all();
  const uint64_t before = wall_ms();
  f.notifier->send(f.task(42));
  REQUIRE(f.run_until_settled());

  REQUIRE(f.secondary.received.size() == 1);
  const SeenNotify seen = read_notify(f.secondary.received[0].wire);
  CHECK(seen.notify_opcode);
  CHECK(seen.aa);
  CHECK_FALSE(seen.qr);
  CHECK_FALSE(seen.tsig);
  CHECK(seen.qname == "example.test.");
  CHECK(seen.qtype == LDNS_RR_TYPE_SOA);
  CHECK(seen.qclass == LDNS_RR_CLASS_IN);
  CHECK(seen.answers == 1);
  CHECK(seen.serial == 42);

  const NotifyPeerStatus s = f.only_status();
  CHECK(s.zone == "example.test.");
  CHECK(s.target == f.secondary.target_text());
  CHECK(s.serial_sent == 42);
  CHECK(s.serial_acked == 42);
  CHECK(s.attempts == 1);
  CHECK_FALSE(s.pending);
  CHECK(s.last_error.empty());
  CHECK(s.last_sent_ms >= before);
  CHECK(s.last_ack_ms >= s.last_sent_ms);
  REQUIRE(f.settled.size() == 1);
  CHECK(f.settled[0].serial_acked == 42);
  const NotifyCounters c = f.notifier->counters();
  CHECK(c.sent == 1);
  CHECK(c.retried == 0);
  CHECK(c.acked == 1);
  CHECK(c.failed == 0);
  CHECK(c.ignored_replies == 0);
}

TEST_CASE("notifier: unanswered NOTIFYs are retried with doubling delays, each with a new ID") {
  Fixture f(NotifyTiming{20, 1000, 10});
  f.secondary.behaviour = [](FakeSecondary& s, const Received& r) {
    if (s.received.size() >= 3) s.reply(r, answer(r.wire));  // ignore the first two
  };
  // The signer is called right before each send: it tells when each attempt
  // left, which arrival times cannot when the test process is descheduled.
  std::vector<Clock::time_point> sent_at;
  auto timer = std::make_shared<dnsd::xfr::NotifySigner>();
  timer->sign = [&](std::vector<uint8_t>&) {
    sent_at.push_back(Clock::now());
    return std::optional<std::vector<uint8_t>>(std::vector<uint8_t>{});
  };
  NotifyTask task = f.task(7);
  task.signer = timer;
  f.notifier->send(task);
  REQUIRE(f.run_until_settled());

  // Three sends, or more when the test process was descheduled before the ack came back.
  const auto& got = f.secondary.received;
  REQUIRE(got.size() >= 3);
  REQUIRE(sent_at.size() == got.size());
  // 20 ms, then 40 ms; the loop's clock counts whole milliseconds, hence the margin.
  CHECK(sent_at[1] - sent_at[0] >= 19ms);
  CHECK(sent_at[2] - sent_at[1] >= 39ms);
  std::set<uint16_t> ids;
  for (const Received& r : got) {
    ids.insert(read_notify(r.wire).id);
    CHECK(read_notify(r.wire).serial == 7);
  }
  CHECK(ids.size() == got.size());

  const NotifyPeerStatus s = f.only_status();
  CHECK(s.attempts == got.size());
  CHECK(s.serial_acked == 7);
  const NotifyCounters c = f.notifier->counters();
  CHECK(c.sent == got.size());
  CHECK(c.retried == got.size() - 1);
  CHECK(c.acked == 1);
}

TEST_CASE("notifier: a secondary that never answers is given up after max_attempts") {
  Fixture f(NotifyTiming{10, 1000, 3});
  f.notifier->send(f.task(7));
  REQUIRE(f.run_until_settled());
  CHECK(f.secondary.received.size() == 3);
  const NotifyPeerStatus s = f.only_status();
  CHECK_FALSE(s.pending);
  CHECK(s.attempts == 3);
  CHECK(s.serial_sent == 7);
  CHECK(s.serial_acked == 0);
  CHECK(s.last_ack_ms == 0);
  CHECK(s.last_error == "timeout after 3 attempts");
  CHECK(f.settled.at(0).last_error == "timeout after 3 attempts");
  CHECK(f.notifier->counters().failed == 1);
  CHECK(f.notifier->counters().acked == 0);
}

TEST_CASE("notifier: an error rcode ends the retries and counts a failure") {
  const std::pair<uint8_t, const char*> cases[] = {
      {5, "rcode REFUSED"}, {4, "rcode NOTIMP"}, {9, "rcode NOTAUTH"}, {2, "rcode SERVFAIL"}};
  for (const auto& [rcode, expected] : cases) {
    CAPTURE(expected);
    Fixture f(NotifyTiming{20, 1000, 10});
    f.secondary.behaviour = [rcode](FakeSecondary& s, const Received& r) { s.reply(r, answer(r.wire, rcode)); };
    f.notifier->send(f.task(7));
    REQUIRE(f.run_until_settled());
    CHECK(f.only_status().last_error == expected);
    CHECK_FALSE(f.only_status().pending);
    const size_t sent = f.secondary.received.size();  // 1, unless the process was descheduled for 20 ms
    CHECK(f.only_status().attempts == sent);
    f.loop.run_for(100ms);  // several retry delays: nothing more is sent
    CHECK(f.secondary.received.size() == sent);
    const NotifyCounters c = f.notifier->counters();
    CHECK(c.sent == sent);
    CHECK(c.failed == 1);
    CHECK(c.acked == 0);
  }
}

TEST_CASE("notifier: replies from the wrong port, with the wrong ID or question, or no QR are ignored") {
  Fixture f(NotifyTiming{20, 1000, 10});
  f.secondary.behaviour = [](FakeSecondary& s, const Received& r) {
    if (s.received.size() == 2) return s.reply(r, answer(r.wire));  // the retry is acknowledged
    if (s.received.size() > 2) return;
    s.reply(r, answer(r.wire), /*wrong_port=*/true);
    std::vector<uint8_t> wrong_id = answer(r.wire);
    wrong_id[1] ^= 1;
    s.reply(r, wrong_id);
    std::vector<uint8_t> other_zone = answer(r.wire);
    other_zone[13] = 'f';  // "fxample.test."
    s.reply(r, other_zone);
    std::vector<uint8_t> no_qr = answer(r.wire);
    no_qr[2] &= 0x7F;
    s.reply(r, no_qr);
    s.reply(r, {0x12});  // not even a header
  };
  f.notifier->send(f.task(7));
  REQUIRE(f.run_until_settled());
  const NotifyPeerStatus s = f.only_status();
  CHECK(s.serial_acked == 7);
  CHECK(s.attempts >= 2);
  const NotifyCounters c = f.notifier->counters();
  CHECK(c.ignored_replies == 5);
  CHECK(c.acked == 1);
}

TEST_CASE("notifier: a late answer to an earlier attempt of the same serial acknowledges it") {
  Fixture f(NotifyTiming{20, 1000, 10});
  f.secondary.behaviour = [](FakeSecondary& s, const Received&) {
    if (s.received.size() == 2) s.reply(s.received[0], answer(s.received[0].wire));
  };
  f.notifier->send(f.task(7));
  REQUIRE(f.run_until_settled());
  CHECK(f.only_status().serial_acked == 7);
  CHECK(f.only_status().attempts >= 2);
  CHECK(f.notifier->counters().ignored_replies == 0);
}

TEST_CASE("notifier: a newer serial replaces an unanswered NOTIFY; answers to the old one are ignored") {
  Fixture f(NotifyTiming{1000, 1000, 10});  // no retry within the test
  f.secondary.behaviour = [](FakeSecondary& s, const Received& r) {
    if (read_notify(r.wire).serial != 2) return;  // serial 1 stays unanswered...
    s.reply(s.received[0], answer(s.received[0].wire));  // ...until serial 2 went out
    s.reply(r, answer(r.wire));
  };
  f.notifier->send(f.task(1));
  REQUIRE(f.loop.run_until([&] { return f.secondary.received.size() == 1; }));
  CHECK(f.only_status().pending);
  f.notifier->send(f.task(2, "EXAMPLE.test"));  // the same zone, however it is spelled
  REQUIRE(f.run_until_settled());

  REQUIRE(f.secondary.received.size() == 2);
  CHECK(read_notify(f.secondary.received[1].wire).serial == 2);
  CHECK(read_notify(f.secondary.received[1].wire).qname == "EXAMPLE.test.");
  REQUIRE(f.settled.size() == 1);
  CHECK(f.settled[0].serial_acked == 2);
  const NotifyPeerStatus s = f.only_status();
  CHECK(s.zone == "example.test.");
  CHECK(s.serial_sent == 2);
  CHECK(s.serial_acked == 2);
  CHECK(s.attempts == 1);
  const NotifyCounters c = f.notifier->counters();
  CHECK(c.superseded == 1);
  CHECK(c.ignored_replies == 1);
  CHECK(c.acked == 1);
  CHECK(c.failed == 0);
}

TEST_CASE("notifier: two zones to one secondary, and two secondaries of one zone, are separate rows") {
  Fixture f(NotifyTiming{20, 1000, 10});
  FakeSecondary second(&f.loop.loop);
  f.secondary.behaviour = [](FakeSecondary& s, const Received& r) {
    if (read_notify(r.wire).qname == "other.test.") s.reply(r, answer(r.wire));
  };
  second.ack_all();
  NotifyTask other = f.task(5, "other.test.");
  f.notifier->send(f.task(5));
  f.notifier->send(other);
  NotifyTask to_second = f.task(5);
  to_second.target = second.address;
  to_second.target_text = second.target_text();
  f.notifier->send(to_second);
  REQUIRE(f.run_until_settled(2));
  CHECK(f.notifier->counters().acked == 2);
  const auto rows = f.notifier->status();
  REQUIRE(rows.size() == 3);
  int pending = 0;
  for (const NotifyPeerStatus& row : rows) pending += row.pending;
  CHECK(pending == 1);  // example.test. at the first secondary, which answers only other.test.
  f.notifier->stop();
  second.close();
  uv_run(&f.loop.loop, UV_RUN_NOWAIT);  // runs the close callbacks before `second` goes
}

TEST_CASE("notifier: a task that cannot be sent settles at once as failed") {
  Fixture f;
  NotifyTask wrong_serial = f.task(9, "a.test.");
  wrong_serial.serial = 10;
  f.notifier->send(wrong_serial);
  f.notifier->send(f.task(9, "bad..name."));
  NotifyTask no_address = f.task(9, "b.test.");
  no_address.target = sockaddr_storage{};
  no_address.target_text = "nowhere";
  f.notifier->send(no_address);

  std::vector<std::string> errors;
  for (const NotifyPeerStatus& s : f.settled) errors.push_back(s.zone + " " + s.last_error);
  CHECK(errors == std::vector<std::string>{"a.test. bad task: SOA rdata has serial 9, not 10",
                                           "bad..name. bad zone name: empty label in name 'bad..name.'",
                                           "b.test. unsupported address family"});
  CHECK(f.notifier->status().size() == 3);
  const NotifyCounters c = f.notifier->counters();
  CHECK(c.failed == 3);
  CHECK(c.sent == 0);
}

TEST_CASE("notifier: stop ends pending NOTIFYs without counting them failed; send after stop is ignored") {
  Fixture f(NotifyTiming{20, 1000, 10});
  f.notifier->send(f.task(3));
  REQUIRE(f.loop.run_until([&] { return !f.secondary.received.empty(); }));
  f.notifier->stop();
  f.notifier->send(f.task(4));
  const NotifyPeerStatus s = f.only_status();
  CHECK_FALSE(s.pending);
  CHECK(s.serial_sent == 3);
  CHECK(s.last_error == "stopped");
  CHECK(f.settled.empty());
  CHECK(f.notifier->counters().failed == 0);
}

TEST_CASE("notifier: status and counters may be read from another thread while NOTIFYs run") {
  Fixture f(NotifyTiming{5, 10, 4});
  std::atomic<bool> done{false};
  std::atomic<size_t> reads{0};
  std::thread reader([&] {
    while (!done) {
      for (const NotifyPeerStatus& s : f.notifier->status()) reads += s.zone.size() > 0;
      reads += f.notifier->counters().sent > 0;
    }
  });
  for (int zone = 0; zone < 20; ++zone) f.notifier->send(f.task(1, "z" + std::to_string(zone) + ".test."));
  const bool settled = f.run_until_settled(20);
  done = true;
  reader.join();
  CHECK(settled);
  CHECK(f.notifier->counters().failed == 20);
}
