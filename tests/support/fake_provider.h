#pragma once
// Answers like Anthropic's API (paths containing /anthropic) and OpenAI's (paths containing
// /openai): messages (plain and streaming), count_tokens, models; chat completions (plain and
// streaming), responses, embeddings, models — enough for the official SDKs to parse. Paths
// containing /gemini answer like Gemini's (fake_gemini.h).
// Usage is reported as the providers do (a streaming chat's usage chunk only when the request
// sets stream_options.include_usage). For the policy tests, request headers change it:
//   x-fake-usage: IN,OUT[,CACHE_WRITE,CACHE_READ[,WEB_SEARCHES]]   the counts to report (-1: none)
//   x-fake-delay-ms: M      an Anthropic stream waits M ms after message_start
//   x-fake-cut: start       an Anthropic stream dies after message_start and one delta

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace saferun::test {

void answer_like_provider(const httplib::Request& request, httplib::Response& response);

}  // namespace saferun::test
