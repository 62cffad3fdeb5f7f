#pragma once
// Answers like the Gemini API (paths containing /gemini): models/M:generateContent,
// models/M:streamGenerateContent?alt=sse (`data: {...}` events only, as Gemini CLI's parser
// demands), models/M:countTokens and models — enough for Gemini CLI to run a turn.

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace saferun::test {

void answer_like_gemini(const httplib::Request& request, httplib::Response& response);

}  // namespace saferun::test
