#include "tests/support/fake_gemini.h"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

namespace saferun::test {
namespace {

using nlohmann::json;

json usage(int output_tokens) {
  return {{"promptTokenCount", 9}, {"candidatesTokenCount", output_tokens}, {"totalTokenCount", 9 + output_tokens}};
}

json chunk(const std::string& text, bool last, int output_tokens) {
  json candidate = {{"content", {{"parts", json::array({{{"text", text}}})}, {"role", "model"}}}, {"index", 0}};
  if (last) candidate["finishReason"] = "STOP";
  return {{"candidates", json::array({candidate})}, {"usageMetadata", usage(output_tokens)},
          {"modelVersion", "gemini-test"}};
}

bool path_has(const httplib::Request& request, const char* verb) {
  return request.path.find(verb) != std::string::npos;
}

}  // namespace

void answer_like_gemini(const httplib::Request& request, httplib::Response& response) {
  if (path_has(request, ":streamGenerateContent")) {
    std::string body = "data: " + chunk("Hello", false, 1).dump() + "\r\n\r\n" +
                       "data: " + chunk(" from fake gemini", true, 4).dump() + "\r\n\r\n";
    response.set_content(body, "text/event-stream");
  } else if (path_has(request, ":generateContent")) {
    response.set_content(chunk("Hello from fake gemini", true, 5).dump(), "application/json");
  } else if (path_has(request, ":countTokens")) {
    response.set_content(json{{"totalTokens", 9}}.dump(), "application/json");
  } else if (request.path.find("/models") != std::string::npos) {
    response.set_content(json{{"models", json::array({{{"name", "models/gemini-test"}}})}}.dump(), "application/json");
  } else {
    response.status = 404;
    response.set_content(R"({"error":{"code":404,"message":"fake: no such path","status":"NOT_FOUND"}})",
                         "application/json");
  }
}

}  // namespace saferun::test
