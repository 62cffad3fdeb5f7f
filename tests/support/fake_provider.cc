#include "tests/support/fake_provider.h"

#include "tests/support/fake_gemini.h"

#include <httplib.h>
#include <openssl/evp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

namespace saferun::test {
namespace {

using nlohmann::json;

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool wants_stream(const httplib::Request& request) {
  auto body = json::parse(request.body, nullptr, false);
  return body.is_object() && body.value("stream", false);
}

struct FakeUsage {
  long input = 10, output = 5, cache_write = -1, cache_read = -1;  // -1: not reported
  long web_searches = -1;  // Anthropic's server_tool_use.web_search_requests
};

FakeUsage fake_usage(const httplib::Request& request) {
  FakeUsage usage;
  auto text = request.get_header_value("x-fake-usage");
  if (!text.empty()) std::sscanf(text.c_str(), "%ld,%ld,%ld,%ld,%ld", &usage.input, &usage.output, &usage.cache_write, &usage.cache_read,
                &usage.web_searches);
  return usage;
}

json anthropic_usage(const FakeUsage& u) {
  json usage = {{"input_tokens", u.input}, {"output_tokens", u.output}};
  if (u.cache_write >= 0) usage["cache_creation_input_tokens"] = u.cache_write;
  if (u.cache_read >= 0) usage["cache_read_input_tokens"] = u.cache_read;
  if (u.web_searches >= 0) usage["server_tool_use"] = {{"web_search_requests", u.web_searches}};
  return usage;
}

// `delay_ms` after the first event; `cut_after` > 0 ends the connection after that many events.
void send_sse(httplib::Response& response, std::vector<std::string> events, int delay_ms = 0,
              std::size_t cut_after = 0) {
  response.set_chunked_content_provider("text/event-stream", [events, delay_ms, cut_after](std::size_t, httplib::DataSink& sink) {
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (cut_after > 0 && i == cut_after) return false;
      if (i == 1 && delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      if (!sink.write(events[i].data(), events[i].size())) return false;
    }
    sink.done();
    return true;
  });
}

std::string event(const std::string& name, const json& data) {
  return "event: " + name + "\ndata: " + data.dump() + "\n\n";
}

json anthropic_message(const FakeUsage& usage = {}) {
  return {{"id", "msg_fake"}, {"type", "message"}, {"role", "assistant"}, {"model", "claude-test"},
          {"content", json::array({{{"type", "text"}, {"text", "Hello from fake"}}})},
          {"stop_reason", "end_turn"}, {"stop_sequence", nullptr},
          {"usage", anthropic_usage(usage)}};
}

// message_delta's usage: the output so far, and the searches run (cumulative, as Anthropic sends them).
json delta_usage(const FakeUsage& u) {
  json usage = {{"output_tokens", u.output}};
  if (u.web_searches >= 0) usage["server_tool_use"] = {{"web_search_requests", u.web_searches}};
  return usage;
}

void anthropic_stream(const httplib::Request& request, httplib::Response& response) {
  auto usage = fake_usage(request);
  auto start = anthropic_message(usage);
  start["usage"]["output_tokens"] = 1;
  if (usage.web_searches >= 0) start["usage"]["server_tool_use"]["web_search_requests"] = 0;  // counted at the end
  start["content"] = json::array();
  start["stop_reason"] = nullptr;
  auto delta = [](const char* text) {
    return json{{"type", "content_block_delta"}, {"index", 0}, {"delta", {{"type", "text_delta"}, {"text", text}}}};
  };
  send_sse(response,
           {event("message_start", {{"type", "message_start"}, {"message", start}}),
            event("content_block_start", {{"type", "content_block_start"}, {"index", 0},
                                          {"content_block", {{"type", "text"}, {"text", ""}}}}),
            event("ping", {{"type", "ping"}}), event("content_block_delta", delta("Hello")),
            event("content_block_delta", delta(" from fake")),
            event("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}}),
            event("message_delta", {{"type", "message_delta"},
                                    {"delta", {{"stop_reason", "end_turn"}, {"stop_sequence", nullptr}}},
                                    {"usage", delta_usage(usage)}}),
            event("message_stop", {{"type", "message_stop"}})},
           std::atoi(request.get_header_value("x-fake-delay-ms").c_str()),
           request.get_header_value("x-fake-cut") == "start" ? 4 : 0);
}

json anthropic_model(const std::string& id) {
  return {{"type", "model"}, {"id", id}, {"display_name", "Claude Test"}, {"created_at", "2025-01-01T00:00:00Z"}};
}

void answer_anthropic(const httplib::Request& request, httplib::Response& response) {
  const auto& path = request.path;
  if (ends_with(path, "/v1/messages/count_tokens")) {
    response.set_content(json{{"input_tokens", 42}}.dump(), "application/json");
  } else if (ends_with(path, "/v1/messages")) {
    if (wants_stream(request)) return anthropic_stream(request, response);
    response.set_content(anthropic_message(fake_usage(request)).dump(), "application/json");
  } else if (ends_with(path, "/v1/models")) {
    response.set_content(json{{"data", json::array({anthropic_model("claude-test")})}, {"has_more", false},
                              {"first_id", "claude-test"}, {"last_id", "claude-test"}}
                             .dump(),
                         "application/json");
  } else if (path.find("/v1/models/") != std::string::npos) {
    response.set_content(anthropic_model(path.substr(path.rfind('/') + 1)).dump(), "application/json");
  } else {
    response.status = 404;
    response.set_content(R"({"type":"error","error":{"type":"not_found_error","message":"fake: no such path"}})",
                         "application/json");
  }
}

json chat_chunk(const json& delta, const json& finish) {
  return {{"id", "chatcmpl-fake"}, {"object", "chat.completion.chunk"}, {"created", 1700000000},
          {"model", "gpt-test"},
          {"choices", json::array({{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}})}};
}

json chat_usage(const FakeUsage& u) {
  json usage = {{"prompt_tokens", u.input}, {"completion_tokens", u.output}, {"total_tokens", u.input + u.output}};
  if (u.cache_read >= 0) usage["prompt_tokens_details"] = {{"cached_tokens", u.cache_read}};
  return usage;
}

void openai_chat(const httplib::Request& request, httplib::Response& response) {
  auto body = json::parse(request.body, nullptr, false);
  auto usage = fake_usage(request);
  if (wants_stream(request)) {
    const bool include_usage = body.contains("stream_options") && body["stream_options"].is_object() &&
                               body["stream_options"].value("include_usage", false);
    auto data = [include_usage](json chunk) {
      if (include_usage) chunk["usage"] = nullptr;
      return "data: " + chunk.dump() + "\n\n";
    };
    std::vector<std::string> events = {data(chat_chunk({{"role", "assistant"}, {"content", "Hello"}}, nullptr)),
                                       data(chat_chunk({{"content", " from fake"}}, nullptr)),
                                       data(chat_chunk(json::object(), "stop"))};
    if (include_usage) {
      auto last = chat_chunk(json::object(), nullptr);
      last["choices"] = json::array();
      last["usage"] = chat_usage(usage);
      events.push_back("data: " + last.dump() + "\n\n");
    }
    events.push_back("data: [DONE]\n\n");
    return send_sse(response, events);
  }
  json completion = {{"id", "chatcmpl-fake"}, {"object", "chat.completion"}, {"created", 1700000000},
                     {"model", "gpt-test"},
                     {"choices", json::array({{{"index", 0},
                                               {"message", {{"role", "assistant"}, {"content", "Hello from fake"}}},
                                               {"finish_reason", "stop"}, {"logprobs", nullptr}}})},
                     {"usage", request.has_header("x-fake-usage")
                                   ? chat_usage(usage)
                                   : json{{"prompt_tokens", 5}, {"completion_tokens", 3}, {"total_tokens", 8}}}};
  response.set_content(completion.dump(), "application/json");
}

std::string base64_floats(const std::vector<float>& values) {
  std::string bytes(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

void openai_embeddings(const httplib::Request& request, httplib::Response& response) {
  auto body = json::parse(request.body, nullptr, false);
  std::vector<float> vector = {0.25f, 0.5f, 0.75f};
  json embedding = vector;
  if (body.is_object() && body.value("encoding_format", "") == "base64") embedding = base64_floats(vector);
  response.set_content(json{{"object", "list"},
                            {"data", json::array({{{"object", "embedding"}, {"index", 0}, {"embedding", embedding}}})},
                            {"model", "text-embedding-test"},
                            {"usage", {{"prompt_tokens", 2}, {"total_tokens", 2}}}}
                           .dump(),
                       "application/json");
}

// x-fake-usage's fifth field: that many web_search_call items before the message.
void openai_responses(const httplib::Request& request, httplib::Response& response) {
  FakeUsage usage{5, 3};
  if (request.has_header("x-fake-usage")) usage = fake_usage(request);
  json output = json::array();
  for (long i = 0; i < usage.web_searches; ++i)
    output.push_back({{"type", "web_search_call"}, {"id", "ws_fake" + std::to_string(i)}, {"status", "completed"},
                      {"action", {{"type", "search"}, {"query", "fake"}}}});
  output.push_back({{"type", "message"}, {"id", "msg_fake"}, {"status", "completed"}, {"role", "assistant"},
                    {"content", json::array({{{"type", "output_text"}, {"text", "Hello from fake"},
                                              {"annotations", json::array()}}})}});
  response.set_content(json{{"id", "resp_fake"}, {"object", "response"}, {"created_at", 1700000000},
                            {"status", "completed"}, {"model", "gpt-test"}, {"output", output},
                            {"usage", {{"input_tokens", usage.input}, {"output_tokens", usage.output},
                                       {"total_tokens", usage.input + usage.output}}}}
                           .dump(),
                       "application/json");
}

json openai_model(const std::string& id) {
  return {{"id", id}, {"object", "model"}, {"created", 1700000000}, {"owned_by", "fake"}};
}

void answer_openai(const httplib::Request& request, httplib::Response& response) {
  const auto& path = request.path;
  if (ends_with(path, "/chat/completions")) return openai_chat(request, response);
  if (ends_with(path, "/embeddings")) return openai_embeddings(request, response);
  if (ends_with(path, "/responses")) return openai_responses(request, response);
  if (ends_with(path, "/models")) {
    response.set_content(json{{"object", "list"}, {"data", json::array({openai_model("gpt-test")})}}.dump(),
                         "application/json");
  } else if (path.find("/models/") != std::string::npos) {
    response.set_content(openai_model(path.substr(path.rfind('/') + 1)).dump(), "application/json");
  } else {
    response.status = 404;
    response.set_content(R"({"error":{"message":"fake: no such path","type":"invalid_request_error"}})",
                         "application/json");
  }
}

}  // namespace

void answer_like_provider(const httplib::Request& request, httplib::Response& response) {
  if (request.path.find("/openai") != std::string::npos) return answer_openai(request, response);
  if (request.path.find("/gemini") != std::string::npos) return answer_like_gemini(request, response);
  answer_anthropic(request, response);
}

}  // namespace saferun::test
