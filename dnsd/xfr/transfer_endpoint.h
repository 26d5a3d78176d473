// Answers what the query path hands off (QueryAction::Handoff): zone
// transfers (AXFR, IXFR) and TSIG-signed messages. Checks the zone's
// transfer policy (source address, TSIG key), verifies and signs TSIG
// (RFC 8945), and returns the response as a stream of messages: one for
// everything but a transfer over TCP.
//
// Rcodes: a zone without a "transfer" object or a source outside
// transfer.allow gets REFUSED; a name that is not the apex of one of our
// zones gets NOTAUTH; a zone that requires TSIG answers an unsigned request
// or one signed with another key with NOTAUTH; a request signed with a key
// we do not know or a bad MAC gets NOTAUTH with the TSIG error (BADKEY,
// BADSIG) and an unsigned TSIG, a stale time NOTAUTH with BADTIME, signed.
// AXFR over UDP gets FORMERR. IXFR is never answered NOTIMP: when the
// history does not reach the requester's serial it gets the whole zone.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "dnsd/query/query.h"
#include "dnsd/query/snapshot.h"
#include "dnsd/xfr/response_stream.h"
#include "dnsd/xfr/transfer_log.h"
#include "dnsd/xfr/tsig_keyring.h"

namespace dnsd::xfr {

/// Shared by every worker; immutable but for its log.
class TransferEndpoint {
 public:
  /// `keys` may be empty. `wall_ms` is the clock (TSIG time, status).
  TransferEndpoint(std::shared_ptr<const TsigKeyring> keys, std::function<uint64_t()> wall_ms);

  /// The response to `query` from `peer` over `transport`, answered from
  /// `snapshot` (and `rotation` for a signed ordinary query). Never null:
  /// a message that cannot be answered at all gets an empty stream. For
  /// UDP the stream has one message of at most the requester's size. Any
  /// worker thread; allocates.
  std::unique_ptr<ResponseStream> respond(std::span<const uint8_t> query, const sockaddr* peer, Transport transport,
                                          const Snapshot& snapshot, RotationState& rotation);

  TransferLog& log() { return log_; }
  const TransferLog& log() const { return log_; }
  const TsigKeyring& keys() const { return *keys_; }

 private:
  struct Request;
  std::unique_ptr<ResponseStream> transfer(const Request& request, const Snapshot& snapshot);
  std::unique_ptr<ResponseStream> ixfr(const Request& request, const std::shared_ptr<const ZoneVersion>& version,
                                       const std::string& zone_name);

  std::shared_ptr<const TsigKeyring> keys_;
  std::function<uint64_t()> wall_ms_;
  TransferLog log_;
};

}  // namespace dnsd::xfr
