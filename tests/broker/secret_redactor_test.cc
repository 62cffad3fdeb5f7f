#include "broker/secret_redactor.h"

#include <catch2/catch.hpp>

#include <random>

using saferun::broker::RedactionList;
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

TEST_CASE("a value is said to hold a secret only when it holds one whole", "[secret_redactor]") {
  SecretRedactor redactor({"sk-ant-api03-QWERTYUIOP", "AIzaSyQWERTY"});
  CHECK(redactor.finds_secret("x-sk-ant-api03-QWERTYUIOP-y"));
  CHECK(redactor.finds_secret("key=AIzaSyQWERTY"));
  CHECK_FALSE(redactor.finds_secret("sk-ant-api03-QWERTYUIO"));
  CHECK_FALSE(redactor.finds_secret("application/json"));
  CHECK_FALSE(SecretRedactor(std::vector<std::string_view>{}).finds_secret("anything"));
}

TEST_CASE("redactors made from one shared list mask alike and keep their own held-back tails", "[secret_redactor]") {
  auto list = std::make_shared<const RedactionList>(std::vector<std::string_view>{"", "sk-ant-api03-QWERTYUIOP"});
  CHECK(list->secrets.size() == 1);  // an empty secret is never matched
  SecretRedactor first(list), second(list);
  std::string out_first, out_second;
  first.push("a sk-ant-api03-QWER", out_first);
  second.push("plain text", out_second);
  first.push("TYUIOP b", out_first);
  first.finish(out_first);
  second.finish(out_second);
  CHECK(out_first == "a " + std::string(23, '*') + " b");
  CHECK(out_second == "plain text");
}

namespace {

// The held-back tail by its definition: the longest tail shorter than the secret whose first
// min(tail, public prefix) bytes are the secret's.
std::size_t defined_held_back(const std::string& secret, std::size_t public_prefix, const std::string& text) {
  for (std::size_t n = std::min(text.size(), secret.size() - 1); n > 0; --n) {
    auto compared = std::min(n, public_prefix);
    if (text.compare(text.size() - n, compared, secret, 0, compared) == 0) return n;
  }
  return 0;
}

std::string masked_whole(const std::string& secret, std::string text) {
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + secret.size()))
    text.replace(at, secret.size(), secret.size(), '*');
  return text;
}

// The text pushed in pieces of random length below `longest`, then finished: what came out.
std::string redacted_in_pieces(SecretRedactor& redactor, std::string_view text, std::mt19937& random,
                               std::size_t longest) {
  std::string out;
  for (std::size_t at = 0; at < text.size();) {
    auto piece = std::min<std::size_t>(text.size() - at, random() % longest);
    redactor.push(text.substr(at, piece), out);
    at += piece;
  }
  redactor.finish(out);
  return out;
}

}  // namespace

TEST_CASE("any text in any chunks is masked as when whole, holding back the defined tail", "[secret_redactor]") {
  const std::string secret = "sk-proj-Zx81kd9sQp";  // public prefix "sk-proj-" (8)
  const std::string alphabet = "sk-proj-Zx81kd9sQp \n\"";
  std::mt19937 random(12);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    auto length = random() % 70;
    while (text.size() < length) {
      if (random() % 4 == 0) text += secret.substr(0, 1 + random() % secret.size());  // a start of the secret
      else text += alphabet[random() % alphabet.size()];
    }
    INFO("round " << round);
    auto expected = masked_whole(secret, text);
    CHECK(released(secret, text) == expected.size() - defined_held_back(secret, 8, expected));
    SecretRedactor redactor({secret});
    CHECK(redacted_in_pieces(redactor, text, random, 12) == expected);
  }
}

TEST_CASE("several secrets, ones that overlap themselves and bytes above ASCII are masked in any chunks",
          "[secret_redactor]") {
  const std::vector<std::string> secrets = {"sk-proj-Zx81kd9sQp", "aXab", "abab", "\xe9\xe9x"};
  const std::vector<std::string_view> views(secrets.begin(), secrets.end());
  const std::string alphabet = "sk-proj-Zx81kd9sQpaXb\xe9 \n";
  std::mt19937 random(21);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    auto length = random() % 60;
    while (text.size() < length) {
      const auto& secret = secrets[random() % secrets.size()];
      if (random() % 3 == 0) text += secret.substr(0, 1 + random() % secret.size());
      else text += alphabet[random() % alphabet.size()];
    }
    INFO("round " << round);
    // Whole, the redactor's own mask of the text is the reference: any chunking must match it.
    SecretRedactor whole(views);
    std::string expected;
    whole.push(text, expected);
    whole.finish(expected);
    CHECK(expected == SecretRedactor(views).redact(text));
    SecretRedactor chunked(views);
    CHECK(redacted_in_pieces(chunked, text, random, 7) == expected);
  }
}
