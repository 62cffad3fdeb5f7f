#include "launcher/cli.h"

#include <catch2/catch.hpp>

using namespace saferun::launcher;
using Action = CommandLine::Action;

TEST_CASE("the first non-option word starts the command", "[cli]") {
  auto line = parse_command_line({"--dry-run", "claude", "--verbose", "-p"});
  REQUIRE(line.action == Action::run);
  CHECK(line.options.dry_run);
  CHECK(line.options.command == std::vector<std::string>{"claude", "--verbose", "-p"});
  CHECK(line.options.verbosity == saferun::session::Verbosity::normal);
}

TEST_CASE("a double dash ends the options", "[cli]") {
  auto line = parse_command_line({"-v", "--", "--dry-run"});
  REQUIRE(line.action == Action::run);
  CHECK_FALSE(line.options.dry_run);
  CHECK(line.options.command == std::vector<std::string>{"--dry-run"});
}

TEST_CASE("options with values take them separately or after =", "[cli]") {
  auto line = parse_command_line({"--config", "a.json", "--pass-env=FOO", "--pass-env", "BAR_*", "--grace=3", "x"});
  REQUIRE(line.action == Action::run);
  CHECK(line.options.config_path == "a.json");
  CHECK(line.options.pass_env == std::vector<std::string>{"FOO", "BAR_*"});
  CHECK(line.options.grace == std::chrono::seconds(3));
}

TEST_CASE("bad command lines are one-line errors", "[cli]") {
  CHECK(parse_command_line({"--frobnicate", "x"}).error == "unknown option --frobnicate");
  CHECK(parse_command_line({"--dry-run"}).error.starts_with("missing command"));
  CHECK(parse_command_line({}).action == Action::error);
  CHECK(parse_command_line({"--config"}).error == "option --config needs a value");
  CHECK(parse_command_line({"--grace", "soon", "x"}).action == Action::error);
  CHECK(parse_command_line({"--dry-run=yes", "x"}).error == "option --dry-run takes no value");
}

TEST_CASE("help and version win over everything after them", "[cli]") {
  CHECK(parse_command_line({"--help"}).action == Action::help);
  CHECK(parse_command_line({"--version", "x"}).action == Action::version);
  CHECK(usage_text().find("Exit status") != std::string::npos);
}

TEST_CASE("the isolation option takes off, auto or required", "[cli]") {
  using saferun::session::jail::IsolationMode;
  CHECK_FALSE(parse_command_line({"x"}).options.isolation.has_value());
  CHECK(parse_command_line({"--isolation=off", "x"}).options.isolation == IsolationMode::off);
  CHECK(parse_command_line({"--isolation", "auto", "x"}).options.isolation == IsolationMode::automatic);
  CHECK(parse_command_line({"--isolation=required", "x"}).options.isolation == IsolationMode::required);
  CHECK(parse_command_line({"--isolation=on", "x"}).error == "--isolation: expected off, auto or required");
}

TEST_CASE("budget, ttl and audit-log options parse, and bad values are refused", "[cli][policy]") {
  auto line = parse_command_line({"--budget-usd", "0.01", "--ttl=2h", "--audit-log", "/tmp/a.jsonl", "x"});
  REQUIRE(line.action == Action::run);
  CHECK(line.options.budget_micro_usd == 10'000);
  CHECK(line.options.ttl == std::chrono::seconds(7200));
  CHECK(line.options.audit_log_path == "/tmp/a.jsonl");
  CHECK(parse_command_line({"--ttl", "90", "x"}).options.ttl == std::chrono::seconds(90));
  CHECK(parse_command_line({"--ttl", "30m", "x"}).options.ttl == std::chrono::seconds(1800));
  for (auto bad : std::vector<std::vector<std::string>>{{"--budget-usd", "0", "x"}, {"--budget-usd", "-5", "x"},
                                                        {"--budget-usd", "five", "x"}, {"--ttl", "0", "x"},
                                                        {"--ttl", "5w", "x"}, {"--ttl", "31d", "x"}}) {
    INFO(bad[0] + " " + bad[1]);
    auto refused = parse_command_line(bad);
    CHECK(refused.action == Action::error);
    CHECK(refused.error.starts_with(bad[0] + ":"));
  }
}
