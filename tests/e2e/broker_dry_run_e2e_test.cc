// The broker of a live dry-run session, spoken to directly: token checks, refusals in the
// provider's shape, limits, malformed HTTP — and it keeps serving after each.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/stat.h>

#include "tests/e2e/safe_run.h"
#include "tests/support/raw_http.h"

using namespace saferun::test;
using nlohmann::json;

namespace {

struct DryRun {
  DryRun(std::vector<std::string> options = {"--dry-run"}) : session(options, base_env({"ANTHROPIC_API_KEY=" + key})) {}
  std::string key = fake_key();
  LiveSession session;
  HttpResponse post(const std::string& target, const Headers& headers, const std::string& body = "{}") {
    return http_request(session.port(), "POST", target, headers, body);
  }
  Headers with_key() const { return {{"x-api-key", session.token()}, {"content-type", "application/json"}}; }
  Headers with_bearer() const { return {{"Authorization", "Bearer " + session.token()}}; }
  bool still_serves() {
    return http_request(session.port(), "GET", "/_safe-run/status", with_bearer()).status == 200;
  }
};

}  // namespace

TEST_CASE("a dry-run request with the token in x-api-key describes the forward", "[e2e][broker]") {
  DryRun run;
  REQUIRE(run.session.ready());
  auto response = run.post("/anthropic/v1/messages?beta=true", run.with_key(), R"({"model":"m","stream":true})");
  REQUIRE(response.status == 200);
  auto body = json::parse(response.body);
  CHECK(body["ok"] == true);
  CHECK(body["mode"] == "dry_run");
  CHECK(body["route"] == "anthropic");
  CHECK(body["forward"]["method"] == "POST");
  CHECK(body["forward"]["url"] == "https://api.anthropic.com/v1/messages?beta=true");
  CHECK(body["forward"]["credential_header"] == "x-api-key");
  CHECK(body["forward"]["secret_source"] == "env:ANTHROPIC_API_KEY");
  CHECK(body["request"]["model"] == "m");
  CHECK_FALSE(contains(response.body, run.session.token()));
  CHECK(run.session.end().status == 0);
}

TEST_CASE("a dry-run request with the token as a Bearer reaches the openai route", "[e2e][broker]") {
  DryRun run;
  REQUIRE(run.session.ready());
  auto response = run.post("/openai/v1/chat/completions", run.with_bearer(), "not json");
  REQUIRE(response.status == 200);
  auto body = json::parse(response.body);
  CHECK(body["forward"]["url"] == "https://api.openai.com/v1/chat/completions");
  CHECK(body["forward"]["credential_header"] == "authorization");
  CHECK(body["request"]["bytes"] == 8);
}

TEST_CASE("no token, a wrong token or a malformed token is a 401 that says do not retry", "[e2e][broker]") {
  DryRun run;
  REQUIRE(run.session.ready());
  auto wrong = run.session.token();
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  for (const Headers& headers : {Headers{}, Headers{{"x-api-key", wrong}}, Headers{{"x-api-key", "srt_\xc3\xa9"}},
                                 Headers{{"x-api-key", ""}}, Headers{{"Authorization", "Basic " + run.session.token()}},
                                 Headers{{"x-goog-api-key", run.session.token()}}}) {
    auto response = run.post("/anthropic/v1/messages", headers);
    CHECK(response.status == 401);
    CHECK(response.header("x-should-retry") == "false");
    auto body = json::parse(response.body);
    CHECK(body["type"] == "error");
    CHECK(body["error"]["type"] == "authentication_error");
  }
  auto openai = run.post("/openai/v1/chat/completions", {});
  CHECK(openai.status == 401);
  CHECK(json::parse(openai.body)["error"]["code"] == "invalid_api_key");
  CHECK(run.still_serves());
}

TEST_CASE("an unauthenticated HEAD of a route base is answered 200 and not forwarded", "[e2e][broker]") {
  DryRun run;
  REQUIRE(run.session.ready());
  CHECK(http_request(run.session.port(), "HEAD", "/anthropic").status == 200);
  CHECK(http_request(run.session.port(), "HEAD", "/").status == 200);
}

