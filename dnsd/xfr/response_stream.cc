#include "dnsd/xfr/response_stream.h"

#include <utility>

#include "dnsd/query/packet_writer.h"
#include "dnsd/xfr/zone_content.h"

namespace dnsd::xfr {
namespace {
constexpr uint16_t kClassIn = 1;
}

bool SingleMessage::next(std::vector<uint8_t>& message) {
  if (sent_) return false;
  sent_ = true;
  message = std::move(message_);
  return true;
}

/// One part of a transfer: a single SOA, the zone walk, or a record list.
struct TransferStream::Part {
  enum class Kind { Soa, Zone, Records } kind;
  std::vector<uint8_t> soa_rdata;
  bool soa_done = false;
  std::unique_ptr<ZoneWalker> walker;
  std::shared_ptr<const ZoneChange> owner;
  std::unique_ptr<RecordList::Cursor> cursor;
};

TransferStream::TransferStream(ResponseHeader header, std::shared_ptr<const ZoneVersion> version,
                               MessageSigner signer)
    : header_(std::move(header)), version_(std::move(version)), signer_(std::move(signer)) {}

TransferStream::~TransferStream() = default;

void TransferStream::add_soa(std::vector<uint8_t> rdata) {
  auto p = std::make_unique<Part>();
  p->kind = Part::Kind::Soa;
  p->soa_rdata = std::move(rdata);
  parts_.push_back(std::move(p));
}

void TransferStream::add_zone() {
  auto p = std::make_unique<Part>();
  p->kind = Part::Kind::Zone;
  p->walker = std::make_unique<ZoneWalker>(*version_);
  parts_.push_back(std::move(p));
}

void TransferStream::add_records(std::shared_ptr<const ZoneChange> owner, const RecordList& list) {
  auto p = std::make_unique<Part>();
  p->kind = Part::Kind::Records;
  p->owner = std::move(owner);
  p->cursor = std::make_unique<RecordList::Cursor>(list);
  parts_.push_back(std::move(p));
}

bool TransferStream::fetch(RecordView& r) {
  const zones::Zone& zone = *version_->zone;
  for (; part_ < parts_.size(); ++part_) {
    Part& p = *parts_[part_];
    switch (p.kind) {
      case Part::Kind::Soa:
        if (p.soa_done) continue;
        p.soa_done = true;
        r.owner = zone.origin();
        r.owner_length = uint8_t(zone.origin_length());
        r.type = zones::rrtype::SOA;
        r.ttl = zone.soa().ttl;
        r.rdata = p.soa_rdata.data();
        r.rdata_length = uint16_t(p.soa_rdata.size());
        r.name_at[0] = zone.records(zone.soa())[0].name_at[0];
        r.name_at[1] = zone.records(zone.soa())[0].name_at[1];
        return true;
      case Part::Kind::Zone:
        if (p.walker->next(r)) return true;
        continue;
      case Part::Kind::Records:
        if (p.cursor->next(r)) return true;
        continue;
    }
  }
  return false;
}

bool TransferStream::next(std::vector<uint8_t>& message) {
  if (done_) {
    if (on_finished_) std::exchange(on_finished_, nullptr)(bytes_);
    return false;
  }
  message.resize(header_.max_message);
  PacketWriter w(message.data(), header_.max_message - (header_.edns ? 11 : 0));
  const bool first = messages_ == 0;
  // QR and AA; opcode QUERY; the question in the first message only (RFC 5936 2.2).
  if (!w.start(header_.id, 0x84, 0, first ? header_.question.data() : nullptr, first ? header_.question.size() : 0)) {
    failed_ = done_ = true;
    return false;
  }
  size_t written = 0;
  for (;;) {
    RecordView r;
    if (pending_valid_) r = pending_, pending_valid_ = false;
    else if (!fetch(r)) {
      done_ = true;
      break;
    }
    if (!w.add_record(Section::Answer, r.owner, r.owner_length, r.type, kClassIn, r.ttl, r.rdata, r.rdata_length,
                      r.name_at)) {
      if (written == 0) {  // larger than a whole message: cannot be sent
        failed_ = done_ = true;
        break;
      }
      pending_ = r;
      pending_valid_ = true;
      break;
    }
    ++written;
  }
  if (written == 0 && !first) {
    if (on_finished_) std::exchange(on_finished_, nullptr)(bytes_);
    return false;
  }
  if (header_.edns) w.add_opt(4096, 0, false);
  w.finish();
  message.resize(w.size());
  if (signer_ && !signer_(message)) {
    failed_ = done_ = true;
    return false;
  }
  ++messages_;
  bytes_ += message.size();
  return true;
}

}  // namespace dnsd::xfr
