#include "dnsd/control/history_report.h"

#include <algorithm>
#include <cmath>

#include "dnsd/control/iso_time.h"
#include "health/check.h"
#include "health/drain_table.h"
#include "health/member_status.h"

namespace dnsd {

using nlohmann::json;

namespace {

json text_or_null(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

/// Milliseconds rounded to 0.1, to keep the payload short.
double tenth_ms(uint64_t us) { return std::round(double(us) / 100.0) / 10.0; }

/// A stretch of wall-clock time with one displayed state.
struct Span {
  uint64_t start = 0, end = 0;
  std::string state;
};

/// Drained stretches of one member within [from, now] (wall clock), from the
/// drain events in order and whether it is drained now.
std::vector<std::pair<uint64_t, uint64_t>> drained_spans(const std::vector<health::Event>& events,
                                                         const health::TargetRef& ref, uint64_t from, uint64_t now,
                                                         bool drained_now) {
  std::vector<std::pair<uint64_t, bool>> toggles;
  for (const health::Event& e : events) {
    if (e.kind != health::EventKind::MemberDrained && e.kind != health::EventKind::MemberUndrained) continue;
    // An event without a pool is an address-wide drain: it covers every pool.
    if (!e.pool.empty() && e.pool != ref.pool) continue;
    if (health::canonical_address(e.member) != health::canonical_address(ref.member)) continue;
    if (!e.zone.empty() && health::normalized_zone(e.zone) != ref.zone) continue;
    toggles.emplace_back(e.at_ms, e.kind == health::EventKind::MemberDrained);
  }
  // Before the first toggle the member was in the opposite state; with none, as now.
  bool drained = toggles.empty() ? drained_now : !toggles.front().second;
  uint64_t since = from;
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (const auto& [at, to] : toggles) {
    if (to == drained) continue;
    if (drained && at > since) out.emplace_back(since, std::min(at, now));
    drained = to;
    since = std::max(at, from);
  }
  if (drained && now > since) out.emplace_back(since, now);
  return out;
}

/// `health` segments with the drained stretches cut out of them and shown as "drained".
std::vector<Span> overlay(const std::vector<Span>& health, const std::vector<std::pair<uint64_t, uint64_t>>& drained) {
  std::vector<Span> out;
  for (const Span& s : health) {
    uint64_t at = s.start;
    for (const auto& [ds, de] : drained) {
      if (de <= at || ds >= s.end) continue;
      if (ds > at) out.push_back({at, ds, s.state});
      out.push_back({std::max(ds, at), std::min(de, s.end), "drained"});
      at = std::min(de, s.end);
    }
    if (at < s.end) out.push_back({at, s.end, s.state});
  }
  // Merge neighbours in the same state.
  std::vector<Span> merged;
  for (const Span& s : out) {
    if (!merged.empty() && merged.back().state == s.state && merged.back().end == s.start) merged.back().end = s.end;
    else merged.push_back(s);
  }
  return merged;
}

}  // namespace

json event_json(const health::Event& e) {
  return json{{"id", e.id},
              {"at", iso_time(e.at_ms)},
              {"at_ms", e.at_ms},
              {"kind", health::event_kind_name(e.kind)},
              {"zone", text_or_null(e.zone)},
              {"pool", text_or_null(e.pool)},
              {"member", text_or_null(e.member)},
              {"from", text_or_null(e.from)},
              {"to", text_or_null(e.to)},
              {"reason", e.reason},
              {"latency_ms", e.latency_ms ? json(*e.latency_ms) : json(nullptr)}};
}

json events_json(const std::vector<health::Event>& events, uint64_t last_id) {
  json list = json::array();
  for (const health::Event& e : events) list.push_back(event_json(e));
  return json{{"last_id", last_id}, {"events", list}};
}

bool parse_history_query(const std::string& window, const std::string& zone, const std::string& pool,
                         HistoryQuery& out, std::string& error) {
  out = HistoryQuery{};
  if (!window.empty()) {
    char* end = nullptr;
    const unsigned long long seconds = std::strtoull(window.c_str(), &end, 10);
    if (end == window.c_str() || *end != '\0' || seconds < 10 || seconds > 900) {
      error = "query parameter 'window' must be a number of seconds from 10 to 900, not '" + window + "'";
      return false;
    }
    out.window_ms = seconds * 1000;
  }
  out.zone = zone.empty() ? "" : health::normalized_zone(zone);
  out.pool = pool;
  return true;
}

json history_json(const health::HistorySnapshot& history, const std::vector<health::Event>& events,
                  uint64_t wall_now_ms, const HistoryQuery& query) {
  const uint64_t now = history.now_ms;
  const uint64_t window = query.window_ms;
  // Whole buckets: the window starts at a bucket boundary on the table's clock.
  const uint64_t bucket = health::kHistoryBucketMs;
  const uint64_t first_bucket = now > window ? (now - window) / bucket * bucket : 0;
  const uint64_t buckets = (now - first_bucket) / bucket + 1;
  const uint64_t from = now > window ? now - window : 0;
  auto wall = [&](uint64_t t) { return wall_now_ms - (now - std::min(t, now)); };

  json members = json::array();
  for (const health::TargetHistoryCopy& t : history.targets) {
    const bool checked = t.check.type != zones::CheckType::None;
    // Per-bucket latency of the successful probes and count of failed ones,
    // shared by every member using the target; null when the window has none.
    json latency = nullptr;
    json failures = nullptr;
    std::string last_failure;
    if (checked) {
      std::vector<const health::ProbeBucket*> slots(buckets, nullptr);
      for (const health::ProbeBucket& b : t.history.buckets())
        if (b.start_ms >= first_bucket) slots[std::min<uint64_t>((b.start_ms - first_bucket) / bucket, buckets - 1)] = &b;
      json lat = json::array(), fail = json::array();
      bool any_latency = false, any_failure = false;
      for (uint64_t i = 0; i < buckets; ++i) {
        const health::ProbeBucket* b = slots[i];
        const bool ok = b && b->probes > b->failures;
        lat.push_back(ok ? json(tenth_ms(b->mean_latency_us())) : json(nullptr));
        fail.push_back(b ? b->failures : 0);
        any_latency |= ok;
        if (b && b->failures) {
          any_failure = true;
          last_failure = health::failure_kind_name(b->last_failure);
        }
      }
      if (any_latency) latency = std::move(lat);
      if (any_failure) failures = std::move(fail);
    }
    std::vector<Span> health_spans;
    for (const health::StateSegment& s : health::segments(t.history.marks(), from, now))
      health_spans.push_back({wall(s.start_ms), wall(s.end_ms), checked ? health::state_name(s.state) : "unchecked"});
    for (const health::TargetRef& ref : t.refs) {
      if (!query.zone.empty() && ref.zone != query.zone) continue;
      if (!query.pool.empty() && ref.pool != query.pool) continue;
      const bool drained_now = ref.drained_in_zone || ref.admin == health::AdminState::Drain;
      json segments = json::array();
      for (const Span& s : overlay(health_spans, drained_spans(events, ref, wall(from), wall_now_ms, drained_now)))
        segments.push_back({{"state", s.state}, {"start_ms", s.start}, {"end_ms", s.end}});
      members.push_back({{"zone", ref.zone},
                         {"pool", ref.pool},
                         {"member", ref.member},
                         {"checked", checked},
                         {"state", checked ? health::state_name(t.state) : "unchecked"},
                         {"drained", drained_now},
                         {"segments", std::move(segments)},
                         {"latency_ms", latency},
                         {"failures", failures},
                         {"last_failure", text_or_null(last_failure)}});
    }
  }
  std::sort(members.begin(), members.end(), [](const json& a, const json& b) {
    return std::tie(a["zone"].get_ref<const std::string&>(), a["pool"].get_ref<const std::string&>(),
                    a["member"].get_ref<const std::string&>()) <
           std::tie(b["zone"].get_ref<const std::string&>(), b["pool"].get_ref<const std::string&>(),
                    b["member"].get_ref<const std::string&>());
  });
  return json{{"now", iso_time(wall_now_ms)},
              {"now_ms", wall_now_ms},
              {"from_ms", wall(from)},
              {"window_s", window / 1000},
              {"bucket_ms", bucket},
              {"first_bucket_ms", wall(first_bucket)},
              {"members", std::move(members)}};
}

}  // namespace dnsd
