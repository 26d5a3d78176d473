// http and https probes against real servers on 127.0.1.x: status codes, body
// substring, Host header and User-Agent, refused, silent (timeout), and TLS
// with and without certificate verification (openssl s_server).
#include <doctest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "health/http_check.h"
#include "tests/unit/health/loopback_backends.h"

using dnsd::health::FailureKind;
using dnsd::test::HttpBackend;
using dnsd::test::run_probe;
namespace zones = dnsd::zones;

extern char** environ;

namespace {

zones::CheckSpec http(uint16_t port, uint32_t timeout_ms = 2000) {
  zones::CheckSpec s;
  s.type = zones::CheckType::Http;
  s.port = port;
  s.path = "/healthz";
  s.timeout_ms = timeout_ms;
  return s;
}

}  // namespace

TEST_CASE("http: status 200 is up, with Host, User-Agent and path as configured") {
  HttpBackend backend("127.0.1.2", 200);
  zones::CheckSpec s = http(backend.port());
  s.host = "www.example.test";
  const auto r = run_probe(s, "127.0.1.2");
  CHECK(r.ok);
  CHECK(r.detail == "HTTP 200");
  const std::string req = backend.last_request();
  CHECK(req.rfind("GET /healthz HTTP/1.1\r\n", 0) == 0);
  CHECK(req.find("Host: www.example.test:" + std::to_string(backend.port()) + "\r\n") != std::string::npos);
  CHECK(req.find(std::string("User-Agent: dnsd/") + DNSD_VERSION + " health-check\r\n") != std::string::npos);
}

TEST_CASE("http: without a host, the Host header is the address") {
  HttpBackend backend("127.0.1.2", 200);
  CHECK(run_probe(http(backend.port()), "127.0.1.2").ok);
  CHECK(backend.last_request().find("Host: 127.0.1.2:") != std::string::npos);
}

TEST_CASE("http: a status outside expect is down, and expect may list several codes") {
  HttpBackend backend("127.0.1.2", 500);
  auto r = run_probe(http(backend.port()), "127.0.1.2");
  CHECK_FALSE(r.ok);
  CHECK(r.failure == FailureKind::Status);
  CHECK(r.detail == "HTTP 500");
  backend.set_status(204);
  zones::CheckSpec s = http(backend.port());
  s.expect = {200, 204};
  CHECK(run_probe(s, "127.0.1.2").ok);
  backend.set_status(301);  // redirects are not followed
  CHECK(run_probe(s, "127.0.1.2").detail == "HTTP 301");
}

TEST_CASE("http: body substring") {
  HttpBackend backend("127.0.1.2", 200, "status: ready\n");
  zones::CheckSpec s = http(backend.port());
  s.body = "ready";
  CHECK(run_probe(s, "127.0.1.2").ok);
  s.body = "healthy";
  const auto r = run_probe(s, "127.0.1.2");
  CHECK(r.failure == FailureKind::Body);
  CHECK(r.detail == "HTTP 200, body lacks \"healthy\"");
}

TEST_CASE("http: refused and silent backends") {
  SUBCASE("nothing listens: refused") {
    const auto r = run_probe(http(dnsd::test::refusing_port("127.0.1.2")), "127.0.1.2");
    CHECK(r.failure == FailureKind::Refused);
    CHECK(r.detail == "connect refused");
  }
  SUBCASE("accepts but never replies: timeout") {
    dnsd::test::SilentListener silent("127.0.1.2");
    const auto r = run_probe(http(silent.port, 300), "127.0.1.2");
    CHECK(r.failure == FailureKind::Timeout);
    CHECK(r.detail == "timeout after 300 ms");
    CHECK(r.latency_us >= 250000);
    CHECK(r.latency_us < 5000000);
  }
}

TEST_CASE("http: probe URLs and verdicts") {
  zones::CheckSpec s = http(8080);
  CHECK(dnsd::health::probe_url(s, "::1") == "http://[::1]:8080/healthz");
  s.type = zones::CheckType::Https;
  s.port = 0;
  s.host = "www.example.test";
  s.path = "";
  CHECK(dnsd::health::probe_url(s, "127.0.1.1") == "https://www.example.test:443/");
  CHECK(dnsd::health::judge_http(s, CURLE_GOT_NOTHING, "", 0, 0, "").detail == "empty reply");
}

