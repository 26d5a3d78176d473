// The transports' side of dnstap: turning one exchange a worker saw (its
// socket addresses, a coarse clock reading and the bytes) into a record
// pushed to the worker's ring. Never blocks, never allocates.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <span>

#include "dnsd/dnstap/record.h"
#include "dnsd/dnstap/ring.h"
#include "dnsd/dnstap/sink.h"
#include "dnsd/dnstap/writer.h"

namespace dnsd {

/// Pushes an exchange to `ring`: `query` from `client` to `server` (the
/// local address; nullptr: unknown) over `protocol` at `time`, answered
/// with `response` when `responded` (false: only the query is logged, as
/// for a handed-off transfer or NOTIFY). A full ring drops it (counted
/// there). The ring's worker thread only.
void tap_exchange(dnstap::Ring& ring, dnstap::Protocol protocol, const sockaddr* client, const sockaddr* server,
                  const timespec& time, std::span<const uint8_t> query, std::span<const uint8_t> response,
                  bool responded);

/// The dnstap writer for `serve --dnstap`: one ring per worker, identity
/// the NSID when set (else the host name), version "dnsd VERSION", and its
/// messages in the server's log. Not opened or started. Main thread.
std::unique_ptr<dnstap::Writer> make_dnstap_writer(const dnstap::Sink& sink, unsigned workers,
                                                   std::span<const uint8_t> nsid);

}  // namespace dnsd
