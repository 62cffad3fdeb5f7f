#include "tests/fuzz/request_mutator.h"

#include <array>

namespace saferun::test {
namespace {

std::string request(const std::string& head, const std::string& body) {
  return head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A header line to replace or insert, by index.
std::string header_line(std::size_t which) {
  static const std::array<std::string, 16> kLines = {
      "Transfer-Encoding: chunked\r\n", "Transfer-Encoding: identity\r\n", "Transfer-Encoding: chunked, gzip\r\n",
      "Content-Length: 999999999999999999999\r\n", "Content-Length: -1\r\n", "Content-Length: 1, 2\r\n",
      "Content-Length: 0x10\r\n", "Expect: 100-continue\r\n", "Connection: close, x-api-key\r\n",
      "Upgrade: websocket\r\n", "X-HTTP-Method-Override: DELETE\r\n", "X-Original-URL: /admin\r\n",
      " folded-continuation\r\n", "x-api-key: \xff\xfe\r\n", "Authorization: Bearer\r\n", "Host: \0evil\r\n"};
  return kLines[which % kLines.size()];
}

}  // namespace

std::vector<std::string> agent_requests(const std::string& token) {
  const std::string body = R"({"model":"claude-sonnet-4","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]})";
  return {
      request("POST /anthropic/v1/messages?beta=true HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                  "\r\nanthropic-version: 2023-06-01\r\nanthropic-beta: claude-code-20250219\r\ncontent-type: "
                  "application/json\r\naccept-encoding: gzip, deflate\r\nuser-agent: claude-cli/2.0\r\n",
              body),
      request("POST /anthropic/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: " + token +
                  "\r\nanthropic-version: 2023-06-01\r\ncontent-type: application/json\r\nx-stainless-lang: js\r\n",
              body),
      request("POST /openai/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                  "\r\ncontent-type: application/json\r\nopenai-beta: assistants=v2\r\n",
              R"({"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]})"),
      request("POST /openai/v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                  "\r\ncontent-type: application/json\r\noriginator: codex_cli_rs\r\n",
              R"({"model":"gpt-5","stream":true,"input":[]})"),
      "HEAD /anthropic HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "GET /_safe-run/status HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: " + token + "\r\n\r\n",
      "GET /openai/v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer " + token + "\r\n\r\n",
  };
}

RequestMutator::RequestMutator(std::vector<std::string> seeds, std::uint64_t seed)
    : seeds_(std::move(seeds)), rng_(seed) {}

std::string RequestMutator::random_bytes(std::size_t n) {
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(below(256));
  return out;
}

std::string RequestMutator::pick_special() {
  static const std::array<std::string, 22> kSpecial = {
      std::string("\0", 1), "\xff", "\xc3", "\xc0\xae", "\r", "\n", "\r\n", "\r\n\r\n", "%", "%FF", "%00", "%C0%AE",
      "%2e%2e", "..;/", ";", " ", "\t", "?", "#", "//", "\\", "%u002e"};
  return kSpecial[below(kSpecial.size())];
}

std::string RequestMutator::mutate(std::string r) {
  const auto head_end = r.find("\r\n\r\n");
  const auto line_end = r.find("\r\n");
  switch (below(12)) {
    case 0: if (!r.empty()) r[below(r.size())] = static_cast<char>(below(256)); break;
    case 1: r.insert(below(r.size() + 1), pick_special()); break;
    case 2: { auto at = below(r.size()); r.erase(at, below(64) + 1); break; }
    case 3: if (line_end != std::string::npos) r.insert(line_end + 2, header_line(below(64))); break;
    case 4: { auto at = r.find(' '); if (at != std::string::npos) r.insert(std::min(r.size(), at + 1 + below(40)), pick_special()); break; }
    case 5: r.resize(below(r.size() + 1)); break;  // truncated anywhere
    case 6: {
      auto cl = r.find("Content-Length: ");
      auto eol = cl == std::string::npos ? cl : r.find("\r\n", cl);
      if (eol != std::string::npos) r.replace(cl + 16, eol - cl - 16, std::to_string(below(1u << 20)));
      break;
    }
    case 7: if (line_end != std::string::npos) r.replace(0, line_end, random_bytes(below(200))); break;
    case 8: r += seeds_[below(seeds_.size())]; break;  // pipelined
    case 9: if (head_end != std::string::npos) r.insert(head_end, "\r\nX-Long: " + std::string(below(70000), 'a')); break;
    case 10: { auto v = r.find("HTTP/1.1"); if (v != std::string::npos) r.replace(v, 8, below(2) ? "HTTP/1.0" : "HTTP/9.9"); break; }
    default: r.insert(below(r.size() + 1), random_bytes(below(16) + 1)); break;
  }
  return r;
}

FuzzCase RequestMutator::next() {
  FuzzCase c;
  c.bytes = seeds_[below(seeds_.size())];
  for (std::size_t i = 0, n = below(3) + 1; i < n; ++i) c.bytes = mutate(std::move(c.bytes));
  if (below(4) == 0) {  // delivered in pieces (a trickle, or split at odd places): at most 32
    const std::size_t most = std::max<std::size_t>(64, c.bytes.size() / 16);
    for (std::size_t left = c.bytes.size(); left > 0;) {
      auto piece = std::min(left, below(most) + 1);
      c.pieces.push_back(piece);
      left -= piece;
    }
  }
  c.half_close = below(8) != 0;
  return c;
}

}  // namespace saferun::test
