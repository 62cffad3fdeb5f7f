#include "session/session_summary.h"

#include <cstdio>

namespace saferun::session {

std::string summary_line(const std::string& session_id, int exit_status,
                         std::chrono::steady_clock::duration elapsed, const broker::BrokerStats& stats) {
  char text[256];
  std::snprintf(text, sizeof text,
                "session %s ended: exit %d after %.1fs; requests: %llu served, %llu denied; "
                "bytes: %llu in, %llu out",
                session_id.c_str(), exit_status, std::chrono::duration<double>(elapsed).count(),
                static_cast<unsigned long long>(stats.served), static_cast<unsigned long long>(stats.denied),
                static_cast<unsigned long long>(stats.bytes_in),
                static_cast<unsigned long long>(stats.bytes_out));
  return text;
}

void report_summary(const Reporter& reporter, const std::string& session_id, int exit_status,
                    std::chrono::steady_clock::duration elapsed, const broker::BrokerStats& stats) {
  reporter.notice(summary_line(session_id, exit_status, elapsed, stats));
}

}  // namespace saferun::session