TEST_CASE("an unknown route is 404 and a path off the allowlist is 403 naming the rule", "[e2e][broker]") {
  DryRun run;
  REQUIRE(run.session.ready());
  auto unknown = run.post("/mistral/v1/generate", run.with_key());
  CHECK(unknown.status == 404);
  auto forbidden = http_request(run.session.port(), "DELETE", "/anthropic/v1/files/f1", run.with_key());
  CHECK(forbidden.status == 403);
  auto message = json::parse(forbidden.body)["error"]["message"].get<std::string>();
  CHECK(contains(message, "route 'anthropic' does not allow DELETE /v1/files/f1"));
  CHECK(run.still_serves());
}

TEST_CASE("absolute-form and traversal targets are 400 and the broker keeps serving", "[e2e][broker]") {
  DryRun run;
  REQUIRE(run.session.ready());
  for (const char* target : {"http://evil.example/anthropic/v1/messages", "//evil.example/v1/messages",
                             "/anthropic/../openai/v1/chat/completions", "/anthropic/%2e%2e/openai/v1/models",
                             "/anthropic/v1%2fmessages"}) {
    INFO(target);
    CHECK(run.post(target, run.with_key()).status == 400);
  }
  CHECK(run.still_serves());
}

TEST_CASE("malformed HTTP gets a 400 JSON answer and the broker keeps serving", "[e2e][broker]") {
  DryRun run;
  REQUIRE(run.session.ready());
  const std::string token = "x-api-key: " + run.session.token() + "\r\n";
  for (const std::string& garbage :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
        "POST /anthropic/v1/messages HTTP/1.1\r\n" + token + "Content-Length: -5\r\n\r\n",
        "POST /anthropic/v1/messages HTTP/1.1\r\n" + token + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        "POST /anthropic/v1/messages HTTP/1.1\r\n" + token + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST /anthropic/v1/messages HTTP/1.1\r\n" + token + "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
        std::string("GET / HTTP/1.1\r\nBad Header\r\n\r\n")}) {
    INFO(garbage.substr(0, garbage.find('\r')));
    auto responses = parse_responses(http_exchange(run.session.port(), garbage));
    REQUIRE(responses.size() == 1);
    CHECK(responses[0].status == 400);
    CHECK(json::parse(responses[0].body)["type"] == "error");
  }
  CHECK(run.still_serves());
}

TEST_CASE("a body over the limit is 413", "[e2e][broker]") {
  TempDir dir;
  auto config = dir.write("config.json", R"({"routes": [{"name": "anthropic", "provider": "anthropic",
    "upstream": "https://api.anthropic.com", "credential": "x-api-key: {secret}", "allow": ["POST /v1/messages"]}],
    "limits": {"max_body_bytes": 1000}})");
  DryRun run({"--dry-run", "--config", config});
  REQUIRE(run.session.ready());
  CHECK(run.post("/anthropic/v1/messages", run.with_key(), std::string(1001, 'x')).status == 413);
  CHECK(run.post("/anthropic/v1/messages", run.with_key(), std::string(1000, 'x')).status == 200);
  // Chunked bodies are counted on the bytes actually read.
  std::string chunked = "POST /anthropic/v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: " + run.session.token() +
                        "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + "3e9\r\n" + std::string(1001, 'y') +
                        "\r\n0\r\n\r\n";
  auto responses = parse_responses(http_exchange(run.session.port(), chunked));
  REQUIRE(responses.size() == 1);
  CHECK(responses[0].status == 413);
  CHECK(run.still_serves());
}

TEST_CASE("oversized request headers are refused and the broker keeps serving", "[e2e][broker]") {
  DryRun run;
  REQUIRE(run.session.ready());
  auto response = http_request(run.session.port(), "GET", "/_safe-run/status",
                               {{"x-api-key", run.session.token()}, {"x-padding", std::string(100000, 'p')}});
  CHECK(response.status == 431);
  CHECK(run.still_serves());
}

TEST_CASE("pipelined keep-alive requests are all answered in order", "[e2e][broker]") {
  DryRun run;
  REQUIRE(run.session.ready());
  auto one = request_bytes("POST", "/anthropic/v1/messages", run.with_key(), R"({"n":1})", false);
  auto two = request_bytes("POST", "/openai/v1/embeddings", run.with_bearer(), R"({"n":2})", false);
  auto three = request_bytes("GET", "/_safe-run/status", run.with_bearer(), "", true);
  auto responses = parse_responses(http_exchange(run.session.port(), one + two + three));
  REQUIRE(responses.size() == 3);
  CHECK(json::parse(responses[0].body)["request"]["n"] == 1);
  CHECK(json::parse(responses[1].body)["request"]["n"] == 2);
  CHECK(json::parse(responses[2].body)["requests"]["served"] == 2);
}

