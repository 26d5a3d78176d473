#include "zones/rcode.h"

#include <iterator>

namespace dnsd::zones {

std::string rcode_name(uint16_t rcode) {
  static const char* const kNames[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
                                       "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"};
  if (rcode < std::size(kNames)) return kNames[rcode];
  if (rcode == 16) return "BADVERS";
  if (rcode == 23) return "BADCOOKIE";
  return "RCODE" + std::to_string(rcode);
}

bool rcode_from_text(std::string_view text, uint16_t& rcode) {
  std::string upper(text);
  for (char& c : upper)
    if (c >= 'a' && c <= 'z') c = char(c - 32);
  for (uint16_t n = 0; n <= 23; ++n) {
    const std::string name = rcode_name(n);
    if (name.rfind("RCODE", 0) != 0 && name == upper) {
      rcode = n;
      return true;
    }
  }
  if (upper.size() <= 5 || upper.size() > 9 || upper.rfind("RCODE", 0) != 0) return false;
  unsigned n = 0;
  for (size_t i = 5; i < upper.size(); ++i) {
    if (upper[i] < '0' || upper[i] > '9') return false;
    n = n * 10 + unsigned(upper[i] - '0');
  }
  if (n > 4095) return false;
  rcode = uint16_t(n);
  return true;
}

}  // namespace dnsd::zones
