#include "broker/websocket/message_sniffer.h"

#include <catch2/catch.hpp>
#include <string>

using namespace saferun::broker::websocket;

TEST_CASE("a message's JSON type is read across pieces", "[message_sniffer]") {
  MessageSniffer sniffer;
  sniffer.push(R"({"model":"m","ty)");
  sniffer.push(R"(pe":"response.create","input":[]})");
  sniffer.finish();
  CHECK(sniffer.type() == "response.create");
  CHECK(sniffer.bytes() == 49);
  CHECK_FALSE(sniffer.usage());
  sniffer.push("not json");
  sniffer.finish();
  CHECK(sniffer.type().empty());
  CHECK(sniffer.bytes() == 8);
}

TEST_CASE("a message too large to parse still gives its leading type, within the bound", "[message_sniffer]") {
  MessageSniffer sniffer;
  sniffer.push(R"({"type":"response.create","input":")");
  for (int i = 0; i < 64; ++i) sniffer.push(std::string(1024, 'a'));
  sniffer.push(R"("})");
  sniffer.finish();
  CHECK(sniffer.type() == "response.create");
  CHECK(sniffer.bytes() > 64 * 1024);
}

TEST_CASE("response.completed gives its usage; other events do not", "[message_sniffer]") {
  MessageSniffer sniffer;
  sniffer.push(R"({"type":"response.completed","response":{"id":"r","usage":{"input_tokens":11,)");
  sniffer.push(R"("input_tokens_details":{"cached_tokens":2},"output_tokens":7,)");
  sniffer.push(R"("output_tokens_details":{"reasoning_tokens":3}}}})");
  sniffer.finish();
  REQUIRE(sniffer.usage());
  CHECK(sniffer.usage()->input_tokens == 11);
  CHECK(sniffer.usage()->output_tokens == 7);
  CHECK(sniffer.usage()->cached_tokens == 2);
  CHECK(sniffer.usage()->reasoning_tokens == 3);
  sniffer.push(R"({"type":"response.output_text.delta","response":{"usage":{"input_tokens":1}}})");
  sniffer.finish();
  CHECK_FALSE(sniffer.usage());
}

TEST_CASE("leading_type reads only a first \"type\" key", "[message_sniffer]") {
  CHECK(leading_type(R"(  { "type" : "a.b", "x": 1)") == "a.b");
  CHECK(leading_type(R"({"x":1,"type":"a"})").empty());
  CHECK(leading_type(R"({"type":"a\"b"})").empty());
  CHECK(leading_type("[1]").empty());
}
