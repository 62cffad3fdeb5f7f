#include "broker/policy/request_body.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace saferun::broker::policy {
namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  void skip_space() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\r' || text_[at_] == '\t'))
      ++at_;
  }
  bool take(char c) {
    skip_space();
    if (at_ < text_.size() && text_[at_] == c) return ++at_, true;
    return false;
  }
  bool peek(char c) {
    skip_space();
    return at_ < text_.size() && text_[at_] == c;
  }
  std::size_t at() const { return at_; }

  // A string starting at the cursor; false when malformed.
  bool skip_string() {
    if (at_ >= text_.size() || text_[at_] != '"') return false;
    // memchr to each quote, then count the backslashes before it: most of a big body is
    // message text inside strings, and this is what keeps its scan near memory speed.
    for (auto from = at_ + 1;;) {
      auto quote = text_.find('"', from);
      if (quote == std::string_view::npos) return false;
      std::size_t backslashes = 0;
      while (quote - backslashes > at_ + 1 && text_[quote - backslashes - 1] == '\\') ++backslashes;
      if (backslashes % 2 == 0) {
        at_ = quote + 1;
        return true;
      }
      from = quote + 1;
    }
  }

  // Any value: strings as above, containers by depth, scalars up to the next delimiter.
  bool skip_value() {
    skip_space();
    if (at_ >= text_.size()) return false;
    char c = text_[at_];
    if (c == '"') return skip_string();
    if (c == '{' || c == '[') return skip_container();
    auto start = at_;
    while (at_ < text_.size() && text_[at_] != ',' && text_[at_] != '}' && text_[at_] != ']' && text_[at_] != ' ' &&
           text_[at_] != '\n' && text_[at_] != '\r' && text_[at_] != '\t')
      ++at_;
    return at_ > start;
  }

 private:
  bool skip_container() {
    int depth = 0;
    while (at_ < text_.size()) {
      char c = text_[at_];
      if (c == '"') {
        if (!skip_string()) return false;
        continue;
      }
      ++at_;
      if (c == '{' || c == '[') ++depth;
      if ((c == '}' || c == ']') && --depth == 0) return true;
    }
    return false;
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

// A JSON string literal decoded as a parser would; nullopt when not a string.
std::optional<std::string> decode_string(std::string_view literal) {
  if (literal.size() < 2 || literal.front() != '"') return std::nullopt;
  if (literal.find('\\') == std::string_view::npos) return std::string(literal.substr(1, literal.size() - 2));
  auto value = nlohmann::json::parse(literal, nullptr, false);
  if (!value.is_string()) return std::nullopt;
  return value.get<std::string>();
}

// A non-negative JSON integer as the grammar spells it (0|[1-9][0-9]*), short enough to fit:
// read here without a parser. Anything else (a sign, fractions, exponents, leading zeros, huge)
// goes to the parser.
std::optional<std::int64_t> plain_count(std::string_view digits) {
  if (digits.empty() || digits.size() > 18 || (digits.size() > 1 && digits.front() == '0')) return std::nullopt;
  std::int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// A parsed value as a whole number of tokens (0 to INT64_MAX): an integer, or a float with no
// fraction ("1.0", "1e3"). nullopt for anything else — negative, fractional, past INT64_MAX, or
// not a number at all.
std::optional<std::int64_t> token_count(const nlohmann::json& parsed) {
  if (parsed.is_number_unsigned()) {
    auto value = parsed.get<std::uint64_t>();
    if (value <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(value);
    return std::nullopt;
  }
  if (parsed.is_number_integer()) {
    auto value = parsed.get<std::int64_t>();
    return value >= 0 ? std::optional(value) : std::nullopt;
  }
  if (!parsed.is_number_float()) return std::nullopt;
  auto value = parsed.get<double>();  // checked in range before the cast: past it, the cast is undefined
  if (!(value >= 0 && value < 0x1p63) || value != static_cast<double>(static_cast<std::int64_t>(value)))
    return std::nullopt;
  return static_cast<std::int64_t>(value);
}

// A ceiling that is not a whole number of tokens is reported (refused under a ceiling rule;
// without one, the request reserves the policy's assumed output): a negative or wrapped value
// would otherwise make a negative reservation.
void read_output_limit(std::string_view literal, RequestFacts& facts) {
  if (auto value = plain_count(literal)) {
    facts.output_limit = *value;
    return;
  }
  auto parsed = nlohmann::json::parse(literal, nullptr, false);
  if (parsed.is_null()) return;
  facts.output_limit = token_count(parsed);
  facts.output_limit_not_integer = !facts.output_limit;
}

// `n` counts the answers a chat generates, each up to the output limit: a whole number from 1.
void read_choices(std::string_view literal, RequestFacts& facts) {
  auto value = plain_count(literal);
  if (!value) {
    auto parsed = nlohmann::json::parse(literal, nullptr, false);
    if (parsed.is_null()) return;
    value = token_count(parsed);
  }
  if (value && *value >= 1) facts.choices = value;
  facts.choices_not_integer = !facts.choices;
}

void read_stream_options(std::string_view literal, RequestFacts& facts) {
  auto value = nlohmann::json::parse(literal, nullptr, false);
  facts.include_usage = value.is_object() && value.value("include_usage", false) == true;
}

// The top-level keys the scan reads; every other key is skipped unread.
constexpr std::string_view kReadKeys[] = {"model", "stream", "stream_options", "max_tokens", "max_output_tokens",
                                          "max_completion_tokens", "n"};

// Which of kReadKeys `key` is (an index), if any.
std::optional<std::size_t> read_key_index(std::string_view key) {
  for (std::size_t i = 0; i < std::size(kReadKeys); ++i)
    if (kReadKeys[i] == key) return i;
  return std::nullopt;
}

// Records one top-level member we read; `seen` has a bit per kReadKeys entry.
void note_member(std::size_t key, std::string_view literal, ValueSpan span, RequestFacts& facts, unsigned& seen) {
  const std::string_view name = kReadKeys[key];
  if (seen & (1u << key)) {
    if (facts.duplicate_key.empty()) facts.duplicate_key = name;
    return;
  }
  seen |= 1u << key;
  if (name == "model") {
    facts.model = decode_string(literal).value_or("");
  } else if (name == "stream") {
    facts.stream = literal == "true";
  } else if (name == "stream_options") {
    facts.stream_options_span = span;
    read_stream_options(literal, facts);
  } else if (name == "n") {
    read_choices(literal, facts);
  } else {
    if (!facts.output_field.empty() && facts.duplicate_key.empty()) facts.duplicate_key = name;
    facts.output_field = name;
    facts.output_span = span;
    read_output_limit(literal, facts);
  }
}

// A key literal as the upstream reads it: its bytes, or decoded when it holds escapes (the
// decoded text is kept in `storage`, which the view then points into); nullopt when it is not a
// string.
std::optional<std::string_view> key_text(std::string_view literal, std::string& storage) {
  if (literal.size() < 2 || literal.front() != '"') return std::nullopt;
  if (literal.find('\\') == std::string_view::npos) return literal.substr(1, literal.size() - 2);
  auto decoded = decode_string(literal);
  if (!decoded) return std::nullopt;
  storage = std::move(*decoded);
  return std::string_view(storage);
}

}  // namespace

ApiKind api_kind_of(std::string_view path) {
  if (ends_with(path, "/messages/count_tokens")) return ApiKind::count_tokens;
  if (ends_with(path, "/messages")) return ApiKind::messages;
  if (ends_with(path, "/chat/completions")) return ApiKind::chat;
  if (ends_with(path, "/responses")) return ApiKind::responses;
  if (ends_with(path, "/embeddings")) return ApiKind::embeddings;
  if (path.find("/models/") != std::string_view::npos && path.find(':') != std::string_view::npos)
    return ApiKind::gemini;
  return ApiKind::other;
}

std::string_view output_field_for(ApiKind kind) {
  switch (kind) {
    case ApiKind::messages: return "max_tokens";
    case ApiKind::chat: return "max_completion_tokens";
    case ApiKind::responses: return "max_output_tokens";
    default: return "";
  }
}

bool honours_output_field(ApiKind kind, std::string_view field) {
  switch (kind) {
    case ApiKind::messages: return field == "max_tokens";
    case ApiKind::chat: return field == "max_completion_tokens" || field == "max_tokens";
    case ApiKind::responses: return field == "max_output_tokens";
    default: return false;
  }
}

void forget_foreign_output_field(ApiKind kind, RequestFacts& facts) {
  if (facts.output_field.empty() || honours_output_field(kind, facts.output_field)) return;
  facts.output_field.clear();
  facts.output_span = {};
  facts.output_limit.reset();
  facts.output_limit_not_integer = false;
}

std::string model_from_path(std::string_view path) {
  auto at = path.find("/models/");
  if (at == std::string_view::npos) return "";
  auto rest = path.substr(at + 8);
  auto colon = rest.find(':');
  if (colon == std::string_view::npos || rest.substr(0, colon).find('/') != std::string_view::npos) return "";
  return std::string(rest.substr(0, colon));
}

RequestFacts inspect_request_body(std::string_view body) {
  RequestFacts facts;
  Scanner scan(body);
  scan.skip_space();
  facts.object_begin = scan.at();
  if (!scan.take('{')) return facts;
  unsigned seen = 0;
  std::string decoded_key;
  if (scan.take('}')) {
    facts.json_object = true;
    return facts;
  }
  facts.object_empty = false;
  while (true) {
    scan.skip_space();
    auto key_begin = scan.at();
    if (!scan.skip_string()) return RequestFacts{};
    auto key = key_text(body.substr(key_begin, scan.at() - key_begin), decoded_key);
    if (!key || !scan.take(':')) return RequestFacts{};
    scan.skip_space();
    auto value_begin = scan.at();
    if (!scan.skip_value()) return RequestFacts{};
    ValueSpan span{value_begin, scan.at()};
    if (auto index = read_key_index(*key)) note_member(*index, body.substr(span.begin, span.end - span.begin), span, facts, seen);
    if (scan.take(',')) continue;
    if (scan.take('}')) break;
    return RequestFacts{};
  }
  facts.json_object = true;
  return facts;
}

std::optional<std::size_t> end_of_json_value(std::string_view text, std::size_t at) {
  Scanner scan(text.substr(at));
  if (!scan.skip_value()) return std::nullopt;
  return at + scan.at();
}

std::vector<BodySplice> request_body_splices(std::string_view body, const RequestFacts& facts, const BodyEdits& edits) {
  std::vector<BodySplice> splices;
  std::string inserted;
  if (edits.set_output && facts.output_span.present()) {
    splices.push_back({facts.output_span.begin, facts.output_span.end - facts.output_span.begin,
                       std::to_string(*edits.set_output)});
  } else if (edits.set_output && !edits.insert_field.empty()) {
    inserted += "\"" + edits.insert_field + "\":" + std::to_string(*edits.set_output);
  }
  if (edits.ask_usage && !facts.include_usage) {
    if (facts.stream_options_span.present()) {
      auto span = facts.stream_options_span;
      auto options = nlohmann::json::parse(body.substr(span.begin, span.end - span.begin), nullptr, false);
      if (!options.is_object()) options = nlohmann::json::object();
      options["include_usage"] = true;
      splices.push_back({span.begin, span.end - span.begin, options.dump()});
    } else {
      inserted += std::string(inserted.empty() ? "" : ",") + "\"stream_options\":{\"include_usage\":true}";
    }
  }
  if (!inserted.empty()) splices.push_back({facts.object_begin + 1, 0, inserted + (facts.object_empty ? "" : ",")});
  std::sort(splices.begin(), splices.end(), [](const BodySplice& a, const BodySplice& b) { return a.offset < b.offset; });
  return splices;
}

std::string apply_splices(std::string_view body, const std::vector<BodySplice>& splices) {
  std::string out;
  out.reserve(body.size() + 64);
  std::size_t from = 0;
  for (const auto& splice : splices) {
    out.append(body.substr(from, splice.offset - from));
    out += splice.replacement;
    from = splice.offset + splice.length;
  }
  out.append(body.substr(from));
  return out;
}

std::string edit_request_body(std::string_view body, const RequestFacts& facts, const BodyEdits& edits) {
  return apply_splices(body, request_body_splices(body, facts, edits));
}

}  // namespace saferun::broker::policy
