#include "zones/name.h"

#include <cctype>
#include <cstring>

namespace dnsd::zones {

size_t LabeledName::parse(const uint8_t* data, size_t max) {
  size_t pos = 0;
  size_t labels = 0;
  while (true) {
    if (pos >= max || pos >= kMaxNameLength) return 0;
    uint8_t len = data[pos];
    if (len > 63) return 0;  // compression pointers and extended labels are not accepted here
    label_offset[labels] = uint8_t(pos);
    if (pos + 1 + len > max || pos + 1 + len > kMaxNameLength) return 0;
    wire[pos] = len;
    pos += 1 + len;
    if (len == 0) break;
    if (++labels > kMaxLabels) return 0;
  }
  length = uint8_t(pos);
  label_count = uint8_t(labels);
  // Right to left, each label lowercased into `wire` as it is hashed into the
  // hash of the suffix after it: one pass over the bytes.
  uint64_t h = kRootHash;
  suffix_hash[labels] = h;
  for (size_t i = labels; i-- > 0;) {
    const size_t at = label_offset[i];
    const uint8_t len = wire[at];
    h = hash_label_start(h, len);
    for (size_t k = at + 1; k <= at + len; ++k) {
      wire[k] = lower_byte(data[k]);
      h = hash_label_byte(h, wire[k]);
    }
    h = hash_label_finish(h);
    suffix_hash[i] = h;
  }
  return pos;
}

uint64_t name_hash(const uint8_t* lower_wire, size_t length) {
  LabeledName n;
  if (n.parse(lower_wire, length) == 0) return 0;
  return n.suffix_hash[0];
}

bool name_equal(const uint8_t* a, size_t a_length, const uint8_t* b, size_t b_length) {
  if (a_length != b_length) return false;
  for (size_t i = 0; i < a_length; ++i)
    if (lower_byte(a[i]) != lower_byte(b[i])) return false;
  return true;
}

bool name_is_subdomain(const uint8_t* name, size_t name_length, const uint8_t* ancestor, size_t ancestor_length) {
  size_t pos = 0;
  while (pos < name_length) {
    if (name_length - pos == ancestor_length) return name_equal(name + pos, ancestor_length, ancestor, ancestor_length);
    if (name[pos] == 0) break;
    pos += 1 + name[pos];
  }
  return false;
}

size_t name_label_count(const uint8_t* wire, size_t length) {
  size_t count = 0;
  for (size_t pos = 0; pos < length && wire[pos] != 0; pos += 1 + wire[pos]) ++count;
  return count;
}

std::string name_to_text(const uint8_t* wire, size_t length) {
  std::string out;
  size_t pos = 0;
  while (pos < length && wire[pos] != 0) {
    size_t len = wire[pos++];
    for (size_t i = 0; i < len && pos < length; ++i, ++pos) {
      unsigned char c = wire[pos];
      if (c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' || c == '@' || c == '$') {
        out.push_back('\\');
        out.push_back(char(c));
      } else if (c <= ' ' || c >= 0x7f) {
        char buf[5];
        snprintf(buf, sizeof buf, "\\%03u", c);
        out += buf;
      } else {
        out.push_back(char(c));
      }
    }
    out.push_back('.');
  }
  if (out.empty()) out = ".";
  return out;
}

std::string lower_text(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = char(lower_byte(uint8_t(c)));
  return out;
}

Name Name::lowered() const {
  Name n = *this;
  for (auto& c : n.wire) c = char(lower_byte(uint8_t(c)));
  return n;
}

Name Name::parent() const {
  if (wire.empty() || wire[0] == 0) return *this;
  Name n;
  n.wire = wire.substr(1 + uint8_t(wire[0]));
  return n;
}

Name root_name() {
  Name n;
  n.wire.assign(1, '\0');
  return n;
}

namespace {

// A name in the plain spelling (no escapes, no blanks, labels of 1 to 63
// bytes) read without copying it a byte at a time; false for anything else,
// which name_from_text reads, and words the error of, itself.
bool plain_name_from_text(std::string_view text, const Name& origin, Name& out) {
  out.wire.clear();
  size_t label = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '.') {
      if (text[i] == '\\' || std::isspace((unsigned char)text[i])) return false;
      continue;
    }
    size_t length = i - label;
    if (length == 0 || length > 63) return false;
    out.wire.push_back(char(length));
    out.wire.append(text.substr(label, length));
    label = i + 1;
    if (i + 1 == text.size()) {  // a trailing dot: absolute
      out.wire.push_back('\0');
      return out.wire.size() <= kMaxNameLength;
    }
  }
  out.wire += origin.wire;
  return out.wire.size() <= kMaxNameLength;
}

}  // namespace

bool name_from_text(std::string_view text, const Name& origin, Name& out, std::string& error) {
  out.wire.clear();
  if (text.empty()) {
    error = "empty name";
    return false;
  }
  if (text == "@") {
    out = origin;
    return true;
  }
  if (text == ".") {
    out = root_name();
    return true;
  }
  if (plain_name_from_text(text, origin, out)) return true;
  out.wire.clear();
  std::string label;
  bool absolute = false;
  auto flush = [&]() -> bool {
    if (label.empty()) {
      error = "empty label in name '" + std::string(text) + "'";
      return false;
    }
    if (label.size() > 63) {
      error = "label longer than 63 bytes in name '" + std::string(text) + "'";
      return false;
    }
    out.wire.push_back(char(label.size()));
    out.wire += label;
    label.clear();
    return true;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\') {
      if (i + 3 < text.size() + 0 && std::isdigit((unsigned char)text[i + 1]) && std::isdigit((unsigned char)text[i + 2]) &&
          std::isdigit((unsigned char)text[i + 3])) {
        int v = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
        if (v > 255) {
          error = "bad escape in name '" + std::string(text) + "'";
          return false;
        }
        label.push_back(char(v));
        i += 3;
      } else if (i + 1 < text.size()) {
        label.push_back(text[++i]);
      } else {
        error = "dangling backslash in name '" + std::string(text) + "'";
        return false;
      }
    } else if (c == '.') {
      if (!flush()) return false;
      if (i + 1 == text.size()) absolute = true;
    } else if (std::isspace((unsigned char)c)) {
      error = "whitespace in name '" + std::string(text) + "'";
      return false;
    } else {
      label.push_back(c);
    }
  }
  if (!absolute && !flush()) return false;
  if (absolute) {
    out.wire.push_back('\0');
  } else {
    out.wire += origin.wire;
  }
  if (out.wire.size() > kMaxNameLength) {
    error = "name longer than 255 bytes: '" + std::string(text) + "'";
    return false;
  }
  return true;
}

}  // namespace dnsd::zones
