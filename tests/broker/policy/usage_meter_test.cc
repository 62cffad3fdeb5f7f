#include "broker/policy/usage_meter.h"

#include <catch2/catch.hpp>
#include <zlib.h>

#include <string>

using namespace saferun::broker::policy;

namespace {

const std::string kAnthropicStream =
    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"usage\":"
    "{\"input_tokens\":25,\"output_tokens\":1,\"cache_creation_input_tokens\":7,\"cache_read_input_tokens\":9}}}\n\n"
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"about usage\"}}\n\n"
    "event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":42}}\n\n"
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

const std::string kChatStreamWithUsage =
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}],\"usage\":null}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":3,\"total_tokens\":14}}\n\n"
    "data: [DONE]\n\n";

// Feeds `text` in pieces of `size` bytes, as reads from the upstream would arrive.
void feed_in_pieces(UsageMeter& meter, const std::string& text, std::size_t size, std::string* out = nullptr) {
  for (std::size_t at = 0; at < text.size(); at += size) {
    auto piece = std::string_view(text).substr(at, size);
    out ? meter.filter(piece, *out) : meter.feed(piece);
  }
}

}  // namespace

TEST_CASE("an Anthropic stream is metered whatever the read sizes", "[policy][usage_meter]") {
  for (std::size_t size : {1, 7, 64, 100000}) {
    INFO(size);
    UsageMeter meter;
    meter.start(AnswerFormat::sse, false);
    feed_in_pieces(meter, kAnthropicStream, size);
    std::string out;
    meter.finish(out);
    REQUIRE(meter.reported());
    CHECK(meter.usage().input == 25);
    CHECK(meter.usage().cache_write == 7);
    CHECK(meter.usage().cache_read == 9);
    CHECK(meter.usage().output == 42);
  }
}

TEST_CASE("a stream cut before message_delta keeps message_start's usage", "[policy][usage_meter]") {
  UsageMeter meter;
  meter.start(AnswerFormat::sse, false);
  auto cut = kAnthropicStream.substr(0, kAnthropicStream.find("event: message_delta") + 30);
  meter.feed(cut);
  std::string out;
  meter.finish(out);
  REQUIRE(meter.reported());
  CHECK(meter.usage().input == 25);
  CHECK(meter.usage().output == 1);
}

TEST_CASE("the usage chunk the broker asked for is stripped and the rest passes byte for byte",
          "[policy][usage_meter]") {
  for (std::size_t size : {1, 5, 4096}) {
    INFO(size);
    UsageMeter meter;
    meter.start(AnswerFormat::sse, true);
    std::string out;
    feed_in_pieces(meter, kChatStreamWithUsage, size, &out);
    meter.finish(out);
    CHECK(meter.usage().input == 11);
    CHECK(meter.usage().output == 3);
    auto usage_chunk = kChatStreamWithUsage.find("data: {\"choices\":[],");
    auto done = kChatStreamWithUsage.find("data: [DONE]");
    auto expected = kChatStreamWithUsage.substr(0, usage_chunk) + kChatStreamWithUsage.substr(done);
    for (auto at = expected.find(",\"usage\":null"); at != std::string::npos; at = expected.find(",\"usage\":null"))
      expected.erase(at, 13);
    CHECK(out == expected);
    CHECK(out.find("usage") == std::string::npos);
  }
}

TEST_CASE("without stripping, the filter passes every byte at once", "[policy][usage_meter]") {
  UsageMeter meter;
  meter.start(AnswerFormat::sse, false);
  std::string out;
  meter.filter("data: {\"choi", out);
  CHECK(out == "data: {\"choi");  // nothing held back
}

TEST_CASE("a JSON answer is read whole, and a cut one from its last usage object", "[policy][usage_meter]") {
  UsageMeter whole;
  whole.start(AnswerFormat::json, false);
  feed_in_pieces(whole, R"({"id":"x","usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}})", 9);
  std::string out;
  whole.finish(out);
  CHECK(whole.usage().input == 5);
  CHECK(whole.usage().output == 3);
  UsageMeter cut;
  cut.start(AnswerFormat::json, false);
  cut.feed(R"({"usage":{"input_tokens":4,"output_tokens":2},"content":[{"text":"trunc)");
  cut.finish(out);
  REQUIRE(cut.reported());
  CHECK(cut.usage().input == 4);
}

