#include "zones/json_document.h"

#include <unordered_set>
#include <string>
#include <vector>

namespace dnsd::zones {
namespace {

// A SAX pass that only tracks where the parser is, so that a repeated key can
// be named by pointer. (nlohmann's callback parser would do this too, but it
// rescans the parent object at every object end: quadratic in a zone's size.)
class KeyTracker : public nlohmann::json_sax<Json> {
 public:
  KeyTracker(LoadContext& ctx, const std::atomic<bool>* cancel) : ctx_(ctx), cancel_(cancel) {}

  bool null() override { return begin_element(); }
  bool boolean(bool) override { return begin_element(); }
  bool number_integer(number_integer_t) override { return begin_element(); }
  bool number_unsigned(number_unsigned_t) override { return begin_element(); }
  bool number_float(number_float_t, const string_t&) override { return begin_element(); }
  bool string(string_t&) override { return begin_element(); }
  bool binary(binary_t&) override { return begin_element(); }
  bool start_object(std::size_t) override { return begin_container(false); }
  bool start_array(std::size_t) override { return begin_container(true); }
  bool end_object() override { return end_container(); }
  bool end_array() override { return end_container(); }
  bool key(string_t& key) override {
    if (cancel_ && cancel_->load(std::memory_order_relaxed)) return false;  // stops the parse
    if (frames_.empty()) return true;
    Frame& f = frames_.back();
    f.key = key;
    if (!f.keys.insert(key).second)
      ctx_.error(pointer(), "key \"" + key + "\" appears more than once in this object; only one would be used");
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    // e is a parse_error when the text is not JSON; keep where it stopped.
    failed_ = true;
    message_ = e.what();
    if (const auto* pe = dynamic_cast<const nlohmann::detail::parse_error*>(&e)) byte_ = pe->byte;
    return false;
  }

  bool failed() const { return failed_; }
  const std::string& message() const { return message_; }
  size_t byte() const { return byte_; }

 private:
  struct Frame {
    bool array;
    std::string key;                       // current key, for objects
    std::unordered_set<std::string> keys;  // keys seen so far, for objects
    size_t index;                          // current element, for arrays
    bool started;                          // an element of this array has begun
  };

  // A value (scalar or container) starts in the innermost frame.
  bool begin_element() {
    if (frames_.empty() || !frames_.back().array) return true;
    Frame& f = frames_.back();
    if (f.started) ++f.index;
    f.started = true;
    return true;
  }
  bool begin_container(bool array) {
    begin_element();
    frames_.push_back(Frame{array, {}, {}, 0, false});
    return true;
  }
  bool end_container() {
    if (!frames_.empty()) frames_.pop_back();
    return true;
  }

  std::string pointer() const {
    std::string out;
    for (const Frame& f : frames_) out = f.array ? pointer_append(out, f.index) : pointer_append(out, f.key);
    return out;
  }

  LoadContext& ctx_;
  const std::atomic<bool>* cancel_;
  std::vector<Frame> frames_;
  bool failed_ = false;
  std::string message_;
  size_t byte_ = 0;
};

// nlohmann's own DOM builder, stopping at the next object key once `cancel`
// is set, so a server shutting down need not wait for a large zone's parse.
class CancellableDomBuilder : public nlohmann::detail::json_sax_dom_parser<Json> {
 public:
  CancellableDomBuilder(Json& out, const std::atomic<bool>* cancel)
      : json_sax_dom_parser<Json>(out, true), cancel_(cancel) {}
  bool key(string_t& key) {
    if (cancel_ && cancel_->load(std::memory_order_relaxed)) return false;
    return json_sax_dom_parser<Json>::key(key);
  }

 private:
  const std::atomic<bool>* cancel_;
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

bool parse_json_document(std::string_view text, Json& out, LoadContext& ctx, const std::atomic<bool>* cancel) {
  size_t errors_before = ctx.error_count();
  const auto cancelled = [cancel] { return cancel && cancel->load(std::memory_order_relaxed); };
  try {
    // Pass 1 finds syntax errors and repeated keys; pass 2 builds the document.
    KeyTracker tracker(ctx, cancel);
    Json::sax_parse(text.begin(), text.end(), &tracker);
    if (cancelled()) return false;
    if (tracker.failed()) {
      // Repeated-key reports from a document that does not parse are noise.
      ctx.errors.resize(errors_before);
      // byte is 1-based: the byte where the parser stopped.
      size_t line, column;
      line_and_column(text, tracker.byte() > 0 ? tracker.byte() - 1 : 0, line, column);
      ctx.error("", "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
                        plain_parse_message(tracker.message()));
      return false;
    }
    CancellableDomBuilder builder(out, cancel);
    Json::sax_parse(text.begin(), text.end(), &builder);
    return !cancelled();
  } catch (const std::exception& e) {
    ctx.errors.resize(errors_before);
    ctx.error("", std::string("invalid JSON: ") + e.what());
  }
  return false;
}

}  // namespace dnsd::zones
