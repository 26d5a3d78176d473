// DrainTable: one admin atomic per normalised (zone, pool, address), set with and
// without a zone, the listener on change only, sorted overrides, restore and retain,
// and address-wide drains (every pool of every zone, pools bound later included).
#include <doctest.h>

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "health/drain_table.h"

using dnsd::health::AdminOverride;
using dnsd::health::AdminState;
using dnsd::health::DrainTable;
using dnsd::health::MemberAdmin;

namespace {

AdminState state_of(const std::shared_ptr<MemberAdmin>& admin) { return AdminState(admin->state.load()); }

}  // namespace

TEST_CASE("drain table: normalized_zone lowercases and adds the trailing dot") {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {"example.test", "example.test."}, {"Example.TEST.", "example.test."}, {"", "."}, {".", "."}, {"a.b.c", "a.b.c."}};
  for (const Case& c : cases) {
    CAPTURE(c.in);
    CHECK(dnsd::health::normalized_zone(c.in) == c.out);
  }
}

TEST_CASE("drain table: bind returns the same object for the same normalised (zone, pool, address)") {
  struct Case {
    const char* zone;
    const char* pool;
    const char* address;
    const char* same_zone;
    const char* same_address;
  };
  const Case cases[] = {
      {"example.test.", "web", "192.0.2.1", "example.test", "192.0.2.1"},
      {"Example.Test", "web", "192.0.2.1", "EXAMPLE.TEST.", "192.0.2.1"},
      {"example.test.", "web", "2001:DB8:0::1", "example.test.", "2001:db8::1"},
      {"example.test.", "web", "[2001:db8::0:1]", "example.test", "2001:db8::1"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.zone);
    CAPTURE(c.address);
    DrainTable table;
    const auto a = table.bind(c.zone, c.pool, c.address);
    REQUIRE(a != nullptr);
    CHECK(state_of(a) == AdminState::Auto);
    CHECK(table.bind(c.zone, c.pool, c.address) == a);
    CHECK(table.bind(c.same_zone, c.pool, c.same_address) == a);
    CHECK(DrainTable::key(c.zone, c.pool, c.address) == DrainTable::key(c.same_zone, c.pool, c.same_address));
    // Any other component makes another entry.
    CHECK(table.bind("other.test.", c.pool, c.address) != a);
    CHECK(table.bind(c.zone, "api", c.address) != a);
    CHECK(table.bind(c.zone, "WEB", c.address) != a);  // pool names are case-sensitive
    CHECK(table.bind(c.zone, c.pool, "192.0.2.99") != a);
  }
}

TEST_CASE("drain table: set with a zone changes that zone's member; without one, the pool in every zone") {
  DrainTable table;
  const auto a1 = table.bind("a.test.", "web", "192.0.2.1");
  const auto a2 = table.bind("a.test.", "web", "192.0.2.2");
  const auto b1 = table.bind("b.test.", "web", "192.0.2.1");
  const auto b1_api = table.bind("b.test.", "api", "192.0.2.1");

  CHECK(table.set("A.Test", "web", "192.0.2.1", AdminState::Drain) == 1);
  CHECK(state_of(a1) == AdminState::Drain);
  CHECK(state_of(a2) == AdminState::Auto);
  CHECK(state_of(b1) == AdminState::Auto);
  CHECK(state_of(b1_api) == AdminState::Auto);

  CHECK(table.set("", "web", "192.0.2.1", AdminState::Drain) == 2);  // a1 (already) and b1
  CHECK(state_of(a1) == AdminState::Drain);
  CHECK(state_of(b1) == AdminState::Drain);
  CHECK(state_of(b1_api) == AdminState::Auto);
  CHECK(state_of(a2) == AdminState::Auto);

  CHECK(table.set("", "web", "192.0.2.1", AdminState::Auto) == 2);
  CHECK(state_of(a1) == AdminState::Auto);
  CHECK(state_of(b1) == AdminState::Auto);

  // Nothing matches: 0 and nothing changes.
  CHECK(table.set("c.test.", "web", "192.0.2.1", AdminState::Drain) == 0);
  CHECK(table.set("a.test.", "api", "192.0.2.1", AdminState::Drain) == 0);
  CHECK(table.set("", "web", "192.0.2.3", AdminState::Drain) == 0);
  for (const auto& admin : {a1, a2, b1, b1_api}) CHECK(state_of(admin) == AdminState::Auto);
}

