#include "dnsd/server/tcp_listener.h"

#include <sys/socket.h>
#include <unistd.h>

#include "dnsd/server/listen_socket.h"
#include "dnsd/server/tcp_connection.h"

namespace dnsd {

TcpListener::TcpListener(uv_loop_t* loop, TcpConnections& connections, const ListenAddress& address)
    : loop_(loop), connections_(connections), address_(address) {}

bool TcpListener::open(std::string& error) {
  int fd = open_listen_socket(address_, SOCK_STREAM, error);
  if (fd < 0) return false;
  uv_tcp_init(loop_, &handle_);
  handle_.data = this;
  initialised_ = true;
  int rc = uv_tcp_open(&handle_, fd);
  if (rc != 0) {
    ::close(fd);
    error = "tcp " + address_.to_string() + ": uv_tcp_open: " + uv_strerror(rc);
    return false;
  }
  rc = uv_listen(reinterpret_cast<uv_stream_t*>(&handle_), kBacklog, on_connection);
  if (rc != 0) {
    error = "tcp " + address_.to_string() + ": listen: " + uv_strerror(rc);
    return false;
  }
  return true;
}

void TcpListener::close() {
  auto* handle = reinterpret_cast<uv_handle_t*>(&handle_);
  if (initialised_ && !uv_is_closing(handle)) uv_close(handle, nullptr);  // uv_close closes the fd too
}

void TcpListener::on_connection(uv_stream_t* server, int status) {
  if (status < 0) return;  // e.g. EMFILE; libuv retries on the next readiness
  auto* self = static_cast<TcpListener*>(server->data);
  self->connections_.accept(server);
}

}  // namespace dnsd
