// ldns, included so that it cannot redefine bool, true and false. Without a
// stdbool.h seen first, ldns/common.h defines them as macros (true is the int
// 1) even in C++, and a JSON value built from `false` turns into the number 0.
// Include this instead of <ldns/ldns.h>.
#pragma once

#include <stdbool.h>  // defines __bool_true_false_are_defined, so ldns leaves the three words alone
#include <ldns/ldns.h>
