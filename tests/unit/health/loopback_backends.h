// Fake backends on 127.0.1.x for probe and prober tests: a TCP listener that
// never accepts (connections complete in the kernel backlog, nothing is ever
// sent back), a port that refuses, a tiny HTTP server with a settable status,
// a UDP (and TCP) DNS responder with a settable rcode, and a helper that runs one probe
// on a private libuv loop. Every port is chosen by the kernel; every thread
// and process is stopped by the destructor.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "health/check.h"

namespace dnsd::test {

/// Polls `condition` every 5 ms until it holds or `timeout` passes. Returns its last value.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

inline sockaddr_in loopback(const std::string& address, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) throw std::runtime_error("bad address " + address);
  return sa;
}

/// A bound socket of `type` on address:port (0: any free port); its port in `port_out`.
inline int bound_socket(int type, const std::string& address, uint16_t port, uint16_t& port_out) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa = loopback(address, port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    throw std::runtime_error("bind " + address + ":" + std::to_string(port) + " failed");
  }
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  port_out = ntohs(sa.sin_port);
  return fd;
}

/// A listening TCP socket that never accepts: connects succeed (the kernel
/// completes them), requests are never answered.
struct SilentListener {
  int fd = -1;
  uint16_t port = 0;
  explicit SilentListener(const std::string& address, uint16_t wanted_port = 0) {
    fd = bound_socket(SOCK_STREAM, address, wanted_port, port);
    ::listen(fd, 64);
  }
  ~SilentListener() { close(); }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

/// A TCP port on `address` nothing listens on: connects are refused.
inline uint16_t refusing_port(const std::string& address) {
  uint16_t port = 0;
  ::close(bound_socket(SOCK_STREAM, address, 0, port));
  return port;
}

/// Serves every HTTP request with the current status and body, one connection
/// at a time, on its own thread. Remembers the last request's head.
class HttpBackend {
 public:
  HttpBackend(const std::string& address, int status, std::string body = "ok\n", uint16_t port = 0)
      : status_(status), body_(std::move(body)) {
    fd_ = bound_socket(SOCK_STREAM, address, port, port_);
    ::listen(fd_, 64);
    if (::pipe2(stop_pipe_, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    thread_ = std::thread([this] { serve(); });
  }
  ~HttpBackend() { stop(); }

  uint16_t port() const { return port_; }
  void set_status(int status) { status_ = status; }
  std::string last_request() {
    std::lock_guard lock(mutex_);
    return last_request_;
  }
  int requests() const { return requests_; }

  /// Stops serving and closes the listening socket (connects are then refused).
  void stop() {
    if (!thread_.joinable()) return;
    char c = 0;
    (void)::write(stop_pipe_[1], &c, 1);
    thread_.join();
    ::close(fd_);
    ::close(stop_pipe_[0]);
    ::close(stop_pipe_[1]);
  }

 private:
  void serve() {
    while (true) {
      pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents) return;
      const int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      std::string request;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        pollfd p{conn, POLLIN, 0};
        if (::poll(&p, 1, 2000) <= 0) break;
        const ssize_t n = ::read(conn, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, size_t(n));
      }
      {
        std::lock_guard lock(mutex_);
        last_request_ = request;
      }
      ++requests_;
      const std::string response = "HTTP/1.1 " + std::to_string(status_.load()) +
                                   " Test\r\nContent-Type: text/plain\r\nContent-Length: " +
                                   std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
      (void)::write(conn, response.data(), response.size());
      ::close(conn);
    }
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  int stop_pipe_[2] = {-1, -1};
  std::atomic<int> status_;
  std::string body_;
  std::atomic<int> requests_{0};
  std::mutex mutex_;
  std::string last_request_;
  std::thread thread_;
};

/// Answers every UDP DNS query with an empty reply carrying `rcode` (or, when
/// silent, never answers), on its own thread. With `tcp`, it also listens on
/// TCP on the same port and answers one length-framed query per connection the
/// same way; set_truncated makes the UDP (or TCP) replies carry TC=1.
class DnsBackend {
 public:
  DnsBackend(const std::string& address, int rcode, bool tcp = false) : rcode_(rcode) {
    fd_ = bound_socket(SOCK_DGRAM, address, 0, port_);
    if (tcp) {
      uint16_t tcp_port = 0;
      tcp_fd_ = bound_socket(SOCK_STREAM, address, port_, tcp_port);
      ::listen(tcp_fd_, 16);
    }
    if (::pipe2(stop_pipe_, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    thread_ = std::thread([this] { serve(); });
  }
  ~DnsBackend() {
    char c = 0;
    (void)::write(stop_pipe_[1], &c, 1);
    thread_.join();
    ::close(fd_);
    if (tcp_fd_ >= 0) ::close(tcp_fd_);
    ::close(stop_pipe_[0]);
    ::close(stop_pipe_[1]);
  }
  uint16_t port() const { return port_; }
  void set_silent(bool silent) { silent_ = silent; }
  /// Replies over UDP (and, with `over_tcp`, over TCP too) carry TC=1.
  void set_truncated(bool udp, bool over_tcp = false) {
    truncate_udp_ = udp;
    truncate_tcp_ = over_tcp;
  }
  /// The last query received (over either transport), as wire bytes.
  std::vector<uint8_t> last_query() {
    std::lock_guard lock(mutex_);
    return last_query_;
  }
  /// Queries received over TCP so far.
  int tcp_queries() const { return tcp_queries_; }

 private:
  void reply_in_place(uint8_t* buf, bool truncated) {
    buf[2] = uint8_t(buf[2] | 0x80 | (truncated ? 0x02 : 0));  // QR, TC
    buf[3] = uint8_t((buf[3] & 0xF0) | rcode_);              // rcode
  }
  void remember(const uint8_t* data, size_t n) {
    std::lock_guard lock(mutex_);
    last_query_.assign(data, data + n);
  }
  void serve_tcp() {
    const int conn = ::accept4(tcp_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) return;
    std::vector<uint8_t> in;
    uint8_t chunk[512];
    while (true) {
      pollfd p = {conn, POLLIN, 0};
      if (::poll(&p, 1, 2000) <= 0) break;
      const ssize_t n = ::read(conn, chunk, sizeof chunk);
      if (n <= 0) break;
      in.insert(in.end(), chunk, chunk + n);
      if (in.size() >= 2 && in.size() >= 2 + size_t(in[0] << 8 | in[1])) {
        if (in.size() < 14) break;
        remember(in.data() + 2, in.size() - 2);
        ++tcp_queries_;
        if (silent_) break;
        reply_in_place(in.data() + 2, truncate_tcp_);
        (void)::write(conn, in.data(), in.size());
        break;
      }
    }
    ::close(conn);
  }
  void serve() {
    while (true) {
      pollfd fds[3] = {{fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}, {tcp_fd_, POLLIN, 0}};
      if (::poll(fds, tcp_fd_ >= 0 ? 3 : 2, -1) < 0) continue;
      if (fds[1].revents) return;
      if (tcp_fd_ >= 0 && fds[2].revents) serve_tcp();
      if (!fds[0].revents) continue;
      uint8_t buf[512];
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 12) continue;
      remember(buf, size_t(n));
      if (silent_) continue;
      reply_in_place(buf, truncate_udp_);
      ::sendto(fd_, buf, size_t(n), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }
  int fd_ = -1;
  int tcp_fd_ = -1;
  uint16_t port_ = 0;
  int stop_pipe_[2] = {-1, -1};
  int rcode_;
  std::atomic<bool> silent_{false};
  std::atomic<bool> truncate_udp_{false};
  std::atomic<bool> truncate_tcp_{false};
  std::atomic<int> tcp_queries_{0};
  std::mutex mutex_;
  std::vector<uint8_t> last_query_;
  std::thread thread_;
};

/// Runs one probe of `spec` against `address` on a private loop and returns its verdict.
/// Also asserts the interface contract: done is never called inside start().
inline health::CheckResult run_probe(const zones::CheckSpec& spec, const std::string& address) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  auto check = health::make_check(spec.type, &loop);
  if (!check) throw std::runtime_error("no check for this type");
  std::optional<health::CheckResult> result;
  check->start(spec, address, [&](health::CheckResult r) { result = std::move(r); });
  if (result) throw std::runtime_error("done called inside start()");
  while (!result) uv_run(&loop, UV_RUN_ONCE);
  if (check->in_flight() != 0) throw std::runtime_error("probe still in flight after done");
  check->close();
  uv_run(&loop, UV_RUN_DEFAULT);
  check.reset();
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0) throw std::runtime_error("a handle was left open");
  return *result;
}

}  // namespace dnsd::test
