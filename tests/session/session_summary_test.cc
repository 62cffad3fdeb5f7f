#include "session/session_summary.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "session/github_actions.h"

using namespace saferun::session;

namespace {

SessionSummary sample() {
  SessionSummary s;
  s.session_id = "abc123";
  s.exit_status = 3;
  s.elapsed = std::chrono::milliseconds(1500);
  s.stats.served = 4;
  s.stats.denied = 1;
  s.stats.bytes_in = 100;
  s.stats.bytes_out = 200;
  return s;
}

}  // namespace

TEST_CASE("the summary line names status, duration, requests and bytes", "[summary]") {
  CHECK(summary_line(sample()) ==
        "session abc123 ended: exit 3 after 1.5s; requests: 4 served, 1 denied; bytes: 100 in, 200 out");
  auto with_leftovers = sample();
  with_leftovers.leftovers_ended = 2;
  CHECK(summary_line(with_leftovers).ends_with("; ended 2 process(es) the command left running"));
}

TEST_CASE("the summary JSON has the same facts", "[summary]") {
  auto json = nlohmann::json::parse(summary_json(sample()));
  CHECK(json["exit_status"] == 3);
  CHECK(json["duration_seconds"] == 1.5);
  CHECK(json["requests"]["served"] == 4);
  CHECK(json["bytes"]["out"] == 200);
}

TEST_CASE("the GitHub mask command appears only under GITHUB_ACTIONS=true", "[summary]") {
  CHECK(github_mask_command("true", "srt_x") == std::optional<std::string>("::add-mask::srt_x"));
  CHECK_FALSE(github_mask_command(nullptr, "srt_x"));
  CHECK_FALSE(github_mask_command("false", "srt_x"));
}
