// Names written as text in zone unit tests: "www.example.test." to wire form.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "zones/name.h"

namespace dnsd::zones::testing {

/// The wire form of an absolute name; fails the test when `text` is not a
/// name. Test thread.
inline Name N(const std::string& text) {
  Name out;
  std::string error;
  REQUIRE_MESSAGE(name_from_text(text, root_name(), out, error), error);
  return out;
}

}  // namespace dnsd::zones::testing
