// usage_meter_bench: the CPU time the policy's meter adds per SSE event, without the network's
// noise: feeds recorded events (an Anthropic content delta with no usage, a message_delta with
// usage, an OpenAI chat chunk with "usage":null, and the chat stream filtered to strip its usage
// chunk) through UsageMeter in a loop and prints nanoseconds per event.

#include <chrono>
#include <cstdio>
#include <string>

#include "broker/policy/usage_meter.h"

namespace {

using saferun::broker::policy::AnswerFormat;
using saferun::broker::policy::UsageMeter;

double ns_per_event(const std::string& event, bool strip, int rounds) {
  UsageMeter meter;
  meter.start(AnswerFormat::sse, strip);
  std::string out;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i) {
    out.clear();
    strip ? meter.filter(event, out) : meter.feed(event);
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  return std::chrono::duration<double, std::nano>(elapsed).count() / rounds;
}

}  // namespace

int main() {
  const std::string delta =
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
      "{\"type\":\"text_delta\",\"text\":\"Hello, this is a typical streamed piece of an answer.\"}}\n\n";
  const std::string usage =
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
      "\"stop_sequence\":null},\"usage\":{\"output_tokens\":1234}}\n\n";
  const std::string chat =
      "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":"
      "\"gpt-5\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello there\"},\"finish_reason\":null}],"
      "\"usage\":null}\n\n";
  const int rounds = 200000;
  std::printf("| event | bytes | ns per event |\n| --- | --- | --- |\n");
  std::printf("| Anthropic content_block_delta (no usage: scanned, not parsed) | %zu | %.0f |\n", delta.size(),
              ns_per_event(delta, false, rounds));
  std::printf("| Anthropic message_delta with usage (parsed) | %zu | %.0f |\n", usage.size(),
              ns_per_event(usage, false, rounds));
  std::printf("| OpenAI chat chunk, \"usage\":null (scanned) | %zu | %.0f |\n", chat.size(),
              ns_per_event(chat, false, rounds));
  std::printf("| the same, filtered (client did not ask for usage: held to its blank line, null stripped) | %zu | %.0f |\n",
              chat.size(), ns_per_event(chat, true, rounds));
  return 0;
}
