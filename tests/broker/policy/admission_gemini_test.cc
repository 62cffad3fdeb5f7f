// What the policy reads from a Gemini request: its model (from the path), its output limit and
// candidate count (in generationConfig), and what it refuses there.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "broker/policy/admission.h"
#include "tests/broker/policy/admission_setup.h"

using namespace saferun::broker::policy;
using nlohmann::json;
using Setup = saferun::test::AdmissionSetup;

namespace {

const char* kGemini = "/gemini/v1beta/models/gemini-2.5-pro:streamGenerateContent";

// The forwarded body's generationConfig after the plan's edits.
json forwarded_config(std::string_view body, const Plan& plan) {
  return json::parse(apply_splices(body, plan.body_splices))["generationConfig"];
}

}  // namespace
TEST_CASE("a Gemini request's maxOutputTokens is read, lowered or inserted under a ceiling", "[policy][admission]") {
  Setup s;
  s.route.max_output_tokens = 100;
  s.route.output_tokens = 1'000'000;
  for (std::string_view body : {R"({"contents":[]})", R"({"contents":[],"generationConfig":{}})",
                                R"({"generationConfig":{ },"contents":[]})", R"({"generationConfig":null})",
                                R"({"generationConfig":{"temperature":0.5}})",
                                R"({"generationConfig":{"temperature":0.5,"maxOutputTokens":65536}})"}) {
    INFO(body);
    auto plan = s.plan(kGemini, body);
    REQUIRE(plan.status == 0);
    CHECK(plan.output_reserved == 100);
    auto config = forwarded_config(body, plan);
    CHECK(config["maxOutputTokens"] == 100);
    CHECK(config.size() == (std::string_view(body).find("temperature") != std::string_view::npos ? 2u : 1u));
  }
  auto snake = s.plan(kGemini, R"({"generation_config":{"max_output_tokens":65536}})");
  CHECK(json::parse(apply_splices(R"({"generation_config":{"max_output_tokens":65536}})", snake.body_splices))
            ["generation_config"]["max_output_tokens"] == 100);
  auto within = s.plan(kGemini, R"({"generationConfig":{"maxOutputTokens":50,"candidateCount":3}})");
  CHECK_FALSE(within.body_edited);
  CHECK(within.output_reserved == 150);  // three candidates of up to 50
  for (std::string_view twice : {R"({"generationConfig":{"maxOutputTokens":5,"max_output_tokens":65536}})",
                                 R"({"generationConfig":{"maxOutputTokens":5},"generation_config":{}})",
                                 R"({"generationConfig":{"candidateCount":1,"candidate_count":8}})"}) {
    INFO(twice);
    CHECK(s.plan(kGemini, twice).status == 400);
  }
  CHECK(s.plan(kGemini, R"({"generationConfig":"x"})").status == 400);  // unreadable
  CHECK(s.plan(kGemini, R"({"generationConfig":{"maxOutputTokens":-1}})").status == 400);
  CHECK(s.plan(kGemini, R"({"generationConfig":{"candidateCount":0}})").status == 400);
}

TEST_CASE("a Gemini request is judged by the model its path names, and counting tokens is free", "[policy][admission]") {
  Setup s;
  s.route.models = {"gemini-2.5-flash*"};
  CHECK(s.plan(kGemini, R"({"model":"gemini-2.5-flash","contents":[]})").status == 403);
  CHECK(s.plan("/gemini/v1beta/models/gemini-2.5-flash:generateContent", R"({"contents":[]})").status == 0);
  auto counting = s.plan("/gemini/v1beta/models/gemini-2.5-flash:countTokens", R"({"contents":[]})");
  CHECK(counting.status == 0);
  CHECK_FALSE(counting.metered);
  CHECK_FALSE(counting.body_edited);
}

TEST_CASE("a Gemini method path that names no models/<id> names no model, whatever the body says",
          "[policy][admission]") {
  Setup s;
  s.route.models = {"gemini-2.5-flash*"};
  const std::string_view body = R"({"model":"gemini-2.5-flash","contents":[]})";
  for (std::string_view path : {"/gemini/v1beta/tunedModels/x:generateContent", "/gemini/v1beta/models/a/b:generateContent"}) {
    INFO(path);
    auto plan = s.plan(path, body);
    CHECK(plan.status == 403);
    CHECK(plan.decision == "denied_model");
  }
}

TEST_CASE("a Gemini method the policy does not know is refused while a rule reads the body", "[policy][admission]") {
  const auto path = "/gemini/v1beta/models/gemini-2.5-flash:batchGenerateContent";
  Setup open;
  CHECK(open.plan(path, R"({"requests":[]})").status == 0);  // no rule: the allowlist alone decides
  Setup budget;
  budget.route.output_tokens = 1'000'000;
  auto plan = budget.plan(path, R"({"requests":[]})");
  CHECK(plan.status == 403);
  CHECK(plan.reason.find("batchGenerateContent") != std::string::npos);
}

TEST_CASE("a Gemini maxOutputTokens of 0 (unset to proto3) is no limit: the ceiling replaces it", "[policy][admission]") {
  Setup s;
  s.route.output_tokens = 1'000'000;
  const std::string_view body = R"({"generationConfig":{"maxOutputTokens":0}})";
  CHECK(s.plan(kGemini, body).output_reserved == s.settings.assumed_output_tokens);
  s.route.max_output_tokens = 100;
  auto capped = s.plan(kGemini, body);
  CHECK(capped.output_reserved == 100);
  CHECK(forwarded_config(body, capped)["maxOutputTokens"] == 100);
}

TEST_CASE("a generationConfig key a Go relay reads as a limit is refused while a rule reads the body",
          "[policy][admission]") {
  Setup s;
  s.route.output_tokens = 1'000'000;
  for (std::string_view body : {R"({"generationConfig":{"maxOutputTokens":50,"MaxOutputTokens":65536}})",
                                R"({"generationConfig":{"CandidateCount":8}})"}) {
    INFO(body);
    CHECK(s.plan(kGemini, body).status == 400);
  }
  CHECK(s.plan(kGemini, R"({"generationConfig":{"maxOutputTokens":50,"temperature":1}})").status == 0);
}

TEST_CASE("an output limit that is not a whole number is refused under a budget, not only under a ceiling",
          "[policy][admission]") {
  const auto gemini = "/gemini/v1beta/models/gemini-2.5-flash:generateContent";
  Setup budget;
  budget.route.output_tokens = 1'000'000;
  auto plan = budget.plan(gemini, R"({"generationConfig":{"maxOutputTokens":"65536"}})");
  CHECK(plan.status == 400);
  CHECK(plan.reason.find("generationConfig.maxOutputTokens must be a whole number") != std::string::npos);
  Setup open;
  CHECK(open.plan(gemini, R"({"generationConfig":{"maxOutputTokens":"65536"}})").status == 0);
}
