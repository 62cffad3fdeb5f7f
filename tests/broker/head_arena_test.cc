#include "broker/head_arena.h"

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

using namespace saferun::broker;
namespace http = boost::beast::http;

namespace {

using Parser = http::request_parser<http::string_body, HeadAllocator<char>>;

// A request head with `count` fields of `value_bytes` each.
std::string head_with(int count, std::size_t value_bytes) {
  std::string head = "POST /v1/messages HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < count; ++i) head += "x-field-" + std::to_string(i) + ": " + std::string(value_bytes, 'a' + i % 26) + "\r\n";
  return head + "\r\n";
}

void parse_into(std::optional<Parser>& parser, HeadArena& arena, const std::string& head) {
  parser.emplace(std::piecewise_construct, std::make_tuple(), std::make_tuple(HeadAllocator<char>(arena)));
  boost::beast::error_code ec;
  parser->put(boost::asio::buffer(head), ec);
  REQUIRE_FALSE(ec);
  REQUIRE(parser->is_header_done());
}

}  // namespace

TEST_CASE("a parsed head's fields and target live in the arena, not on the heap", "[head_arena]") {
  HeadArena arena;
  std::optional<Parser> parser;
  parse_into(parser, arena, head_with(12, 20));
  const auto& request = parser->get();
  CHECK(arena.owns(request.target().data()));
  int fields = 0;
  for (const auto& field : request) {
    CHECK(arena.owns(field.value().data()));
    ++fields;
  }
  CHECK(fields == 13);
  CHECK(request["x-field-11"] == std::string(20, 'l'));
  CHECK(arena.live() > 0);
}

TEST_CASE("once a head is let go, the next one reuses the block from its start", "[head_arena]") {
  HeadArena arena;
  std::optional<Parser> parser;
  parse_into(parser, arena, head_with(5, 10));
  const auto* first_target = parser->get().target().data();
  const auto used_by_first = arena.used();
  parser.reset();
  CHECK(arena.live() == 0);
  CHECK(arena.used() == 0);
  parse_into(parser, arena, head_with(5, 10));
  CHECK(parser->get().target().data() == first_target);
  CHECK(arena.used() == used_by_first);
}

TEST_CASE("a head larger than the block takes the rest from the heap, intact", "[head_arena]") {
  HeadArena arena;
  std::optional<Parser> parser;
  parse_into(parser, arena, head_with(30, 200));  // 6 KB of values alone (the parser takes 8 KB)
  int in_block = 0, on_heap = 0;
  int i = 0;
  for (const auto& field : parser->get()) {
    (arena.owns(field.value().data()) ? in_block : on_heap) += 1;
    if (field.name_string() != "Host") CHECK(field.value() == std::string(200, 'a' + i++ % 26));
  }
  CHECK(in_block > 0);
  CHECK(on_heap > 0);
  CHECK(arena.used() <= HeadArena::kBytes);
  parser.reset();
  CHECK(arena.live() == 0);
  CHECK(arena.used() == 0);
}

TEST_CASE("two heads alive at once share the block; it is reused only when both are let go", "[head_arena]") {
  // An exchange's answer head can still be alive when the connection's next exchange starts.
  HeadArena arena;
  std::optional<Parser> older, newer;
  parse_into(older, arena, head_with(3, 10));
  parse_into(newer, arena, head_with(3, 12));
  CHECK(older->get()["x-field-2"] == std::string(10, 'c'));
  CHECK(newer->get()["x-field-2"] == std::string(12, 'c'));
  const auto used = arena.used();
  older.reset();
  CHECK(arena.used() == used);  // the newer head's fields are after the older one's
  CHECK(newer->get()["x-field-1"] == std::string(12, 'b'));
  newer.reset();
  CHECK(arena.used() == 0);
}

TEST_CASE("what the arena hands out is aligned as operator new's would be", "[head_arena]") {
  HeadArena arena;
  for (std::size_t bytes : {1, 3, 17, 40, 1}) {
    auto* at = arena.allocate(bytes);
    CHECK(reinterpret_cast<std::uintptr_t>(at) % alignof(std::max_align_t) == 0);
  }
  CHECK(arena.live() == 5);
}

TEST_CASE("an allocator made without an arena is the heap", "[head_arena]") {
  http::response<http::string_body, http::basic_fields<HeadAllocator<char>>> response{http::status::ok, 11};
  response.set("x-request-id", std::string(300, 'r'));
  CHECK(response["x-request-id"].size() == 300);
  CHECK(HeadAllocator<char>() == HeadAllocator<int>());
  HeadArena arena;
  CHECK_FALSE(HeadAllocator<char>(arena) == HeadAllocator<char>());
}

#if defined(__SANITIZE_ADDRESS__)
TEST_CASE("under AddressSanitizer a let-go field's bytes are poisoned, as freed heap memory is", "[head_arena]") {
  HeadArena arena;
  std::optional<Parser> parser;
  parse_into(parser, arena, head_with(2, 30));
  const char* value = parser->get()["x-field-1"].data();
  CHECK_FALSE(__asan_address_is_poisoned(value));
  parser.reset();
  CHECK(__asan_address_is_poisoned(value));
}
#endif
