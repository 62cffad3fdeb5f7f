#include "session/session_summary.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "session/setup_error.h"

namespace saferun::session {
namespace {

double seconds(std::chrono::steady_clock::duration elapsed) {
  return std::chrono::duration<double>(elapsed).count();
}

}  // namespace

std::string summary_line(const SessionSummary& s) {
  char text[320];
  std::snprintf(text, sizeof text,
                "session %s ended: exit %d after %.1fs; requests: %llu served, %llu denied; "
                "bytes: %llu in, %llu out",
                s.session_id.c_str(), s.exit_status, seconds(s.elapsed),
                static_cast<unsigned long long>(s.stats.served), static_cast<unsigned long long>(s.stats.denied),
                static_cast<unsigned long long>(s.stats.bytes_in), static_cast<unsigned long long>(s.stats.bytes_out));
  std::string line = text;
  if (s.leftovers_ended > 0)
    line += "; ended " + std::to_string(s.leftovers_ended) + " process(es) the command left running";
  if (!s.usage_line.empty()) line += "; " + s.usage_line;
  if (s.ended_by == "ttl") line += "; ended by its --ttl";
  return line;
}

std::string summary_json(const SessionSummary& s) {
  nlohmann::json summary = {
      {"session", s.session_id},
      {"exit_status", s.exit_status},
      {"duration_seconds", seconds(s.elapsed)},
      {"requests", {{"served", s.stats.served}, {"denied", s.stats.denied}}},
      {"bytes", {{"in", s.stats.bytes_in}, {"out", s.stats.bytes_out}}},
      {"upstream", {{"connects", s.stats.upstream_connects}, {"tls_handshakes", s.stats.upstream_handshakes}}},
      {"leftover_processes_ended", s.leftovers_ended},
      {"ended_by", s.ended_by},
      {"budget_exhausted", s.budget_exhausted},
  };
  if (!s.usage_json.empty()) summary["usage"] = nlohmann::json::parse(s.usage_json, nullptr, false);
  return summary.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";  // a model name is client bytes
}

void write_summary_file(const std::string& path, const SessionSummary& summary) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw SetupError(path + ": cannot write the summary: " + std::strerror(errno));
  auto text = summary_json(summary);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) throw SetupError(path + ": cannot write the summary");
}

}  // namespace saferun::session