TEST_CASE("a Responses answer's web searches count only from a whole answer, not a usage object found alone",
          "[policy][usage_meter][hosted_tools]") {
  const std::string calls = R"("output":[{"type":"web_search_call","action":{"type":"search","query":"a"}},)"
                            R"({"type":"web_search_call","action":{"type":"search","queries":["b","c","d"]}},)"
                            R"({"type":"message","content":[]}],"usage":{"input_tokens":5,"output_tokens":3,"total_tokens":8}})";
  UsageMeter whole;
  whole.start(AnswerFormat::json, false);
  feed_in_pieces(whole, R"({"id":"r",)" + calls, 7);
  std::string out;
  whole.finish(out);
  CHECK(whole.usage().web_searches == 4);  // one, then three queries in one call
  CHECK(whole.usage().web_search_count_seen);
  // A lone surrogate the client put in `instructions`, echoed: the parser refuses the answer, and
  // only its usage object is found, which counts no search (the meter then charges the reserve).
  UsageMeter unparsed;
  unparsed.start(AnswerFormat::json, false);
  unparsed.feed(R"({"id":"r","instructions":"\ud800",)" + calls);
  unparsed.finish(out);
  REQUIRE(unparsed.reported());
  CHECK(unparsed.usage().web_searches == 0);
  CHECK_FALSE(unparsed.usage().web_search_count_seen);
}

TEST_CASE("a deflate-compressed answer is read from an inflated copy, in any piece sizes", "[policy][usage_meter]") {
  std::string json = R"({"id":"x","usage":{"input_tokens":21,"output_tokens":8}})";
  std::string compressed(compressBound(json.size()), '\0');
  auto length = static_cast<uLongf>(compressed.size());
  REQUIRE(compress2(reinterpret_cast<Bytef*>(compressed.data()), &length, reinterpret_cast<const Bytef*>(json.data()),
                    json.size(), 9) == Z_OK);
  compressed.resize(length);
  CHECK(is_zlib_encoding("deflate"));
  CHECK(is_zlib_encoding("gzip"));
  CHECK_FALSE(is_zlib_encoding("br"));
  for (std::size_t size : {1, 3, 1000}) {
    INFO(size);
    UsageMeter meter;
    meter.start(answer_format("application/json", "deflate"), false, true);
    feed_in_pieces(meter, compressed, size);
    std::string out;
    meter.finish(out);
    REQUIRE(meter.reported());
    CHECK(meter.usage().input == 21);
    CHECK(meter.usage().output == 8);
  }
  UsageMeter corrupt;
  corrupt.start(AnswerFormat::json, false, true);
  corrupt.feed("not deflate at all");
  CHECK(corrupt.unreadable());
}

TEST_CASE("an answer in an encoding the meter cannot inflate says so", "[policy][usage_meter]") {
  CHECK(answer_format("application/json", "br") == AnswerFormat::unreadable);
  CHECK(answer_format("application/json", "gzip") == AnswerFormat::json);
  CHECK(answer_format("text/event-stream; charset=utf-8", "") == AnswerFormat::sse);
  CHECK(answer_format("application/json", "identity") == AnswerFormat::json);
  UsageMeter meter;
  meter.start(AnswerFormat::unreadable, false);
  meter.feed("\x1f\x8b...");
  std::string out;
  meter.finish(out);
  CHECK(meter.unreadable());
  CHECK_FALSE(meter.reported());
}

TEST_CASE("a WebSocket message is metered whole", "[policy][usage_meter]") {
  UsageMeter meter;
  meter.feed_message(R"({"type":"response.completed","response":{"usage":{"input_tokens":9,"output_tokens":4,"total_tokens":13}}})");
  CHECK(meter.usage().input == 9);
  CHECK(meter.usage().output == 4);
}
