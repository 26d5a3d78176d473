// When each kept-alive probe connection was opened, so the http check can
// close a connection once it is old and make the next probe open a fresh one:
// keep-alive makes a probe cheap, and a fresh connection now and then still
// proves the server accepts new ones. Pure bookkeeping on caller-given times.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace dnsd::health {

/// Opening times of connections, by a key naming what a connection is reused
/// for (scheme, host, connect address, TLS settings). One thread only (the
/// prober's); no I/O.
class ConnectionAges {
 public:
  /// Connections are due for closing once they are `max_age_ms` old. Keys not
  /// renewed for `forget_after_ms` (longer than any connection stays idle in
  /// curl's cache, plus max_age_ms) are forgotten.
  ConnectionAges(uint64_t max_age_ms, uint64_t forget_after_ms)
      : max_age_ms_(max_age_ms), forget_after_ms_(forget_after_ms) {}

  /// Records that a probe for `key` opened a new connection at `now_ms`.
  void opened(const std::string& key, uint64_t now_ms);

  /// Whether the connection for `key` should close after the probe starting
  /// at `now_ms`: it was opened at least max_age(key) ago. Says so once, then
  /// counts the age from now, so the probe after it (which connects anew)
  /// does not close its fresh connection too. False for a key never recorded
  /// (its probe opens a new connection anyway). Also forgets, at most
  /// once per max age, keys older than forget_after_ms, so targets that went
  /// away cost nothing.
  bool due(const std::string& key, uint64_t now_ms);

  /// The age at which `key`'s connection is due: between max_age_ms / 2 and
  /// max_age_ms, fixed per key, so connections opened together are not all
  /// renewed together.
  uint64_t max_age(const std::string& key) const;

  /// Keys remembered (for tests).
  size_t size() const { return opened_at_.size(); }

 private:
  uint64_t max_age_ms_;
  uint64_t forget_after_ms_;
  uint64_t last_sweep_ms_ = 0;
  std::unordered_map<std::string, uint64_t> opened_at_;
};

}  // namespace dnsd::health
