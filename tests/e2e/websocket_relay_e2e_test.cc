// The WebSocket relay (Codex's Responses transport) against a TLS WebSocket fake upstream:
// authentication before the upgrade, the allowlist's WS rules, frames both ways, the key swap,
// masking, limits, and every way a relay ends.

#include <catch2/catch.hpp>
#include <future>
#include <thread>
#include <nlohmann/json.hpp>

#include "tests/e2e/ws_session.h"

using namespace saferun::test;
using nlohmann::json;

namespace {

constexpr auto kWait = std::chrono::seconds(5);

}  // namespace

TEST_CASE("a Responses turn over a WebSocket is relayed with the real key, never the token", "[e2e][websocket]") {
  WsSession ws;
  REQUIRE(ws.session->ready());
  auto headers = ws.auth();
  headers.push_back({"openai-beta", "responses_websockets=2026-02-06"});
  WsClient client(ws.session->port(), "/openai/v1/responses", headers);
  REQUIRE(client.open());
  client.send(R"({"type":"response.create","model":"gpt-test","input":[]})");
  for (const auto& expected : fake_response_events()) {
    auto message = client.read();
    REQUIRE(message);
    CHECK(message->text);
    CHECK(message->payload == expected);
  }
  auto handshakes = ws.upstream.handshakes();
  REQUIRE(handshakes.size() == 1);
  CHECK(handshakes[0].target == "/v1/responses");
  CHECK(same_secret(handshakes[0].header("authorization"), "Bearer " + ws.key));
  CHECK(handshakes[0].header("openai-beta") == "responses_websockets=2026-02-06");
  CHECK_FALSE(ws.upstream.received_bytes(ws.session->token()));
  auto audit = ws.audit();
  CHECK(contains(audit, R"("method":"WS","path":"/openai/v1/responses")"));
  CHECK(contains(audit, R"("decision":"ws_message")"));
  CHECK(contains(audit, R"("message_type":"response.create")"));
  CHECK(contains(audit, R"("model":"gpt-test")"));  // the turn's record, settled from response.completed
  CHECK(contains(audit, R"("input_tokens":9,"output_tokens":7,"cache_write_tokens":0,"cache_read_tokens":2)"));
  CHECK_FALSE(contains(audit, ws.key));
  client.close(1000, "done");
  auto result = ws.session->end();
  CHECK(result.status == 0);
  CHECK_FALSE(contains(result.out + result.err, ws.key));
}

TEST_CASE("an upgrade without the token or with a wrong one is refused with 401 before any upgrade",
          "[e2e][websocket]") {
  WsSession ws;
  REQUIRE(ws.session->ready());
  WsClient anonymous(ws.session->port(), "/openai/v1/responses", {});
  CHECK_FALSE(anonymous.open());
  CHECK(anonymous.refused_status() == 401);
  WsClient wrong(ws.session->port(), "/openai/v1/responses", {{"Authorization", "Bearer srt_" + std::string(64, '0')}});
  CHECK_FALSE(wrong.open());
  CHECK(wrong.refused_status() == 401);
  CHECK(json::parse(wrong.refused_body())["error"]["code"] == "invalid_api_key");
  CHECK(ws.upstream.handshakes().empty());
}

TEST_CASE("only a WS rule opens a relay: GET /responses does not, nor a path off the allowlist", "[e2e][websocket]") {
  WsSession ws(R"(["GET /responses", "POST /responses"])");
  REQUIRE(ws.session->ready());
  auto client = ws.connect();
  CHECK_FALSE(client->open());
  CHECK(client->refused_status() == 403);
  WsSession allowed(R"(["WS /responses"])");
  REQUIRE(allowed.session->ready());
  CHECK(allowed.connect("/openai/v1/chat/completions")->refused_status() == 403);
  CHECK(allowed.connect()->open());  // the control: the same upgrade, allowed by its WS rule
  CHECK(ws.upstream.handshakes().empty());
}

