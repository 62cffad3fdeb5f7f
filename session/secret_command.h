#pragma once
// A secret from a password manager or vault CLI: `op read …`, `az keyvault secret show …`,
// `pass show …`, `secret-tool lookup …`, `vault kv get …`, `aws secretsmanager …`,
// `gcloud secrets versions access …`. Run once, before the child starts, without a shell:
// stdout is the secret (one trailing newline trimmed; empty is an error); stdin and stderr
// are the operator's terminal, so a sign-in prompt works; it never reaches the agent. It is
// killed when it outlives its timeout.

#include <chrono>
#include <string>
#include <vector>

#include "broker/secret.h"

namespace saferun::session {

// Throws SetupError naming the program (argv[0]) — never its output — on any failure.
broker::Secret run_secret_command(const std::vector<std::string>& argv, std::chrono::seconds timeout);

}  // namespace saferun::session
