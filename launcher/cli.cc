#include "launcher/cli.h"

#include <charconv>

#include "session/exit_status.h"
#include "session/policy_parser.h"

namespace saferun::launcher {
namespace {

using Action = CommandLine::Action;

CommandLine failed(std::string message) {
  CommandLine out;
  out.action = Action::error;
  out.error = std::move(message);
  return out;
}

bool parse_seconds(const std::string& text, std::chrono::seconds& out) {
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > 86400) return false;
  out = std::chrono::seconds(value);
  return true;
}

// "90", "90s", "30m", "2h", "1d": up to 30 days.
bool parse_duration(const std::string& text, std::chrono::seconds& out) {
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || value <= 0) return false;
  std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  long scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : 0;
  if (scale == 0 || value > 30L * 86400 / scale) return false;
  out = std::chrono::seconds(value * scale);
  return true;
}

// Splits "--name=value" into name and value; plain "--name" gives no value.
std::pair<std::string, std::optional<std::string>> split_option(const std::string& arg) {
  auto eq = arg.find('=');
  if (arg.starts_with("--") && eq != std::string::npos) return {arg.substr(0, eq), arg.substr(eq + 1)};
  return {arg, std::nullopt};
}

}  // namespace

CommandLine parse_command_line(const std::vector<std::string>& args) {
  CommandLine out;
  auto& options = out.options;
  std::size_t i = 0;
  bool double_dash = false;
  for (; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg == "--") {
      ++i;
      double_dash = true;
      break;
    }
    if (arg.empty() || arg.front() != '-' || arg == "-") break;
    auto [name, inline_value] = split_option(arg);
    auto value = [&]() -> std::optional<std::string> {
      if (inline_value) return inline_value;
      if (i + 1 < args.size()) return args[++i];
      return std::nullopt;
    };
    const bool takes_value =
        name == "--config" || name == "--pass-env" || name == "--grace" || name == "--summary-json" ||
        name == "--isolation" || name == "--budget-usd" || name == "--ttl" || name == "--audit-log";
    if (!takes_value && inline_value) return failed("option " + name + " takes no value");
    if (name == "--help" || name == "-h") return out.action = Action::help, out;
    if (name == "--version") return out.action = Action::version, out;
    if (name == "--dry-run") { options.dry_run = true; continue; }
    if (name == "-v" || name == "--verbose") { options.verbosity = session::Verbosity::verbose; continue; }
    if (name == "-q" || name == "--quiet") { options.verbosity = session::Verbosity::quiet; continue; }
    if (name == "--allow-new-privileges") { options.no_new_privs = false; continue; }
    if (!takes_value) return failed("unknown option " + name);
    auto given = value();
    if (!given || given->empty()) return failed("option " + name + " needs a value");
    if (name == "--config") {
      options.config_path = *given;
    } else if (name == "--pass-env") {
      options.pass_env.push_back(*given);
    } else if (name == "--summary-json") {
      options.summary_json_path = *given;
    } else if (name == "--isolation") {
      options.isolation = session::jail::parse_isolation_mode(*given);
      if (!options.isolation) return failed("--isolation: expected off, auto or required");
    } else if (name == "--audit-log") {
      options.audit_log_path = *given;
    } else if (name == "--budget-usd") {
      std::int64_t micro = 0;
      if (!session::parse_usd(*given, micro) || micro <= 0)
        return failed("--budget-usd: expected a positive amount of US dollars with at most 6 decimals, e.g. 5 or 0.25");
      options.budget_micro_usd = micro;
    } else if (name == "--ttl") {
      std::chrono::seconds ttl{};
      if (!parse_duration(*given, ttl)) return failed("--ttl: expected a duration such as 90s, 30m, 2h or 1d (at most 30d)");
      options.ttl = ttl;
    } else {
      std::chrono::seconds grace{};
      if (!parse_seconds(*given, grace)) return failed("--grace: expected whole seconds, 0 to 86400");
      options.grace = grace;
    }
  }
  if (!double_dash && i < args.size() && args[i] == "check") {
    if (i + 1 != args.size()) return failed("check takes no arguments");
    out.action = Action::check;
    return out;
  }
  options.command.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  if (options.command.empty()) return failed("missing command (usage: safe-run [OPTIONS] [--] COMMAND [ARGS...])");
  return out;
}

std::string usage_text() {
  return R"(Usage: safe-run [OPTIONS] [--] COMMAND [ARGS...]
       safe-run [--config FILE] check

Run COMMAND so it can call model APIs without holding the real API key. safe-run
unlocks the keys, starts a broker on 127.0.0.1 with a fresh caller token, and gives
COMMAND only the broker's base URLs and that token. Everything ends with COMMAND.

`safe-run check` validates the config and unlocks every route's secret, printing
one line per route (never a value); it exits 0 only if every route is OK.

Options:
  --config FILE          config file (default: $XDG_CONFIG_HOME/safe-run/config.json
                         if it exists, else the built-in anthropic + openai routes)
  --dry-run              enable every route without secrets; the broker answers with
                         the request it would forward instead of forwarding it
  --pass-env NAME        also pass NAME (or NAME_* pattern) to COMMAND; repeatable
  --grace SECONDS        after SIGTERM/SIGINT/SIGHUP, kill COMMAND if it has not
                         exited within SECONDS (default 10)
  --allow-new-privileges let COMMAND gain privileges (setuid programs such as sudo);
                         off by default (isolated, setuid programs never gain any)
  --isolation MODE       auto (default): run COMMAND in its own user, PID and mount
                         namespaces when the kernel allows it, and warn when not;
                         required: refuse to run without them; off: share them
  --summary-json FILE    when the session ends, write its summary (exit status,
                         duration, requests, bytes, usage and cost) to FILE as JSON
  --budget-usd AMOUNT    the session may spend at most AMOUNT US dollars (priced
                         from the built-in table; unpriced models are refused);
                         past it requests get 429 with x-should-retry: false
  --ttl DURATION         end the session after DURATION (90s, 30m, 2h, 1d): the
                         token stops working and COMMAND gets SIGINT, as on Ctrl-C
  --audit-log FILE       append every request's audit record (JSON lines, 0600)
                         to FILE, which outlives the session
  -v, --verbose          log every request and the session's set-up
  -q, --quiet            no notices and no end-of-session summary
  -h, --help             show this help
      --version          show the version

COMMAND runs in safe-run's process group and terminal. Signals sent to safe-run
(TERM, INT, HUP, QUIT, USR1, USR2) reach COMMAND once; Ctrl-C and Ctrl-\ from the
terminal reach it directly and are not sent twice. When COMMAND exits, whatever it
left running is sent SIGTERM, then SIGKILL after the grace period.

Isolated, COMMAND sees only its own processes, cannot outlive the session, cannot
change safe-run's config or your shell start-up files, cannot read the stores of
the session's secrets, and cannot type into the terminal (TIOCSTI).

Exit status:
  the status of COMMAND, or 128+N if it died of signal N
  124  the session was ended by --ttl
  125  safe-run itself failed (bad option or config, secret unavailable, ...)
  126  COMMAND was found but cannot be executed
  127  COMMAND was not found
)";
}

std::string version_text() { return "safe-run 0.1.0\n"; }

}  // namespace saferun::launcher
