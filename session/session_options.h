#pragma once
// What the command line asks of one session.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "session/jail/isolation_config.h"

namespace saferun::session {

enum class Verbosity { quiet, normal, verbose };

struct SessionOptions {
  std::optional<std::string> config_path;  // --config; else the XDG file, else built-in
  bool dry_run = false;
  std::vector<std::string> pass_env;        // --pass-env NAME (names or NAME_* patterns)
  Verbosity verbosity = Verbosity::normal;
  std::optional<std::chrono::seconds> grace;  // --grace; else config; else 10 s
  std::optional<std::string> summary_json_path;  // --summary-json FILE
  std::optional<jail::IsolationMode> isolation;  // --isolation; else config; else auto
  std::optional<std::int64_t> budget_micro_usd;  // --budget-usd: the session's USD budget
  std::optional<std::chrono::seconds> ttl;       // --ttl: the session ends after this
  std::optional<std::string> audit_log_path;     // --audit-log FILE: persistent trail
  bool no_new_privs = true;                 // off with --allow-new-privileges
  std::vector<std::string> command;         // argv of the child, never empty
};

}  // namespace saferun::session
