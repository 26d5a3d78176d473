#include "dnsd/xfr/versioner.h"

#include <unordered_map>

#include "dnsd/xfr/serial.h"
#include "dnsd/xfr/version_signer.h"
#include "dnsd/xfr/zone_content.h"
#include "dnsd/xfr/zone_diff.h"

namespace dnsd::xfr {
namespace {

std::shared_ptr<const ZoneHistory> extend(const ZoneHistory& old, std::shared_ptr<const ZoneChange> change,
                                          const HistoryLimits& limits) {
  auto history = std::make_shared<ZoneHistory>();
  history->changes = old.changes;
  history->changes.push_back(std::move(change));
  size_t bytes = history->bytes();
  size_t drop = 0;
  while (drop < history->changes.size() &&
         (history->changes.size() - drop > limits.max_changes || bytes > limits.max_bytes)) {
    bytes -= history->changes[drop]->bytes();
    ++drop;
  }
  history->changes.erase(history->changes.begin(), history->changes.begin() + long(drop));
  return history;
}

}  // namespace

Versioner::Versioner(std::string state_file, HistoryLimits limits, std::function<uint64_t()> wall_ms)
    : store_(std::move(state_file)), limits_(limits), wall_ms_(std::move(wall_ms)) {}

bool Versioner::load(std::string& error) { return store_.load(error); }

bool Versioner::signing_for(const std::shared_ptr<const zones::Zone>& zone, const ZoneVersion* served,
                            Signing& signing, Advance& out) {
  if (!signing_ || !zone->dnssec().enabled) return true;
  std::string error;
  signing.setup = signing_->setup(zone, error);
  if (signing.setup) {
    const dnssec::VersionSignatures* before = served ? served->signatures.get() : nullptr;
    if (before && before->setup && before->zone && before->setup->same_zone_signing(*signing.setup) &&
        served->zone == zone)
      signing.zone = before->zone;
    else
      signing.zone = signing_->zone_signatures(zone, *signing.setup, error);
  }
  if (signing.setup && signing.zone) return true;
  signing = {};  // unsigned until it can be signed: never half a setup
  out.signing_errors.push_back(zone->origin_text() + ": " + error);
  return false;
}

bool Versioner::sign(ZoneVersion& v, const Signing& signing, const ZoneVersion* previous, Advance& out) {
  if (!signing.setup) return true;
  std::string error;
  auto sigs = sign_version(v, signing.zone, *signing.setup, previous, error);
  if (!sigs) {
    out.signing_errors.push_back(v.zone->origin_text() + ": " + error);
    // Served unsigned, and marked so: the next advance sees a change and tries again.
    v.fingerprint = v.fingerprint - epoch_hash(v.signing_epoch) + epoch_hash(0);
    v.signing_epoch = 0;
    return false;
  }
  auto with_setup = std::const_pointer_cast<dnssec::VersionSignatures>(sigs);
  with_setup->setup = signing.setup;
  v.signatures = std::move(sigs);
  return true;
}

uint32_t Versioner::first_serial(uint32_t floor, uint64_t created_ms) const {
  const uint32_t clock = store_.persistent() ? 0 : uint32_t(created_ms / 1000);
  return serial_newer(clock, floor) ? clock : floor;
}

std::shared_ptr<const ZoneVersion> Versioner::next_version(const zones::ZoneSet& set, uint32_t index,
                                                           const health::HealthView& health,
                                                           const std::shared_ptr<const ZoneVersion>& previous,
                                                           const std::string& origin, Advance& out) {
  const auto& zone = set.zone_ptr(index);
  PoolContent pools = select_pool_content(*zone, index, health);
  const uint32_t floor = zone->serial();
  // A held version's serial is the file's, not one that names its content:
  // what follows it continues from the file, with no history from it.
  const std::shared_ptr<const ZoneVersion> served = previous && !previous->held ? previous : nullptr;
  Signing signing;
  if (!signing_for(zone, served.get(), signing, out) && served && served->zone == zone)
    return served;  // keys unavailable: the last good version stays
  const uint64_t epoch = signing.setup ? signing.setup->epoch() : 0;
  if (served && served->zone == zone && served->pools == pools && served->signing_epoch == epoch &&
      !serial_newer(floor, served->serial))
    return served;  // nothing changed

  auto v = std::make_shared<ZoneVersion>();
  v->zone = zone;
  v->pools = std::move(pools);
  v->signing_epoch = epoch;
  v->created_ms = wall_ms_();
  const zones::Record& soa = zone->records(zone->soa())[0];
  const std::span<const uint8_t> file_soa(zone->rdata(soa), soa.rdata_length);
  v->soa_rdata = soa_with_serial(file_soa, 0);

  // Only pool members or signatures changed (a health change, a new window):
  // the fingerprint follows from the members that changed, without walking
  // a zone that may be large. Signatures count by their epoch alone.
  if (served && served->zone == zone && served->pools.rrsets == v->pools.rrsets) {
    const ZoneChange members = diff_pool_members(*served, *v);
    v->fingerprint = served->fingerprint - epoch_hash(served->signing_epoch) + epoch_hash(epoch);
    RecordView r;
    for (RecordList::Cursor c(members.removed); c.next(r);) v->fingerprint -= record_hash(r);
    for (RecordList::Cursor c(members.added); c.next(r);) v->fingerprint += record_hash(r);
  } else {
    v->fingerprint = content_fingerprint(*v);
  }

  // Where the serial continues from: the version served before, or what the
  // state file says was served (by a previous run, or before a hold).
  const uint32_t clock = store_.persistent() ? 0 : uint32_t(v->created_ms / 1000);
  std::optional<ServedSerial> before;
  if (served) before = ServedSerial{served->serial, served->fingerprint};
  else before = store_.find(origin);

  if (!before) v->serial = first_serial(floor, v->created_ms);  // first time this zone is served
  else if (before->fingerprint == v->fingerprint && !serial_newer(floor, before->serial)) v->serial = before->serial;
  else v->serial = next_serial(before->serial, floor, clock);
  v->soa_rdata = soa_with_serial(file_soa, v->serial);
  if (!sign(*v, signing, served.get(), out) && served && served->zone == zone) return served;

  if (served && served->serial != v->serial) {
    auto change = std::make_shared<ZoneChange>(diff_versions(*served, *v));
    change->to_serial = v->serial;
    change->to_soa_rdata = v->soa_rdata;
    v->history = extend(*served->history, std::move(change), limits_);
  } else {
    v->history = served ? served->history : std::make_shared<const ZoneHistory>();
  }
  return v;
}

std::shared_ptr<const ZoneVersion> Versioner::held_version(const zones::ZoneSet& set, uint32_t index,
                                                           const health::HealthView& health,
                                                           const std::shared_ptr<const ZoneVersion>& previous,
                                                           const std::string& origin, Advance& out) {
  if (previous && !previous->held) return previous;  // saved, and what secondaries may have: keep it
  const auto& zone = set.zone_ptr(index);
  Signing signing;
  signing_for(zone, nullptr, signing, out);
  auto v = std::make_shared<ZoneVersion>();
  v->zone = zone;
  v->pools = select_pool_content(*zone, index, health);
  v->signing_epoch = signing.setup ? signing.setup->epoch() : 0;
  v->created_ms = wall_ms_();
  v->fingerprint = content_fingerprint(*v);
  const std::optional<ServedSerial> saved = store_.find_saved(origin);
  v->serial = saved ? saved->serial : first_serial(zone->serial(), v->created_ms);
  const zones::Record& soa = zone->records(zone->soa())[0];
  v->soa_rdata = soa_with_serial(std::span<const uint8_t>(zone->rdata(soa), soa.rdata_length), v->serial);
  v->history = std::make_shared<const ZoneHistory>();
  v->held = true;
  sign(*v, signing, nullptr, out);
  return v;
}

Advance Versioner::advance(const zones::ZoneSet& set, const health::HealthView& health, const Snapshot* previous,
                           bool commit) {
  std::unordered_map<std::string, std::shared_ptr<const ZoneVersion>> before;
  if (previous)
    for (size_t i = 0; i < previous->zones->size(); ++i)
      before[zones::lower_text(previous->zones->zone(uint32_t(i)).origin_text())] = previous->versions[i];

  Advance out;
  std::vector<std::shared_ptr<const ZoneVersion>> priors;
  std::vector<std::string> origins;
  std::vector<uint32_t> unsaved;  // zones whose serial the file does not hold yet
  for (uint32_t i = 0; i < set.size(); ++i) {
    const std::string origin = zones::lower_text(set.zone(i).origin_text());
    const auto it = before.find(origin);
    priors.push_back(it == before.end() ? nullptr : it->second);
    auto v = next_version(set, i, health, priors.back(), origin, out);
    if (commit && store_.set(origin, {v->serial, v->fingerprint})) unsaved.push_back(i);
    out.versions.push_back(std::move(v));
    origins.push_back(origin);
  }
  if (commit && !store_.save(out.error)) {
    store_.discard();
    out.error += "; " + std::to_string(unsaved.size()) + " zone" + (unsaved.size() == 1 ? "" : "s") +
                 " held at the serial the file has";
    for (const uint32_t i : unsaved) out.versions[i] = held_version(set, i, health, priors[i], origins[i], out);
    out.held = std::move(unsaved);
  }
  for (uint32_t i = 0; i < set.size(); ++i)
    if (!priors[i] || priors[i]->serial != out.versions[i]->serial) out.changed.push_back(i);
  return out;
}

}  // namespace dnsd::xfr
