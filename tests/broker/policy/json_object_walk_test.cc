#include "broker/policy/json_object_walk.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

using namespace saferun::broker::policy;

namespace {

// The walk's definition of where a value ends, a byte at a time (the scanner looks for quotes a
// word at a time and with memchr): strings to the first quote after an even run of backslashes,
// containers by counting brackets outside strings, anything else up to a delimiter.
std::optional<std::size_t> end_by_bytes(std::string_view text, std::size_t at) {
  auto skip_string = [&](std::size_t& i) {
    for (auto quote = text.find('"', i + 1); quote != std::string_view::npos; quote = text.find('"', quote + 1)) {
      std::size_t backslashes = 0;
      while (quote - backslashes > i + 1 && text[quote - backslashes - 1] == '\\') ++backslashes;
      if (backslashes % 2 == 0) return i = quote + 1, true;
    }
    return false;
  };
  while (at < text.size() && (text[at] == ' ' || text[at] == '\n' || text[at] == '\r' || text[at] == '\t')) ++at;
  if (at >= text.size()) return std::nullopt;
  if (text[at] == '"') return skip_string(at) ? std::optional(at) : std::nullopt;
  if (text[at] == '{' || text[at] == '[') {
    int depth = 0;
    while (at < text.size()) {
      char c = text[at];
      if (c == '"') {
        if (!skip_string(at)) return std::nullopt;
        continue;
      }
      ++at;
      if (c == '{' || c == '[') ++depth;
      if ((c == '}' || c == ']') && --depth == 0) return at;
    }
    return std::nullopt;
  }
  auto start = at;
  while (at < text.size() && std::string_view(",}] \n\r\t").find(text[at]) == std::string_view::npos) ++at;
  return at > start ? std::optional(at) : std::nullopt;
}

// Text that is mostly JSON's punctuation, so that strings, escapes and brackets fall at every
// offset of the scanner's 8-byte words; some of it well-formed, most of it not.
std::string random_json_like(std::mt19937& random) {
  static const std::string_view kPieces[] = {"\"", "\\", "\\\\", "\\\"", "{", "}", "[", "]", ":", ",", " ", "a",
                                             "\"key\":", "\"v\\\"al\"", "{\"k\":[1,2]}", "\\n", "\n", "x\x7b\x5b",
                                             "\"long string without any quote in it for a while\""};
  std::string text = random() % 2 ? "{" : "[";
  auto pieces = random() % 120;
  for (unsigned i = 0; i < pieces; ++i) text += kPieces[random() % std::size(kPieces)];
  return text;
}

std::string claude_like_body(std::size_t tools) {
  nlohmann::json body = {{"model", "claude-sonnet-4-5"}, {"max_tokens", 32000}, {"stream", true}};
  for (std::size_t i = 0; i < tools; ++i) {
    body["tools"].push_back({{"name", "Tool" + std::to_string(i)},
                             {"description", std::string(i * 37 % 300, 'd') + "\"quoted\" \\ and\nlines"},
                             {"input_schema",
                              {{"type", "object"},
                               {"properties", {{"path", {{"type", "string"}}}, {"n", {{"type", "integer"}}}}},
                               {"required", {"path"}}}}});
  }
  body["messages"] = {{{"role", "user"}, {"content", std::string(5000, 'x') + "\\\"}]{["}}};
  return body.dump();
}

// A real-shaped object with its bytes changed at random: a structural byte put in, taken out or
// replaced here and there, so that members break at every kind of place.
std::string mutated(std::string text, std::mt19937& random) {
  static const std::string_view kBytes = "\"\\{}[]:, a1\n";
  auto edits = 1 + random() % 4;
  for (unsigned i = 0; i < edits && !text.empty(); ++i) {
    auto at = random() % text.size();
    switch (random() % 3) {
      case 0: text[at] = kBytes[random() % kBytes.size()]; break;
      case 1: text.erase(at, 1); break;
      default: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), kBytes[random() % kBytes.size()]);
    }
  }
  return text;
}

// Small well-formed objects: every kind of value (numbers and literals ended by a comma, a
// brace or a space), escapes in keys, spaces or none between tokens.
std::string random_object(std::mt19937& random) {
  static const std::string_view kValues[] = {"1", "-2.5e3", "true", "null", "\"s\"", "\"e\\\"q\"", "[]", "{}",
                                             "[1,[2,{\"a\":\"]\"}]]", "{\"n\":{\"m\":[\"}\"]}}", "32000"};
  static const std::string_view kKeys[] = {"\"model\"", "\"max_tokens\"", "\"m\\u006fdel\"", "\"\"", "\"a b\"",
                                           "\"stream\"", "\"k\\\"q\""};
  static const std::string_view kSpace[] = {"", " ", "\n  ", "\t"};
  auto space = [&] { return std::string(kSpace[random() % std::size(kSpace)]); };
  std::string text = space() + "{";
  auto members = random() % 8;
  for (unsigned i = 0; i < members; ++i) {
    if (i > 0) text += space() + ",";
    text += space() + std::string(kKeys[random() % std::size(kKeys)]) + space() + ":" + space() +
            std::string(kValues[random() % std::size(kValues)]);
  }
  return text + space() + "}" + space();
}

// What a walk of an object handed over: whether it read one, its extent, and each member.
struct WalkRecord {
  bool read = false;
  JsonObjectExtent extent;
  std::vector<std::pair<std::string, std::pair<std::size_t, std::size_t>>> members;