TEST_CASE("frames are relayed in order both ways: text, binary, fragments, pings", "[e2e][websocket]") {
  WsSession ws;
  auto client = ws.open_client();
  client->send("echo:first");
  client->send("echo:\x01\x02 binary", /*text=*/false);
  client->send_fragments({"echo:a-", "b-", "c"});
  client->send("fragments");
  std::vector<std::pair<bool, std::string>> expected = {
      {true, "first"}, {false, "\x01\x02 binary"}, {true, "a-b-c"}, {true, "one-two-three"}};
  for (const auto& [text, payload] : expected) {
    auto message = client->read();
    REQUIRE(message);
    CHECK(message->text == text);
    CHECK(message->payload == payload);
  }
  client->ping("p-from-client");
  client->send("ping:p-from-upstream");
  auto pinged = client->read();
  REQUIRE(pinged);
  CHECK(pinged->payload == "pinged");
  CHECK(client->pings() == std::vector<std::string>{"p-from-upstream"});
  CHECK(client->pongs() == std::vector<std::string>{"p-from-client"});
  CHECK(ws.upstream.wait_until([&] { return ws.upstream.pings().size() == 1; }, kWait));
  CHECK(ws.upstream.pings() == std::vector<std::string>{"p-from-client"});
  auto messages = ws.upstream.messages();
  REQUIRE(messages.size() == 5);
  CHECK(messages[2].payload == "echo:a-b-c");
  CHECK_FALSE(messages[1].text);
}

TEST_CASE("close codes pass both ways", "[e2e][websocket]") {
  WsSession ws;
  auto client = ws.open_client();
  client->send("close:4001");
  CHECK_FALSE(client->read());
  CHECK(client->close_code() == 4001);
  auto second = ws.connect();
  REQUIRE(second->open());
  second->close(4002, "client done");
  CHECK(ws.upstream.wait_until([&] { return ws.upstream.close_codes().size() == 1; }, kWait));
  CHECK(ws.upstream.close_codes() == std::vector<int>{4002});
}

TEST_CASE("a key the upstream echoes in a frame reaches the client masked", "[e2e][websocket]") {
  WsSession ws;
  auto client = ws.open_client();
  client->send("reflect");
  auto message = client->read();
  REQUIRE(message);
  CHECK(contains(message->payload, "you sent: Bearer ****"));
  CHECK_FALSE(contains(message->payload, ws.key));
  CHECK(message->payload.size() == std::string("you sent: Bearer ").size() + ws.key.size());
}

TEST_CASE("a client message over the body limit closes the client with 1009 and the upstream", "[e2e][websocket]") {
  WsSession ws(R"(["WS /responses"])", R"({"max_body_bytes": 1024})");
  auto client = ws.open_client();
  client->send("echo:" + std::string(1000, 'a'));  // the control: under the limit, relayed
  REQUIRE(client->read());
  client->send("echo:" + std::string(2000, 'a'));
  CHECK_FALSE(client->read());
  INFO(client->last_error());
  CHECK(client->close_code() == 1009);
  CHECK(ws.upstream.wait_until([&] { return ws.upstream.ended_connections() == 1; }, kWait));
  CHECK(ws.upstream.messages().size() == 1);
  CHECK(ws.upstream.close_codes() == std::vector<int>{1001});
}

