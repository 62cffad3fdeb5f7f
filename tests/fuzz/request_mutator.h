#pragma once
// Mutations of real agents' requests for the malformed-HTTP fuzzer: framing (Content-Length,
// Transfer-Encoding, pipelining, truncation), lengths, encodings (percent, UTF-8, NUL),
// header and target bytes, and how the bytes are delivered. Deterministic for a given seed.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace saferun::test {

// One fuzz case: the bytes to send and how to send them.
struct FuzzCase {
  std::string bytes;
  std::vector<std::size_t> pieces;  // delivery in pieces of these sizes (empty: one write)
  bool half_close = true;           // shut down writing after the bytes (else: just close)
};

class RequestMutator {
 public:
  // `seeds`: well-formed requests as real agents send them.
  RequestMutator(std::vector<std::string> seeds, std::uint64_t seed);
  FuzzCase next();

 private:
  std::string mutate(std::string request);
  std::string random_bytes(std::size_t n);
  std::string pick_special();
  std::size_t below(std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }

  std::vector<std::string> seeds_;
  std::mt19937_64 rng_;
};

// Claude Code, Anthropic SDK, OpenAI SDK, Codex and preconnect requests carrying `token`.
std::vector<std::string> agent_requests(const std::string& token);

}  // namespace saferun::test