TEST_CASE("drain table: set matches the canonical form of an IPv6 address") {
  DrainTable table;
  const auto m = table.bind("example.test.", "web", "2001:db8::1");
  CHECK(table.set("example.test", "web", "2001:DB8:0:0::1", AdminState::Drain) == 1);
  CHECK(state_of(m) == AdminState::Drain);
}

TEST_CASE("drain table: the listener runs only when set() changed something") {
  DrainTable table;
  int calls = 0;
  table.set_listener([&] { ++calls; });
  const auto m = table.bind("example.test.", "web", "192.0.2.1");

  struct Step {
    const char* zone;
    AdminState state;
    size_t matched;
    int calls_after;
  };
  const Step steps[] = {
      {"example.test.", AdminState::Drain, 1, 1},  // Auto -> Drain
      {"example.test.", AdminState::Drain, 1, 1},  // already Drain
      {"", AdminState::Drain, 1, 1},               // already Drain, via every zone
      {"other.test.", AdminState::Auto, 0, 1},     // no match
      {"", AdminState::Auto, 1, 2},                // Drain -> Auto
      {"example.test.", AdminState::Auto, 1, 2},   // already Auto
  };
  for (const Step& s : steps) {
    CHECK(table.set(s.zone, "web", "192.0.2.1", s.state) == s.matched);
    CHECK(calls == s.calls_after);
  }
  CHECK(state_of(m) == AdminState::Auto);

  // restore() seeds state; it is not a change to persist.
  table.restore({"example.test.", "web", "192.0.2.1", AdminState::Drain});
  CHECK(calls == 2);
  CHECK(state_of(m) == AdminState::Drain);
}

TEST_CASE("drain table: overrides lists every non-Auto state, normalised and sorted") {
  DrainTable table;
  table.restore({"B.test", "web", "192.0.2.2", AdminState::Drain});
  table.restore({"a.test.", "web", "2001:DB8::1", AdminState::Drain});
  table.restore({"a.test.", "api", "192.0.2.9", AdminState::Drain});
  table.restore({"a.test.", "web", "192.0.2.1", AdminState::Drain});
  table.restore({"a.test.", "web", "192.0.2.5", AdminState::Auto});  // not an override
  table.bind("a.test.", "web", "192.0.2.0");                         // Auto

  const std::vector<AdminOverride> got = table.overrides();
  struct Want {
    const char* zone;
    const char* pool;
    const char* address;
  };
  const std::vector<Want> want = {
      {"a.test.", "api", "192.0.2.9"},
      {"a.test.", "web", "192.0.2.1"},
      {"a.test.", "web", "2001:db8::1"},
      {"b.test.", "web", "192.0.2.2"},
  };
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].zone == want[i].zone);
    CHECK(got[i].pool == want[i].pool);
    CHECK(got[i].address == want[i].address);
    CHECK(got[i].state == AdminState::Drain);
  }

  table.set("", "web", "192.0.2.1", AdminState::Auto);
  CHECK(table.overrides().size() == 3);
}

TEST_CASE("drain table: a restored state is what a later bind of the member sees") {
  DrainTable table;
  table.restore({"Example.Test", "web", "2001:DB8:0::1", AdminState::Drain});
  const auto m = table.bind("example.test.", "web", "2001:db8::1");
  CHECK(state_of(m) == AdminState::Drain);

  // Restoring an entry that exists updates the same object.
  table.restore({"example.test.", "web", "2001:db8::1", AdminState::Auto});
  CHECK(table.bind("example.test", "web", "2001:db8::1") == m);
  CHECK(state_of(m) == AdminState::Auto);
}

TEST_CASE("drain table: retain drops unused entries only when not bound since the previous retain") {
  DrainTable table;
  const std::string key_a = DrainTable::key("example.test.", "web", "192.0.2.1");
  auto a = table.bind("example.test.", "web", "192.0.2.1");
  auto b = table.bind("example.test.", "web", "192.0.2.2");
  std::weak_ptr<MemberAdmin> weak_b = b;
  table.set("example.test.", "web", "192.0.2.2", AdminState::Drain);
  const std::unordered_set<std::string> used = {key_a};

  // b was bound before this first retain: a load in progress may publish it.
  table.retain(used);
  CHECK(table.bind("example.test.", "web", "192.0.2.1") == a);
  CHECK(table.overrides().size() == 1);
  CHECK(table.set("example.test.", "web", "192.0.2.2", AdminState::Drain) == 1);

  // Not bound since: the next retain forgets it.
  table.retain(used);
  CHECK(table.overrides().empty());
  CHECK(table.set("example.test.", "web", "192.0.2.2", AdminState::Drain) == 0);
  b.reset();
  CHECK(weak_b.expired());  // the table let go of it
  const auto b2 = table.bind("example.test.", "web", "192.0.2.2");
  CHECK(state_of(b2) == AdminState::Auto);  // a fresh entry

  // An entry bound again between retains survives the next one, and only that one.
  table.retain(used);  // b2 was bound since the previous retain: kept
  CHECK(table.bind("example.test.", "web", "192.0.2.2") == b2);  // bound again
  table.retain(used);  // kept again
  CHECK(table.set("", "web", "192.0.2.2", AdminState::Drain) == 1);
  table.retain(used);
  CHECK(table.set("", "web", "192.0.2.2", AdminState::Drain) == 0);

  // A used entry is kept however long ago it was bound.
  for (int i = 0; i < 3; ++i) table.retain(used);
  CHECK(table.bind("example.test", "web", "192.0.2.1") == a);
}

