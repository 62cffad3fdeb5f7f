#include "session/secret_command.h"

#include <catch2/catch.hpp>

using saferun::session::run_secret_command;

TEST_CASE("a secret helper's stdout cannot be re-opened through /proc by the same user", "[secret_command][secrets]") {
  auto secret = run_secret_command(
      {"/bin/sh", "-c", "if (exec 3</proc/self/fd/1) 2>/dev/null; then echo reopened; else echo blocked; fi"},
      std::chrono::seconds(5));
  CHECK(secret.reveal() == "blocked");
}

TEST_CASE("a secret helper still delivers a secret printed in pieces", "[secret_command]") {
  auto secret = run_secret_command({"/bin/sh", "-c", "printf abc; sleep 0.1; printf 'def\\n'"}, std::chrono::seconds(5));
  CHECK(secret.reveal() == "abcdef");
}
