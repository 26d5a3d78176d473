// canonical_compare: RFC 4034 6.1's own example order, and agreement with
// ldns_dname_compare on thousands of random names, high bytes included.
#include <doctest.h>
#include "zones/ldns.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "dnsd/dnssec/canonical_name.h"
#include "zones/name.h"

using dnsd::dnssec::canonical_compare;

namespace {

// Wire name from its labels, left to right (so labels may hold any byte).
std::string wire(const std::vector<std::string>& labels) {
  std::string out;
  for (const std::string& label : labels) {
    out += char(label.size());
    out += label;
  }
  out += '\0';
  return out;
}

std::string lowered(std::string name) {
  for (char& c : name) c = char(dnsd::zones::lower_byte(uint8_t(c)));
  return name;
}

int compare(const std::string& a, const std::string& b) {
  return canonical_compare(reinterpret_cast<const uint8_t*>(a.data()), a.size(),
                           reinterpret_cast<const uint8_t*>(b.data()), b.size());
}

int sign(int value) { return (value > 0) - (value < 0); }

}  // namespace

TEST_CASE("canonical_name: RFC 4034 6.1's example names sort in the RFC's order") {
  const std::vector<std::string> expected = {
      wire({"example"}),
      wire({"a", "example"}),
      wire({"yljkjljk", "a", "example"}),
      lowered(wire({"Z", "a", "example"})),
      lowered(wire({"zABC", "a", "EXAMPLE"})),
      wire({"z", "example"}),
      wire({"\001", "z", "example"}),
      wire({"*", "z", "example"}),
      wire({"\200", "z", "example"}),
  };
  for (size_t i = 0; i < expected.size(); ++i)
    for (size_t j = 0; j < expected.size(); ++j) {
      CAPTURE(i);
      CAPTURE(j);
      CHECK(sign(compare(expected[i], expected[j])) == (i < j ? -1 : i == j ? 0 : 1));
    }
  std::vector<std::string> shuffled = expected;
  std::mt19937 random(4034);
  std::shuffle(shuffled.begin(), shuffled.end(), random);
  std::sort(shuffled.begin(), shuffled.end(), [](const auto& a, const auto& b) { return compare(a, b) < 0; });
  CHECK(shuffled == expected);
}

TEST_CASE("canonical_name: the root sorts before every other name, a name before its descendants") {
  const std::string root = wire({});
  CHECK(compare(root, root) == 0);
  CHECK(compare(root, wire({"a"})) < 0);
  CHECK(compare(wire({"a"}), root) > 0);
  CHECK(compare(wire({"example"}), wire({std::string(1, '\0'), "example"})) < 0);
  CHECK(compare(wire({"ab", "example"}), wire({"a", "example"})) > 0);
  CHECK(compare(wire({"b", "example"}), wire({"a", "b", "example"})) < 0);
}

TEST_CASE("canonical_name: agrees with ldns_dname_compare on random names") {
  std::mt19937 random(6);
  // A small alphabet, so labels often share prefixes and names share suffixes,
  // with both cases, bytes above 0x7f and bytes that sort around the letters.
  std::string alphabet = "aAbBzZ*-09_[`{";
  for (const int high : {0x00, 0x01, 0x7f, 0x80, 0xc3, 0xff}) alphabet += char(high);
  auto random_label = [&] {
    std::string label(1 + random() % 5, ' ');
    for (char& c : label) c = alphabet[random() % alphabet.size()];
    return label;
  };
  auto random_name = [&] {
    std::vector<std::string> labels(random() % 5);
    for (auto& label : labels) label = random_label();
    if (random() % 2) labels.push_back("test");
    return wire(labels);
  };
  auto rdf = [](const std::string& name) {
    return ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, name.size(), name.data());
  };
  std::vector<std::string> names;
  for (int i = 0; i < 3000; ++i) names.push_back(random_name());
  size_t mismatches = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    // Each name against a random one and against its neighbour, which often shares labels.
    for (const std::string& other : {names[random() % names.size()], names[(i + 1) % names.size()]}) {
      ldns_rdf* a = rdf(names[i]);
      ldns_rdf* b = rdf(other);
      const int expected = sign(ldns_dname_compare(a, b));
      ldns_rdf_deep_free(a);
      ldns_rdf_deep_free(b);
      const int actual = sign(compare(lowered(names[i]), lowered(other)));
      if (actual != expected) {
        ++mismatches;
        MESSAGE(dnsd::zones::name_to_text(reinterpret_cast<const uint8_t*>(names[i].data()), names[i].size())
                << " vs " << dnsd::zones::name_to_text(reinterpret_cast<const uint8_t*>(other.data()), other.size())
                << ": ldns " << expected << ", dnsd " << actual);
      }
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("canonical_name: a malformed name compares by the labels it has and reads no further") {
  const std::string good = wire({"a", "example"});
  std::string truncated = good.substr(0, 5);  // "\1a\7exa": the second label runs past the end
  CHECK(compare(truncated, wire({"a"})) == 0);
  CHECK(compare(good, truncated) != 0);
}
