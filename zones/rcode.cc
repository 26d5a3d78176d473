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

}  // namespace dnsd::zones
