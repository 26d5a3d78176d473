// Domain names in wire format: the one representation the zone model, the
// lookup and the encoder share, so no step converts names on the hot path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dnsd::zones {

/// Longest name in wire form (RFC 1035 3.1), including the root label.
inline constexpr size_t kMaxNameLength = 255;
/// Most labels a name can have, not counting the root.
inline constexpr size_t kMaxLabels = 127;

/// ASCII lowercase of one byte; DNS names compare case-insensitively on ASCII only
/// (RFC 4343). Any thread.
inline constexpr uint8_t lower_byte(uint8_t c) { return (c >= 'A' && c <= 'Z') ? uint8_t(c + 32) : c; }

/// `text` with its ASCII letters lowercased, the way lower_byte folds names:
/// for names in presentation form and for other protocol text that compares
/// case-insensitively on ASCII only (HTTP header names, auth schemes). Never
/// the hot path (allocates). Any thread.
std::string lower_text(std::string_view text);

/// Hash of the root name: the start of every suffix-hash chain.
inline constexpr uint64_t kRootHash = 0x9E3779B97F4A7C15ull;

/// Folds one lowercased label (without its length byte) into the hash of the
/// name to its right. Hashing right to left gives the hashes of all suffixes of a
/// name in one pass, which both zone lookup and zone finding need. Any thread.
inline uint64_t hash_label(uint64_t suffix_hash, const uint8_t* label, size_t length);

/// The three steps of hash_label, for a caller that hashes a label while it
/// reads it (LabeledName::parse lowercases and hashes in one pass): start
/// with the suffix's hash and the label's length, add each lowercased byte,
/// then finish. Any thread.
inline uint64_t hash_label_start(uint64_t suffix_hash, size_t length) {
  return suffix_hash ^ (length * 0x100000001B3ull);
}
inline uint64_t hash_label_byte(uint64_t h, uint8_t c) { return (h ^ c) * 0x100000001B3ull; }
inline uint64_t hash_label_finish(uint64_t h) {
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 32);
}

inline uint64_t hash_label(uint64_t suffix_hash, const uint8_t* label, size_t length) {
  uint64_t h = hash_label_start(suffix_hash, length);
  for (size_t i = 0; i < length; ++i) h = hash_label_byte(h, label[i]);
  return hash_label_finish(h);
}

/// A name taken apart once: lowercased wire bytes, where each label starts and
/// the hash of every suffix. Fixed-size, so query processing keeps it on the stack.
struct LabeledName {
  uint8_t wire[kMaxNameLength];       ///< lowercased wire form, ending in the root label
  uint8_t length = 0;                 ///< bytes used in `wire`
  uint8_t label_count = 0;            ///< labels, not counting the root
  uint8_t label_offset[kMaxLabels + 1];  ///< label i starts at wire[label_offset[i]]; [label_count] is the root
  uint64_t suffix_hash[kMaxLabels + 1];  ///< hash of the suffix starting at label i; [label_count] is kRootHash

  /// Wire bytes of the suffix that drops the `skip` leftmost labels.
  const uint8_t* suffix(size_t skip) const { return wire + label_offset[skip]; }
  /// Length of that suffix in bytes.
  size_t suffix_length(size_t skip) const { return size_t(length) - label_offset[skip]; }

  /// Fills this from an uncompressed wire name of `max` bytes at most, lowercasing
  /// it. Returns bytes consumed, or 0 when the bytes are not a valid uncompressed
  /// name. No allocation; any thread.
  size_t parse(const uint8_t* data, size_t max);
};

/// Hash of a whole (lowercased) wire name, equal to LabeledName::suffix_hash[0]
/// for the same name. Used when building lookup tables. Any thread.
uint64_t name_hash(const uint8_t* lower_wire, size_t length);

/// Case-insensitive equality of two uncompressed wire names. Any thread.
bool name_equal(const uint8_t* a, size_t a_length, const uint8_t* b, size_t b_length);

/// Whether `name` is `ancestor` or lies below it (both uncompressed wire). Any thread.
bool name_is_subdomain(const uint8_t* name, size_t name_length, const uint8_t* ancestor, size_t ancestor_length);

/// Number of labels (not counting the root) in an uncompressed wire name.
size_t name_label_count(const uint8_t* wire, size_t length);

/// Wire name to presentation form with a trailing dot ("www.example.test.").
/// For logs, errors and tools, never the hot path. Any thread.
std::string name_to_text(const uint8_t* wire, size_t length);

/// Owning wire-format name. Used where names are built (loader, builder), not per query.
struct Name {
  std::string wire;  ///< uncompressed wire bytes, including the root label

  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(wire.data()); }
  size_t size() const { return wire.size(); }
  bool operator==(const Name&) const = default;
  auto operator<=>(const Name&) const = default;
  /// Presentation form with trailing dot.
  std::string text() const { return name_to_text(data(), size()); }
  /// Copy with ASCII letters lowercased.
  Name lowered() const;
  /// The name with its leftmost label removed; the root stays the root.
  Name parent() const;
  /// Whether this is `ancestor` or below it.
  bool is_subdomain_of(const Name& ancestor) const {
    return name_is_subdomain(data(), size(), ancestor.data(), ancestor.size());
  }
  /// Labels, not counting the root.
  size_t label_count() const { return name_label_count(data(), size()); }
};

/// Parses a presentation-format name. Relative names (no trailing dot) are
/// completed with `origin`; "@" is the origin itself. Returns false and sets
/// `error` on a bad name. Loader thread.
bool name_from_text(std::string_view text, const Name& origin, Name& out, std::string& error);

/// The root name.
Name root_name();

}  // namespace dnsd::zones
