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

}  // namespace

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
