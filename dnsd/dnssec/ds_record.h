// The DS record a zone's parent publishes for its key (RFC 4034 5): digest
// type 2, SHA-256 (RFC 4509), the one every validator supports and RFC 8624
// asks for. For the key tools and the operator, never the query path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace dnsd::dnssec {

/// DS rdata for the DNSKEY rdata `dnskey_rdata` at `owner` (an uncompressed
/// wire name, lowercased here for the digest): key tag, algorithm, digest type
/// 2, then SHA-256 over the canonical owner name and the DNSKEY rdata (RFC
/// 4034 5.1.4). Empty when `dnskey_rdata` is shorter than its fixed part or
/// OpenSSL fails. Any thread.
std::vector<uint8_t> ds_rdata(const uint8_t* owner, size_t owner_length, std::span<const uint8_t> dnskey_rdata);

/// The DS record as one presentation line, the way ldns-key2ds and
/// dnssec-dsfromkey print it: "example.test. 3600 IN DS 12345 13 2 0A1B..."
/// (lowercased owner, uppercase hex digest), no newline. Empty when
/// ds_rdata() is. Any thread.
std::string ds_text(const uint8_t* owner, size_t owner_length, std::span<const uint8_t> dnskey_rdata,
                    uint32_t ttl);

}  // namespace dnsd::dnssec
