#include "health/exec_check.h"

#include <csignal>

namespace dnsd::health {

namespace {

// Output kept for the reason text; the rest is read and dropped.
constexpr size_t kOutputLimit = 1024;
// After the command exits, how long to wait for the rest of its output.
constexpr uint32_t kOutputGraceMs = 50;

class ExecProbe : public ProbeSession {
 public:
  ExecProbe(SessionCheck& owner, uint32_t timeout_ms, Check::Done done)
      : ProbeSession(owner, timeout_ms, std::move(done)) {}

  void begin(const std::string& command) {
    uv_pipe_init(loop(), &pipe_, 0);
    pipe_.data = this;
    pipe_open_ = true;
    // "exec 2>&1" first: stderr joins stdout, so one pipe captures the reason.
    script_ = "exec 2>&1 </dev/null\n" + command;
    char* args[] = {const_cast<char*>("/bin/sh"), const_cast<char*>("-c"), script_.data(), nullptr};
    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = uv_stdio_flags(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    stdio[1].data.stream = reinterpret_cast<uv_stream_t*>(&pipe_);
    stdio[2].flags = UV_IGNORE;
    uv_process_options_t options{};
    options.exit_cb = exited_cb;
    options.file = "/bin/sh";
    options.args = args;
    options.stdio = stdio;
    options.stdio_count = 3;
    options.flags = UV_PROCESS_DETACHED;  // own session and process group: kill(-pid) reaches its children
    process_.data = this;
    arm_timeout();
    const int rc = uv_spawn(loop(), &process_, &options);
    process_open_ = true;  // initialised even when uv_spawn fails, and must be closed
    if (rc != 0) {
      fail(FailureKind::Config, std::string("spawn: ") + uv_strerror(rc));
      return;
    }
    running_ = true;
    uv_read_start(reinterpret_cast<uv_stream_t*>(&pipe_), alloc_cb, read_cb);
  }

  void cancel() override {
    if (!running_) {
      ProbeSession::cancel();
      return;
    }
    pending_ = CheckResult::failed(FailureKind::Cancelled, "cancelled");
    kill_group();
  }

 private:
  void on_timeout() override {
    if (!running_) {
      if (exited_) finish_exited();  // output grace over
      return;
    }
    pending_ = CheckResult::failed(FailureKind::Timeout, "timeout after " + std::to_string(timeout_ms()) + " ms");
    kill_group();
  }

  void kill_group() {
    if (!killed_) uv_kill(-process_.pid, SIGKILL);
    killed_ = true;
  }

  static void exited_cb(uv_process_t* process, int64_t status, int signal) {
    auto* self = static_cast<ExecProbe*>(process->data);
    self->running_ = false;
    self->exited_ = true;
    self->exit_status_ = status;
    self->exit_signal_ = signal;
    if (self->pending_.failure != FailureKind::None) {
      self->finish(self->pending_);  // killed at timeout or cancel
    } else if (self->eof_) {
      self->finish_exited();
    } else {
      self->arm_timeout(kOutputGraceMs);  // let the last output arrive
    }
  }

  void finish_exited() {
    const std::string line = first_line(output_);
    if (exit_signal_ != 0) {
      fail(FailureKind::Exit, "killed by signal " + std::to_string(exit_signal_));
    } else if (exit_status_ == 0) {
      finish(CheckResult::success(line.empty() ? "exit 0" : "exit 0: " + line));
    } else {
      fail(FailureKind::Exit, "exit " + std::to_string(exit_status_) + (line.empty() ? "" : ": " + line));
    }
  }

  static void alloc_cb(uv_handle_t* handle, size_t, uv_buf_t* buf) {
    auto* self = static_cast<ExecProbe*>(handle->data);
    *buf = uv_buf_init(self->read_buffer_, sizeof self->read_buffer_);
  }

  static void read_cb(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
    auto* self = static_cast<ExecProbe*>(stream->data);
    if (nread > 0) {
      const size_t room = kOutputLimit - std::min(kOutputLimit, self->output_.size());
      self->output_.append(buf->base, std::min(size_t(nread), room));
      return;
    }
    if (nread < 0) {
      self->eof_ = true;
      uv_read_stop(stream);
      if (self->exited_ && !self->finished() && self->pending_.failure == FailureKind::None) self->finish_exited();
    }
  }

  void close_io() override {
    if (pipe_open_) close_handle(reinterpret_cast<uv_handle_t*>(&pipe_));
    // The process handle is closed only once the child has exited (or never
    // started), so libuv has reaped it and no zombie is left.
    if (process_open_) close_handle(reinterpret_cast<uv_handle_t*>(&process_));
  }

  uv_process_t process_;
  uv_pipe_t pipe_;
  bool pipe_open_ = false;
  bool process_open_ = false;
  bool running_ = false;
  bool exited_ = false;
  bool eof_ = false;
  bool killed_ = false;
  int64_t exit_status_ = 0;
  int exit_signal_ = 0;
  CheckResult pending_;  // failure decided before the exit (timeout, cancel); None while there is none
  std::string script_;
  std::string output_;
  char read_buffer_[512];
};

}  // namespace

std::string substitute_command(const std::string& command, const std::string& address, uint16_t port) {
  std::string out;
  for (size_t i = 0; i < command.size();) {
    if (command.compare(i, 9, "{address}") == 0) {
      out += address;
      i += 9;
    } else if (command.compare(i, 6, "{port}") == 0) {
      out += std::to_string(port);
      i += 6;
    } else {
      out += command[i++];
    }
  }
  return out;
}

std::string first_line(const std::string& output) {
  size_t pos = 0;
  while (pos < output.size()) {
    size_t end = output.find('\n', pos);
    if (end == std::string::npos) end = output.size();
    size_t b = pos, e = end;
    while (b < e && (output[b] == ' ' || output[b] == '\t' || output[b] == '\r')) ++b;
    while (e > b && (output[e - 1] == ' ' || output[e - 1] == '\t' || output[e - 1] == '\r')) --e;
    if (e > b) return output.substr(b, std::min<size_t>(e - b, 200));
    pos = end + 1;
  }
  return "";
}

void ExecCheck::start(const zones::CheckSpec& spec, const std::string& address, Done done) {
  auto* probe = new ExecProbe(*this, spec.timeout_ms, std::move(done));
  probe->begin(substitute_command(spec.command, address, effective_port(spec)));
}

}  // namespace dnsd::health
