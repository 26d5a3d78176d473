#include "dnsd/server/dnstap_tap.h"

#include <unistd.h>

#include <string>

#include "dnsd/server/log.h"

namespace dnsd {

void tap_exchange(dnstap::Ring& ring, dnstap::Protocol protocol, const sockaddr* client, const sockaddr* server,
                  const timespec& time, std::span<const uint8_t> query, std::span<const uint8_t> response,
                  bool responded) {
  dnstap::RecordHeader header;
  header.protocol = protocol;
  header.has_response = responded;
  dnstap::set_endpoints(header, client, server);
  dnstap::set_query_time(header, time);
  if (responded) dnstap::set_response_time(header, time);
  ring.push(header, query, response);
}

std::unique_ptr<dnstap::Writer> make_dnstap_writer(const dnstap::Sink& sink, unsigned workers,
                                                   std::span<const uint8_t> nsid) {
  dnstap::WriterOptions options;
  options.sink = sink;
  options.rings = workers;
  if (!nsid.empty()) {
    options.identity.assign(nsid.begin(), nsid.end());
  } else {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0) options.identity = host;
  }
  options.version = "dnsd " DNSD_VERSION;
  options.log = [](bool error, const std::string& message) {
    if (error) log_error("%s", message.c_str());
    else log_info("%s", message.c_str());
  };
  return std::make_unique<dnstap::Writer>(std::move(options));
}

}  // namespace dnsd
