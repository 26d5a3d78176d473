// One worker's listening TCP socket for one address (SO_REUSEPORT, so each
// worker accepts its own share of connections). New connections are handed to
// the worker's TcpConnections.
#pragma once

#include <uv.h>

#include <string>

#include "dnsd/server/listen_address.h"

namespace dnsd {

class TcpConnections;

/// A listening socket on a worker's loop. Worker thread only (open() may run on
/// the main thread before the worker starts).
class TcpListener {
 public:
  /// Pending connections the kernel queues per socket.
  static constexpr int kBacklog = 128;

  TcpListener(uv_loop_t* loop, TcpConnections& connections, const ListenAddress& address);
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  /// Opens, binds and listens. On failure returns false with `error` set.
  bool open(std::string& error);
  /// Stops accepting and closes the socket (asynchronously).
  void close();

 private:
  static void on_connection(uv_stream_t* server, int status);

  uv_loop_t* loop_;
  TcpConnections& connections_;
  ListenAddress address_;
  uv_tcp_t handle_{};
  bool initialised_ = false;
};

}  // namespace dnsd
