#include "broker/secret_redactor.h"

#include <catch2/catch.hpp>

using saferun::broker::SecretRedactor;

namespace {

// How many bytes of `text` the redactor lets through at once.
std::size_t released(const std::string& secret, const std::string& text) {
  SecretRedactor redactor({secret});
  std::string out;
  redactor.push(text, out);
  return out.size();
}

}  // namespace

TEST_CASE("a secret split across chunks is masked", "[secret_redactor]") {
  std::string secret = "sk-ant-api03-QWERTYUIOPasdfghjkl";
  SecretRedactor redactor({secret});
  std::string out;
  redactor.push("{\"k\":\"" + secret.substr(0, 20), out);
  redactor.push(secret.substr(20) + "\"}", out);
  redactor.finish(out);
  CHECK(out == "{\"k\":\"" + std::string(secret.size(), '*') + "\"}");
}

TEST_CASE("what is held back at a chunk boundary depends on no secret byte past the public prefix",
          "[secret_redactor][secrets]") {
  // A key's documented format prefix is public; of a key in no known format, its first byte.
  const std::vector<std::pair<std::string, std::size_t>> keys = {{"sk-ant-api03-QWERTYUIOPasdfghjkl", 13},
                                                                 {"sk-proj-Zx81kd9QpLmn0aa", 8},
                                                                 {"AIzaSyZx81kd9QpLmn0aaQWERT", 4},
                                                                 {"q7Zx81kd9QpLmn0aa", 1}};
  for (const auto& [secret, public_prefix] : keys) {
    INFO("secret of " << secret.size() << " bytes");
    for (std::size_t known = public_prefix; known + 1 < secret.size(); ++known) {
      std::string right = secret.substr(0, known + 1);
      std::string wrong = secret.substr(0, known) + (secret[known] == 'x' ? 'y' : 'x');
      CHECK(released(secret, "data: " + right) == released(secret, "data: " + wrong));
    }
  }
}

TEST_CASE("an SSE event end is never held back", "[secret_redactor]") {
  CHECK(released("sk-ant-api03-QWERTYUIOP", "data: {\"x\":1}\n\n") == 15);
  CHECK(released("q7Zx81kd9QpLmn0aa", "data: {\"x\":1}\n\n") == 15);
}

TEST_CASE("header values, names and reason phrases are masked whole", "[secret_redactor]") {
  SecretRedactor redactor({"sk-ant-api03-QWERTYUIOP"});
  CHECK(redactor.redact("x-sk-ant-api03-QWERTYUIOP-y") == "x-" + std::string(23, '*') + "-y");
}