namespace {

// openssl s_server -www on 127.0.1.3 with a fresh self-signed certificate.
class TlsBackend {
 public:
  TlsBackend() {
    dir_ = std::filesystem::temp_directory_path() / ("dnsd-tls-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    const std::string key = (dir_ / "key.pem").string(), cert = (dir_ / "cert.pem").string();
    const std::string gen = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
                            "-subj /CN=dnsd-test -keyout " + key + " -out " + cert + " >/dev/null 2>&1";
    if (std::system(gen.c_str()) != 0) throw std::runtime_error("openssl req failed");
    port_ = dnsd::test::refusing_port("127.0.1.3");
    const std::string accept = "127.0.1.3:" + std::to_string(port_);
    const char* argv[] = {"openssl", "s_server", "-quiet", "-www", "-accept", accept.c_str(), "-cert", cert.c_str(),
                          "-key", key.c_str(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    const int rc = posix_spawn(&pid_, "/usr/bin/openssl", &actions, nullptr, const_cast<char**>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("spawn openssl failed");
    // Ready when it accepts connections.
    zones::CheckSpec probe;
    probe.type = zones::CheckType::Tcp;
    probe.port = port_;
    probe.timeout_ms = 500;
    if (!dnsd::test::eventually([&] { return run_probe(probe, "127.0.1.3").ok; }))
      throw std::runtime_error("openssl s_server did not start");
  }
  ~TlsBackend() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    std::filesystem::remove_all(dir_);
  }
  uint16_t port() const { return port_; }

 private:
  std::filesystem::path dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace

TEST_CASE("https: no certificate verification unless tls_verify") {
  TlsBackend tls;
  zones::CheckSpec s = http(tls.port(), 3000);
  s.type = zones::CheckType::Https;
  s.path = "/";
  const auto ok = run_probe(s, "127.0.1.3");
  CHECK_MESSAGE(ok.ok, ok.detail);
  CHECK(ok.detail == "HTTP 200");
  s.tls_verify = true;  // self-signed: must fail
  const auto bad = run_probe(s, "127.0.1.3");
  CHECK_FALSE(bad.ok);
  CHECK_MESSAGE(bad.failure == FailureKind::Tls, bad.detail);
}

namespace {

// An HTTP/1.1 server on 127.0.1.4 that keeps connections open between
// requests (answering each with 200), counting accepts and requests, on its
// own thread. drop_connections() closes the kept ones; stop() also closes the
// listening socket, so connects are refused.
class KeepAliveBackend {
 public:
  KeepAliveBackend() {
    listen_fd_ = dnsd::test::bound_socket(SOCK_STREAM, "127.0.1.4", 0, port_);
    ::listen(listen_fd_, 64);
    thread_ = std::thread([this] { serve(); });
  }
  ~KeepAliveBackend() { stop(); }
  uint16_t port() const { return port_; }
  int accepts() const { return accepts_; }
  int requests() const { return requests_; }
  void drop_connections() {
    drop_ = true;
    if (!dnsd::test::eventually([&] { return !drop_; })) throw std::runtime_error("backend did not drop");
  }
  void stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    thread_.join();
    for (int fd : conns_) ::close(fd);
    ::close(listen_fd_);
  }

 private:
  void serve() {
    std::vector<std::string> pending;
    while (!stop_) {
      if (drop_) {
        for (int fd : conns_) ::close(fd);
        conns_.clear();
        pending.clear();
        drop_ = false;
      }
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (int fd : conns_) fds.push_back({fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
      if (fds[0].revents) {
        const int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) {
          conns_.push_back(c);
          pending.emplace_back();
          ++accepts_;
        }
      }
      for (size_t i = fds.size() - 1; i >= 1; --i) {
        if (!fds[i].revents) continue;
        char buf[4096];
        const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
          ::close(fds[i].fd);
          conns_.erase(conns_.begin() + long(i - 1));
          pending.erase(pending.begin() + long(i - 1));
          continue;
        }
        std::string& request = pending[i - 1];
        request.append(buf, size_t(n));
        for (size_t end; (end = request.find("\r\n\r\n")) != std::string::npos; request.erase(0, end + 4)) {
          ++requests_;
          static const char kReply[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
          (void)::write(fds[i].fd, kReply, sizeof kReply - 1);
        }
      }
    }
  }

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::vector<int> conns_;  // the serving thread's, until stop() has joined it
  std::atomic<bool> stop_{false}, drop_{false};
  std::atomic<int> accepts_{0}, requests_{0};
  std::thread thread_;
};

// Probes through one HttpCheck on one loop, as the prober does, so connections can be kept.
struct ProbeLoop {
  uv_loop_t loop;
  std::unique_ptr<dnsd::health::Check> check;
  ProbeLoop() {
    uv_loop_init(&loop);
    check = dnsd::health::make_check(zones::CheckType::Http, &loop);
  }
  ~ProbeLoop() {
    check->close();
    uv_run(&loop, UV_RUN_DEFAULT);
    check.reset();
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }
  dnsd::health::CheckResult probe(const zones::CheckSpec& spec, const std::string& address) {
    std::optional<dnsd::health::CheckResult> result;
    check->start(spec, address, [&](dnsd::health::CheckResult r) { result = std::move(r); });
    while (!result) uv_run(&loop, UV_RUN_ONCE);
    return *result;
  }
};

}  // namespace

TEST_CASE("http: probes of a target reuse its kept-alive connection; a closed or dead one is noticed") {
  KeepAliveBackend backend;
  ProbeLoop probes;
  const zones::CheckSpec s = http(backend.port());
  for (int i = 0; i < 3; ++i) {
    const auto r = probes.probe(s, "127.0.1.4");
    CHECK_MESSAGE(r.ok, r.detail);
  }
  CHECK(backend.requests() == 3);
  CHECK(backend.accepts() == 1);

  // The server closed the kept connection: the next probe connects anew and passes.
  backend.drop_connections();
  const auto again = probes.probe(s, "127.0.1.4");
  CHECK_MESSAGE(again.ok, again.detail);
  CHECK(backend.accepts() == 2);
  CHECK(backend.requests() == 4);

  // The server is gone: the kept connection is not taken for a live server.
  backend.stop();
  const auto gone = probes.probe(s, "127.0.1.4");
  CHECK_FALSE(gone.ok);
  CHECK(gone.detail == "connect refused");
}
