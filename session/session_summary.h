#pragma once
// What safe-run reports when a session ends: one line on stderr (not with --quiet), and the
// same as JSON for a pipeline with --summary-json FILE.

#include <chrono>
#include <string>

#include "broker/broker_settings.h"

namespace saferun::session {

struct SessionSummary {
  std::string session_id;
  int exit_status = 0;
  std::chrono::steady_clock::duration elapsed{};
  broker::BrokerStats stats;
  int leftovers_ended = 0;  // processes the child left running that safe-run ended
  std::string ended_by = "child_exit";  // or "ttl"
  std::string usage_json;  // broker::Broker::usage_json(): per route and model, limits left
  std::string usage_line;  // its one-line form
  bool budget_exhausted = false;
};

std::string summary_line(const SessionSummary& summary);
std::string summary_json(const SessionSummary& summary);

// Writes summary_json() to `path` (mode 0600); throws SetupError naming the path on failure.
void write_summary_file(const std::string& path, const SessionSummary& summary);

}  // namespace saferun::session
