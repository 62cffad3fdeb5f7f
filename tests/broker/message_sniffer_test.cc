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
  CHECK_FALSE(sniffer.whole());
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

TEST_CASE("a turn-ending event is kept whole for its usage; other events are not", "[message_sniffer]") {
  MessageSniffer sniffer;
  const std::string completed =
      R"({"type":"response.completed","response":{"id":"r","usage":{"input_tokens":11,"output_tokens":7}}})";
  sniffer.push(completed.substr(0, 20));
  sniffer.push(completed.substr(20));
  sniffer.finish();
  CHECK(sniffer.whole());
  CHECK(sniffer.text() == completed);
  for (const char* type : {"response.failed", "response.incomplete"}) {
    sniffer.push(std::string(R"({"type":")") + type + R"(","response":{}})");
    sniffer.finish();
    CHECK(sniffer.whole());
  }
  sniffer.push(R"({"type":"response.output_text.delta","response":{"usage":{"input_tokens":1}}})");
  sniffer.finish();
  CHECK_FALSE(sniffer.whole());
}

TEST_CASE("a turn-ending event over the bound is not kept", "[message_sniffer]") {
  MessageSniffer sniffer;
  sniffer.push(R"({"type":"response.completed","response":{"output":")");
  for (std::size_t sent = 0; sent <= MessageSniffer::kUsageBytes; sent += 1u << 20) sniffer.push(std::string(1u << 20, 'a'));
  sniffer.push(R"("}})");
  sniffer.finish();
  CHECK(sniffer.type() == "response.completed");
  CHECK_FALSE(sniffer.whole());
}

TEST_CASE("leading_type reads only a first \"type\" key", "[message_sniffer]") {
  CHECK(leading_type(R"(  { "type" : "a.b", "x": 1)") == "a.b");
  CHECK(leading_type(R"({"x":1,"type":"a"})").empty());
  CHECK(leading_type(R"({"type":"a\"b"})").empty());
  CHECK(leading_type("[1]").empty());
}