TEST_CASE("drain table: an address drained everywhere covers every pool, and pools bound later") {
  DrainTable table;
  int calls = 0;
  table.set_listener([&] { ++calls; });
  const auto a_web = table.bind("a.test.", "web", "192.0.2.1");
  const auto a_api = table.bind("a.test.", "api", "192.0.2.1");
  const auto b_web = table.bind("b.test.", "web", "192.0.2.1");
  const auto other = table.bind("a.test.", "web", "192.0.2.2");

  CHECK(table.set_address("192.0.2.1", AdminState::Drain) == 3);
  CHECK(calls == 1);
  for (const auto& admin : {a_web, a_api, b_web}) CHECK(state_of(admin) == AdminState::Drain);
  CHECK(state_of(other) == AdminState::Auto);
  CHECK(table.drained_everywhere("192.0.2.1"));
  CHECK_FALSE(table.drained_everywhere("192.0.2.2"));
  CHECK(table.drained_addresses() == std::vector<std::string>{"192.0.2.1"});

  // A pool bound later (a reload adding it) starts drained; other addresses do not.
  const auto c_new = table.bind("c.test.", "new", "192.0.2.1");
  CHECK(state_of(c_new) == AdminState::Drain);
  CHECK(state_of(table.bind("c.test.", "new", "192.0.2.3")) == AdminState::Auto);

  // Again: nothing changes, no listener call.
  CHECK(table.set_address("192.0.2.1", AdminState::Drain) == 4);
  CHECK(calls == 1);

  // The address-wide drain outlives retain, even of entries no zone uses.
  for (int i = 0; i < 3; ++i) table.retain({});
  CHECK(table.drained_everywhere("192.0.2.1"));
  CHECK(state_of(table.bind("d.test.", "web", "192.0.2.1")) == AdminState::Drain);

  // Lifting it sets every entry of the address back to Auto, per-pool drains included.
  table.set("a.test.", "web", "192.0.2.1", AdminState::Drain);
  CHECK(table.set_address("192.0.2.1", AdminState::Auto) == 1);  // only d.test. survived the retains
  CHECK(calls == 2);
  CHECK_FALSE(table.drained_everywhere("192.0.2.1"));
  CHECK(table.drained_addresses().empty());
  CHECK(table.overrides().empty());
  CHECK(state_of(table.bind("e.test.", "web", "192.0.2.1")) == AdminState::Auto);
}

TEST_CASE("drain table: lifting an address-wide drain that holds no entry still counts as a change") {
  DrainTable table;
  int calls = 0;
  table.set_listener([&] { ++calls; });
  CHECK(table.set_address("2001:DB8::1", AdminState::Drain) == 0);
  CHECK(calls == 1);
  CHECK(table.drained_everywhere("2001:db8:0::1"));  // canonical
  CHECK(table.set_address("2001:db8::1", AdminState::Auto) == 0);
  CHECK(calls == 2);
  CHECK(table.set_address("2001:db8::1", AdminState::Auto) == 0);
  CHECK(calls == 2);
}

TEST_CASE("drain table: a restored address-wide drain covers bound and later entries, without the listener") {
  DrainTable table;
  int calls = 0;
  table.set_listener([&] { ++calls; });
  const auto before = table.bind("a.test.", "web", "192.0.2.1");
  table.restore_address("192.0.2.1");
  CHECK(calls == 0);
  CHECK(state_of(before) == AdminState::Drain);
  CHECK(state_of(table.bind("b.test.", "api", "192.0.2.1")) == AdminState::Drain);
  CHECK(table.drained_addresses() == std::vector<std::string>{"192.0.2.1"});
}
