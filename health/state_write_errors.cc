#include "health/state_write_errors.h"

#include <algorithm>

#include "health/status_report.h"

namespace dnsd::health {

StateWriteErrors::StateWriteErrors(Log log, std::function<uint64_t()> wall_ms)
    : log_(std::move(log)), wall_ms_(wall_ms ? std::move(wall_ms) : wall_clock_ms) {}

StateWriteErrors::Entry& StateWriteErrors::entry_locked(std::string_view file) {
  auto it = entries_.find(file);
  if (it == entries_.end()) {
    it = entries_.emplace(std::string(file), Entry{}).first;
    it->second.status.file = std::string(file);
  }
  return it->second;
}

void StateWriteErrors::failed(std::string_view file, const std::string& error) {
  std::string line;
  {
    std::lock_guard lock(mutex_);
    const uint64_t now = wall_ms_();
    Entry& e = entry_locked(file);
    ++e.status.errors;
    e.status.last_error = error;
    e.status.last_error_ms = now;
    e.status.failing = true;
    ++e.streak;
    const bool first = e.streak == 1;
    if (!first && now - e.logged_ms < kStateWriteLogIntervalMs) {
      ++e.unlogged;
      return;
    }
    line = "state: cannot write " + std::string(file) + ": " + error;
    if (e.unlogged > 0)
      line += " (" + std::to_string(e.unlogged) + " more failed write" + (e.unlogged == 1 ? "" : "s") +
              " since the last message)";
    if (first) line += "; serving goes on, and the write is retried";
    e.logged_ms = now;
    e.unlogged = 0;
  }
  if (log_) log_(true, line);
}

void StateWriteErrors::succeeded(std::string_view file) {
  std::string line;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(file);
    if (it == entries_.end() || !it->second.status.failing) return;
    Entry& e = it->second;
    line = "state: " + std::string(file) + " written again after " + std::to_string(e.streak) + " failed write" +
           (e.streak == 1 ? "" : "s");
    e.status.failing = false;
    e.streak = 0;
    e.unlogged = 0;
  }
  if (log_) log_(false, line);
}

std::vector<StateWriteStatus> StateWriteErrors::status() const {
  std::vector<StateWriteStatus> out;
  std::lock_guard lock(mutex_);
  for (std::string_view file : kStateFiles) {
    auto it = entries_.find(file);
    if (it != entries_.end()) {
      out.push_back(it->second.status);
    } else {
      StateWriteStatus s;
      s.file = std::string(file);
      out.push_back(std::move(s));
    }
  }
  for (const auto& [file, e] : entries_)
    if (std::find(std::begin(kStateFiles), std::end(kStateFiles), file) == std::end(kStateFiles))
      out.push_back(e.status);
  return out;
}

}  // namespace dnsd::health