// A held client message used to be outside the broker-wide body budget: 512 relays could hold
// 32 MiB each, past max_body_bytes_in_flight.
TEST_CASE("a client message the relay holds draws on the broker's body budget: an HTTP body waits until it is sent",
          "[e2e][websocket]") {
  WsSession ws(R"(["WS /responses", "POST /responses"])", R"({"max_body_bytes_in_flight": 262144})");
  auto client = ws.open_client();
  client->send_piece("echo:" + std::string(200 * 1024, 'a'), /*last=*/false);  // held: the whole budget
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto post = std::async(std::launch::async, [&] {
    return http_request(ws.session->port(), "POST", "/openai/v1/responses", ws.auth(), std::string(10 * 1024, 'b'));
  });
  CHECK(post.wait_for(std::chrono::seconds(1)) == std::future_status::timeout);  // waits for the budget
  client->send_piece("-end", /*last=*/true);
  auto echoed = client->read();
  REQUIRE(echoed);
  CHECK(echoed->payload.size() == 200 * 1024 + 4);
  REQUIRE(post.wait_for(kWait) == std::future_status::ready);  // the message went: its budget came back
  CHECK(post.get().status == 200);
}

TEST_CASE("the client closing mid-response closes the upstream", "[e2e][websocket]") {
  WsSession ws;
  auto client = ws.open_client();
  client->send("stream");
  REQUIRE(client->read());
  REQUIRE(client->read());
  client.reset();  // gone without a close frame, like a killed agent
  CHECK(ws.upstream.wait_until([&] { return ws.upstream.ended_connections() == 1; }, kWait));
}

TEST_CASE("an upstream that refuses the upgrade is an HTTP error for the client", "[e2e][websocket]") {
  WsSession ws;
  REQUIRE(ws.session->ready());
  ws.upstream.refuse_upgrades(426);
  auto client = ws.connect();
  CHECK_FALSE(client->open());
  CHECK(client->refused_status() == 426);
  CHECK(contains(client->refused_body(), "refused the WebSocket upgrade"));
}

TEST_CASE("a relay silent past the idle timeout is closed on both sides with 1001", "[e2e][websocket]") {
  WsSession ws(R"(["WS /responses"])", R"({"upstream_idle_timeout_seconds": 1})");
  auto client = ws.open_client();
  CHECK_FALSE(client->read(std::chrono::seconds(5)));
  CHECK(client->close_code() == 1001);
  CHECK(ws.upstream.wait_until([&] { return ws.upstream.ended_connections() == 1; }, kWait));
}

TEST_CASE("the session's teardown closes an open relay", "[e2e][websocket]") {
  WsSession ws;
  auto client = ws.open_client();
  client->send("stream");
  REQUIRE(client->read());
  auto result = ws.session->end();
  CHECK(result.status == 0);
  CHECK(ws.upstream.wait_until([&] { return ws.upstream.ended_connections() == 1; }, kWait));
  CHECK_FALSE(client->read(std::chrono::seconds(2)));
}

TEST_CASE("garbage after the upgrade closes that relay only; the broker keeps serving", "[e2e][websocket]") {
  WsSession ws;
  REQUIRE(ws.session->ready());
  RawConnection raw(ws.session->port());
  REQUIRE(raw.connected());
  raw.send(request_bytes("GET", "/openai/v1/responses",
                         {{"Authorization", "Bearer " + ws.session->token()}, {"Upgrade", "websocket"},
                          {"Connection", "Upgrade"}, {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                          {"Sec-WebSocket-Version", "13"}},
                         "", false));
  auto answer = raw.read(kWait);
  REQUIRE(answer);
  REQUIRE(contains(answer->bytes, "HTTP/1.1 101"));
  raw.send(std::string("\xff\xff\xff\xff\x00\x01 not a frame", 18));  // unmasked, reserved bits: a protocol error
  // The broker answers with a close frame, 1002 (protocol error); once the client's socket
  // is gone, the upstream is closed too.
  auto closing = raw.read(kWait);
  REQUIRE(closing);
  CHECK(closing->bytes.substr(0, 4) == std::string("\x88\x02\x03\xea", 4));
  raw.close();
  CHECK(ws.upstream.wait_until([&] { return ws.upstream.ended_connections() == 1; }, kWait));
  auto client = ws.connect();  // the control: the next relay works
  REQUIRE(client->open());
  client->send("echo:still here");
  auto message = client->read();
  REQUIRE(message);
  CHECK(message->payload == "still here");
}
