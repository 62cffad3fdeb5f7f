#include "broker/body/request_body.h"

#include <boost/asio/buffer.hpp>
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

using namespace saferun::broker;

namespace {

RequestBody body_of(std::string_view text) {
  RequestBody body;
  body.allocate(text.size());
  std::memcpy(body.data(), text.data(), text.size());
  return body;
}

std::string forwarded(const RequestBody& body) {
  std::string out;
  for (auto buffer : body.forwarded_buffers()) out.append(static_cast<const char*>(buffer.data()), buffer.size());
  return out;
}

}  // namespace

TEST_CASE("a body without a splice is forwarded byte for byte") {
  auto body = body_of(R"({"max_tokens":32000})");
  CHECK(forwarded(body) == R"({"max_tokens":32000})");
  CHECK(body.forwarded_size() == body.size());
}

TEST_CASE("a splice replaces its range in what is forwarded, not in what was received") {
  std::string_view text = R"({"model":"m","max_tokens":32000})";
  auto body = body_of(text);
  auto at = text.find("32000");
  REQUIRE(body.splice({at, 5, "1024"}));
  CHECK(forwarded(body) == R"({"model":"m","max_tokens":1024})");
  CHECK(body.forwarded_size() == text.size() - 1);
  CHECK(body.view() == text);
}

TEST_CASE("a splice outside the body is refused and changes nothing") {
  auto body = body_of("{}");
  CHECK_FALSE(body.splice({1, 2, "x"}));
  CHECK_FALSE(body.splice({3, 0, "x"}));
  CHECK(body.splices().empty());
  CHECK(forwarded(body) == "{}");
}

TEST_CASE("appended pieces of a chunked body are held contiguously") {
  RequestBody body;
  std::string piece(10000, 'a');
  for (int i = 0; i < 5; ++i) body.append(piece.data(), piece.size());
  CHECK(body.size() == 50000);
  CHECK(body.view() == std::string(50000, 'a'));
}

TEST_CASE("releasing a body gives its reservation back") {
  auto budget = std::make_shared<BodyBudget>(100);
  auto body = body_of("12345");
  budget->reserve(5, [&](BodyReservation r) { body.hold(std::move(r)); });
  CHECK(budget->in_use() == 5);
  body.release();
  CHECK(budget->in_use() == 0);
  CHECK(body.size() == 0);
}

TEST_CASE("two splices are forwarded in body order around the received bytes") {
  auto body = body_of(R"({"a":1,"max_tokens":64000})");
  REQUIRE(body.splice({20, 5, "8192"}));
  REQUIRE(body.splice({1, 0, R"("stream_options":{"include_usage":true},)"}));
  CHECK(forwarded(body) == R"({"stream_options":{"include_usage":true},"a":1,"max_tokens":8192})");
  CHECK(body.forwarded_size() == forwarded(body).size());
}

TEST_CASE("an overlapping or a third splice is refused and changes nothing") {
  auto body = body_of("0123456789");
  REQUIRE(body.splice({2, 3, "x"}));
  CHECK_FALSE(body.splice({4, 2, "y"}));
  CHECK_FALSE(body.splice({2, 0, "y"}));
  REQUIRE(body.splice({5, 1, "z"}));
  CHECK_FALSE(body.splice({8, 1, "w"}));
  CHECK(forwarded(body) == "01xz6789");
}