TEST_CASE("a close in any of a request's Connection fields ends the connection after its answer", "[e2e][broker]") {
  // RFC 9112 §9.6: "close" in the Connection field. Beast's message reads only the first such
  // field; the broker reads its parser's, which sees every one.
  DryRun run;
  REQUIRE(run.session.ready());
  auto headers = run.with_key();
  headers.push_back({"Connection", "keep-alive"});
  headers.push_back({"Connection", "close"});
  auto first = request_bytes("POST", "/anthropic/v1/messages", headers, R"({"n":1})", false);
  auto second = request_bytes("POST", "/anthropic/v1/messages", run.with_key(), R"({"n":2})", false);
  auto responses = parse_responses(http_exchange(run.session.port(), first + second, std::chrono::seconds(3)));
  REQUIRE(responses.size() == 1);
  CHECK(json::parse(responses[0].body)["request"]["n"] == 1);
  CHECK(responses[0].header("connection") == "close");
}

TEST_CASE("the status endpoint reports the session and needs the token", "[e2e][broker]") {
  DryRun run;
  REQUIRE(run.session.ready());
  CHECK(http_request(run.session.port(), "GET", "/_safe-run/status").status == 401);
  auto status = http_request(run.session.port(), "GET", "/_safe-run/status", run.with_bearer());
  REQUIRE(status.status == 200);
  auto body = json::parse(status.body);
  CHECK(body["session"] == run.session.session_id());
  CHECK(body["mode"] == "dry_run");
  CHECK(body["routes"].size() == 4);  // anthropic, openai, gemini, openrouter: dry-run enables every built-in route
  CHECK(body["requests"]["denied"] == 1);
  CHECK(body["uptime_seconds"].get<double>() >= 0);
}

TEST_CASE("the audit log records each request without the token or the key", "[e2e][broker]") {
  DryRun run;
  REQUIRE(run.session.ready());
  run.post("/anthropic/v1/messages?secret_query=1", run.with_key());
  run.post("/anthropic/v1/messages", {});
  auto audit_path = run.session.session_dir() + "/events.jsonl";
  struct stat info{};
  REQUIRE(::stat(audit_path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  auto audit = read_audit_log(audit_path);
  std::istringstream lines(audit);
  std::string line;
  std::vector<json> events;
  while (std::getline(lines, line)) events.push_back(json::parse(line));
  REQUIRE(events.size() == 2);
  CHECK(events[0]["status"] == 200);
  CHECK(events[0]["decision"] == "allowed");
  CHECK(events[0]["path"] == "/anthropic/v1/messages");
  CHECK(events[0]["route"] == "anthropic");
  CHECK(events[1]["status"] == 401);
  CHECK(events[1]["decision"] == "denied_auth");
  CHECK_FALSE(contains(audit, "secret_query"));
  CHECK_FALSE(contains(audit, run.session.token()));
  CHECK_FALSE(contains(audit, run.key));
  auto result = run.session.end();
  CHECK_FALSE(contains(result.out + result.err, run.key));
}

// The attack: the dry-run answer echoed the body through nlohmann's dump(), which recurses once
// per level: a body nested 100,000 deep crashed the session (SIGSEGV). Control: a shallow body
// is echoed as before.
TEST_CASE("a dry-run body nested 100,000 deep is described by its size and the session keeps serving",
          "[e2e][broker]") {
  DryRun run;
  REQUIRE(run.session.ready());
  const std::string deep = R"({"model":"m","x":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto response = run.post("/anthropic/v1/messages", run.with_key(), deep);
  REQUIRE(response.status == 200);
  CHECK(json::parse(response.body)["request"]["bytes"] == deep.size());
  CHECK(run.still_serves());
  const std::string big = R"({"model":"m","x":")" + std::string(2 << 20, 'x') + R"("})";  // 2 MiB: no tree built
  CHECK(json::parse(run.post("/anthropic/v1/messages", run.with_key(), big).body)["request"]["bytes"] == big.size());
  auto shallow = run.post("/anthropic/v1/messages", run.with_key(), R"({"model":"m","x":[[1]]})");
  CHECK(json::parse(shallow.body)["request"]["x"][0][0] == 1);
  CHECK(run.session.end().status == 0);
}
