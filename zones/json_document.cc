#include "zones/json_document.h"

#include <set>
#include <string>
#include <vector>

namespace dnsd::zones {
namespace {

// Tracks where the parser is, so that a repeated key can be named by pointer.
class KeyTracker {
 public:
  explicit KeyTracker(LoadContext& ctx) : ctx_(ctx) {}

  bool on_event(nlohmann::detail::parse_event_t event, const Json& parsed) {
    using Event = nlohmann::detail::parse_event_t;
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        begin_element();
        frames_.push_back(Frame{event == Event::array_start, {}, {}, 0, false});
        break;
      case Event::object_end:
      case Event::array_end:
        if (!frames_.empty()) frames_.pop_back();
        break;
      case Event::key: {
        if (frames_.empty()) break;
        Frame& f = frames_.back();
        f.key = parsed.is_string() ? parsed.get<std::string>() : std::string();
        if (!f.keys.insert(f.key).second)
          ctx_.error(pointer(), "key \"" + f.key + "\" appears more than once in this object; only one would be used");
        break;
      }
      case Event::value:
        begin_element();
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool array;
    std::string key;             // current key, for objects
    std::set<std::string> keys;  // keys seen so far, for objects
    size_t index;                // current element, for arrays
    bool started;                // an element of this array has begun
  };

  // A value (scalar or container) starts in the innermost frame.
  void begin_element() {
    if (frames_.empty() || !frames_.back().array) return;
    Frame& f = frames_.back();
    if (f.started) ++f.index;
    f.started = true;
  }

  std::string pointer() const {
    std::string out;
    for (const Frame& f : frames_) out = f.array ? pointer_append(out, f.index) : pointer_append(out, f.key);
    return out;
  }

  LoadContext& ctx_;
  std::vector<Frame> frames_;
};

// nlohmann's message without its "[json.exception...] parse error at line L, column C: " prefix.
std::string plain_parse_message(const std::string& what) {
  size_t colon = what.find(": ");
  if (what.rfind("[json.exception", 0) == 0 && colon != std::string::npos) return what.substr(colon + 2);
  return what;
}

}  // namespace

void line_and_column(std::string_view text, size_t offset, size_t& line, size_t& column) {
  line = 1;
  column = 1;
  if (offset > text.size()) offset = text.size();
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
}

bool parse_json_document(std::string_view text, Json& out, LoadContext& ctx) {
  KeyTracker tracker(ctx);
  size_t errors_before = ctx.error_count();
  try {
    out = Json::parse(
        text.begin(), text.end(),
        [&tracker](int, nlohmann::detail::parse_event_t event, Json& parsed) { return tracker.on_event(event, parsed); });
    return true;
  } catch (const nlohmann::json::parse_error& e) {
    // Duplicate-key reports from a document that does not parse are noise.
    ctx.errors.resize(errors_before);
    // e.byte is 1-based: the byte where the parser stopped.
    size_t line, column;
    line_and_column(text, e.byte > 0 ? e.byte - 1 : 0, line, column);
    ctx.error("", "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
                      plain_parse_message(e.what()));
  } catch (const std::exception& e) {
    ctx.errors.resize(errors_before);
    ctx.error("", std::string("invalid JSON: ") + e.what());
  }
  return false;
}

}  // namespace dnsd::zones
