#include "broker/answer_body_filter.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace saferun::broker;

namespace {

const std::string kSecret = "sk-ant-api03-FILTERTESTSECRET";

std::shared_ptr<const RedactionList> secrets() {
  return std::make_shared<const RedactionList>(std::vector<std::string_view>{kSecret});
}

}  // namespace

TEST_CASE("an answer's body passes through the filter whole, a secret split across pieces masked", "[answer_body_filter]") {
  AnswerBodyFilter filter(secrets(), nullptr);
  CHECK_FALSE(filter.edits_body());
  CHECK(filter.meter() == nullptr);
  std::string body = "data: {\"echo\":\"" + kSecret + "\"}\n\n";
  std::string out;
  std::size_t from = 0;
  for (std::size_t cut : {std::size_t{5}, body.find("sk-") + 4, body.size() - 3, body.size()}) {
    filter.pass(std::string_view(body).substr(from, cut - from), out);
    from = cut;
  }
  filter.finish(out);
  CHECK(out.find(kSecret) == std::string::npos);
  CHECK(out.rfind("data: {\"echo\":\"", 0) == 0);
  CHECK(out.substr(out.size() - 4) == "\"}\n\n");
}

TEST_CASE("an answer without a secret passes through the filter unchanged", "[answer_body_filter]") {
  AnswerBodyFilter filter(secrets(), nullptr);
  std::string out;
  filter.pass("{\"type\":\"message\",", out);
  filter.pass("\"content\":[]}", out);
  filter.finish(out);
  CHECK(out == "{\"type\":\"message\",\"content\":[]}");
}
