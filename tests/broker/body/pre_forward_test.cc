// The policy's seam, exercised on a real broker (on its own event-loop thread) in front of the
// plain fake upstream: the hook sees the whole body, its splice reaches the upstream, a refusal
// never does.

#include "broker/body/pre_forward.h"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "broker/policy/json_object_walk.h"
#include "broker/broker.h"
#include "broker/dispatch.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/raw_http.h"

using namespace saferun::broker;
using namespace saferun::test;

namespace {

class LiveBroker {
 public:
  explicit LiveBroker(const FakeUpstream& upstream, PreForwardHook hook) {
    std::string why;
    ActiveRoute active;
    active.route.name = "anthropic";
    active.route.base_path = "/anthropic";
    active.route.upstream = *parse_upstream_url(upstream.origin() + "/anthropic", why);
    active.route.credential = {"x-api-key", "", ""};
    active.route.provider = Provider::anthropic;
    active.route.allow.push_back(*parse_allow_rule("POST /v1/messages", why));
    active.secret = Secret("sk-ant-test");
    std::vector<ActiveRoute> routes;
    routes.push_back(std::move(active));
    broker_ = std::make_unique<Broker>(io_, std::move(routes), Secret("srt_token"), BrokerSettings{});
    broker_->set_pre_forward(std::move(hook));
    port_ = broker_->bind_loopback();
    broker_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~LiveBroker() {
    io_.post([this] { broker_->stop(); });
    io_.stop();
    thread_.join();
  }
  HttpResponse post(const std::string& body) {
    return http_request(port_, "POST", "/anthropic/v1/messages", {{"x-api-key", "srt_token"}}, body);
  }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<Broker> broker_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// What the policy issue asks for: read model and max_tokens, lower max_tokens to 1024.
PreForwardVerdict cap_max_tokens(const Dispatch&, std::string_view body) {
  PreForwardVerdict verdict;
  std::vector<policy::ValueSpan> model, max_tokens;
  policy::JsonObjectExtent extent;
  bool object = policy::walk_json_object(body, extent, [&](std::string_view key, policy::ValueSpan value) {
    if (key == "model") model.push_back(value);
    if (key == "max_tokens") max_tokens.push_back(value);
  });
  if (!object || max_tokens.size() != 1) {
    verdict.refuse = true;
    verdict.status = 400;
    verdict.reason = "body must be a JSON object with one max_tokens";
    return verdict;
  }
  if (model.size() == 1 && model[0].in(body) == "\"forbidden\"") {
    verdict.refuse = true;
    verdict.reason = "model not allowed";
    return verdict;
  }
  verdict.splice = BodySplice{max_tokens[0].begin, max_tokens[0].end - max_tokens[0].begin, "1024"};
  return verdict;
}

}  // namespace

TEST_CASE("a pre-forward splice of max_tokens reaches the upstream with a matching Content-Length") {
  FakeUpstream upstream;
  LiveBroker broker(upstream, cap_max_tokens);
  std::string padding(300000, 'p');
  auto body = R"({"model":"claude","messages":[{"role":"user","content":")" + padding + R"("}],"max_tokens":32000})";
  auto response = broker.post(body);
  REQUIRE(response.status == 200);
  auto requests = upstream.requests();
  REQUIRE(requests.size() == 1);
  auto expected = R"({"model":"claude","messages":[{"role":"user","content":")" + padding + R"("}],"max_tokens":1024})";
  CHECK(requests[0].body == expected);
  CHECK(requests[0].header("content-length") == std::to_string(expected.size()));
}

TEST_CASE("a pre-forward refusal is answered by the broker and never reaches the upstream") {
  FakeUpstream upstream;
  LiveBroker broker(upstream, cap_max_tokens);
  auto forbidden = broker.post(R"({"model":"forbidden","max_tokens":5})");
  CHECK(forbidden.status == 403);
  CHECK(nlohmann::json::parse(forbidden.body)["error"]["message"] == "model not allowed");
  auto twice = broker.post(R"({"model":"claude","max_tokens":5,"max_tokens":900000})");
  CHECK(twice.status == 400);
  CHECK(upstream.requests().empty());
}

TEST_CASE("a hook that throws is a 500 and the broker keeps serving") {
  FakeUpstream upstream;
  bool thrown = false;
  LiveBroker broker(upstream, [&](const Dispatch& d, std::string_view body) -> PreForwardVerdict {
    if (!thrown) {
      thrown = true;
      throw std::runtime_error("boom");
    }
    return cap_max_tokens(d, body);
  });
  CHECK(broker.post(R"({"max_tokens":5})").status == 500);
  CHECK(broker.post(R"({"max_tokens":5})").status == 200);
}
