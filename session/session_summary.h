#pragma once
// The one line safe-run prints when a session ends (not with --quiet).

#include <chrono>
#include <string>

#include "broker/broker_settings.h"
#include "session/reporter.h"

namespace saferun::session {

std::string summary_line(const std::string& session_id, int exit_status,
                         std::chrono::steady_clock::duration elapsed, const broker::BrokerStats& stats);

void report_summary(const Reporter& reporter, const std::string& session_id, int exit_status,
                    std::chrono::steady_clock::duration elapsed, const broker::BrokerStats& stats);

}  // namespace saferun::session
