#pragma once
// Answers like Anthropic's API (paths containing /anthropic) and OpenAI's (paths containing
// /openai): messages (plain and streaming), count_tokens, models; chat completions (plain and
// streaming), responses, embeddings, models — enough for the official SDKs to parse.

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace saferun::test {

void answer_like_provider(const httplib::Request& request, httplib::Response& response);

}  // namespace saferun::test