  bool same_as(const WalkRecord& other) const {
    if (read != other.read || members != other.members) return false;
    return !read || (extent.object_begin == other.extent.object_begin && extent.empty == other.extent.empty);
  }
};

// The object walk's definition, on end_by_bytes: spaces, a '{', then members — a key string
// (decoded by a JSON parser when it holds escapes), a ':', a value — split by ',' up to a '}'.
WalkRecord walk_by_bytes(std::string_view text) {
  WalkRecord record;
  std::size_t at = 0;
  auto space = [&] {
    while (at < text.size() && std::string_view(" \n\r\t").find(text[at]) != std::string_view::npos) ++at;
  };
  auto next_is = [&](char c) { return space(), at < text.size() && text[at] == c; };
  space();
  record.extent.object_begin = at;
  if (!next_is('{')) return record;
  ++at;
  record.extent.empty = next_is('}');
  if (record.extent.empty) return record.read = true, record;
  for (;;) {
    if (!next_is('"')) return record;
    auto key_end = end_by_bytes(text, at);
    if (!key_end) return record;
    auto literal = text.substr(at, *key_end - at);
    std::string key(literal.substr(1, literal.size() - 2));
    if (literal.find('\\') != std::string_view::npos) {
      auto decoded = nlohmann::json::parse(literal, nullptr, false);
      if (!decoded.is_string()) return record;
      key = decoded.get<std::string>();
    }
    at = *key_end;
    if (!next_is(':')) return record;
    ++at;
    space();
    auto value_end = end_by_bytes(text, at);
    if (!value_end) return record;
    record.members.emplace_back(key, std::make_pair(at, *value_end));
    at = *value_end;
    if (next_is(',')) {
      ++at;
      continue;
    }
    record.read = next_is('}');
    return record;
  }
}

WalkRecord walk_whole(std::string_view text) {
  WalkRecord record;
  record.read = walk_json_object(text, record.extent, [&](std::string_view key, ValueSpan value) {
    record.members.emplace_back(std::string(key), std::make_pair(value.begin, value.end));
  });
  return record;
}

}  // namespace

TEST_CASE("an object's members are walked as a byte-by-byte walk reads them, whatever the text",
          "[policy][json_walk]") {
  std::mt19937 random(20261203);
  std::size_t read = 0;
  for (int round = 0; round < 30000; ++round) {
    auto text = round % 3 == 0 ? random_json_like(random)
                : round % 3 == 1 ? random_object(random)
                                 : mutated(claude_like_body(round % 5), random);
    INFO("text: " << text);
    auto walked = walk_whole(text);
    REQUIRE(walked.same_as(walk_by_bytes(text)));
    read += walked.read;
  }
  CHECK(read > 10000);  // well-formed objects as well as broken ones
}

TEST_CASE("a value ends where a byte-by-byte scan ends it, whatever the text", "[policy][json_walk]") {
  std::mt19937 random(20261202);
  for (int round = 0; round < 30000; ++round) {
    auto text = random_json_like(random);
    INFO("text: " << text);
    REQUIRE(end_of_json_value(text, 0) == end_by_bytes(text, 0));
  }
}

TEST_CASE("a value ends where a byte-by-byte scan ends it, from every offset of real bodies", "[policy][json_walk]") {
  for (std::size_t tools : {0, 1, 3, 17}) {
    auto body = claude_like_body(tools);
    for (std::size_t at = 0; at < body.size(); ++at) {
      INFO("tools " << tools << ", offset " << at);
      REQUIRE(end_of_json_value(body, at) == end_by_bytes(body, at));
    }
  }
}

TEST_CASE("a real body's members are walked in order, with the whole body as the last value's end",
          "[policy][json_walk]") {
  auto body = claude_like_body(17);
  auto parsed = nlohmann::json::parse(body);
  std::vector<std::string> keys;
  JsonObjectExtent extent;
  REQUIRE(walk_json_object(body, extent, [&](std::string_view key, ValueSpan value) {
    keys.emplace_back(key);
    CHECK(nlohmann::json::parse(value.in(body)) == parsed[keys.back()]);
  }));
  CHECK(keys == std::vector<std::string>{"max_tokens", "messages", "model", "stream", "tools"});
}

TEST_CASE("a container cut short, or a string left open in it, has no end", "[policy][json_walk]") {
  auto body = claude_like_body(5);
  for (std::size_t cut = 1; cut < body.size(); ++cut)
    REQUIRE_FALSE(end_of_json_value(std::string_view(body).substr(0, cut), 0));
  CHECK_FALSE(end_of_json_value(R"({"a":"open string})", 0));
  CHECK_FALSE(end_of_json_value(std::string(100, '[') + std::string(99, ']'), 0));
  CHECK(end_of_json_value(std::string(100, '[') + std::string(100, ']'), 0) == 200);
}

TEST_CASE("a backslash outside a string is read as the byte scan reads it", "[policy][json_walk]") {
  for (std::string text : std::vector<std::string>{R"({\"a":1})", R"([1,\"],"])", R"({"a":[\"x"]}])",
                                                   std::string(70, ' ') + R"(\"}")"}) {
    text = "{" + text;
    INFO("text: " << text);
    CHECK(end_of_json_value(text, 0) == end_by_bytes(text, 0));
  }
}
