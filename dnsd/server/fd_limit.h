// The open-file limit a server needs. Debian starts processes with a soft
// RLIMIT_NOFILE of 1,024 and a hard one far higher; dnsd keeps a connection
// per HTTP-checked member, a descriptor per TCP client and per transfer, so
// it raises its soft limit to the hard one at start, as NSD and Knot do.
#pragma once

#include <sys/resource.h>

namespace dnsd {

/// Raises the soft RLIMIT_NOFILE to the hard limit. Returns the soft limit in
/// force afterwards (RLIM_INFINITY when unlimited; the old one when raising
/// failed). Main thread, before threads start.
rlim_t raise_fd_limit();

}  // namespace dnsd
