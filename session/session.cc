#include "session/session.h"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <set>
#include <system_error>

#include "broker/broker.h"
#include "session/child_env.h"
#include "session/child_process.h"
#include "session/command_path.h"
#include "session/config_loader.h"
#include "session/exit_status.h"
#include "session/secret_unlock.h"
#include "session/session_dir.h"
#include "session/session_summary.h"
#include "session/setup_error.h"
#include "session/signal_relay.h"
#include "session/token.h"

extern char** environ;

namespace saferun::session {
namespace {

const EnvLookup kProcessEnv = [](const char* name) { return std::getenv(name); };

std::vector<std::string_view> process_environment() {
  std::vector<std::string_view> entries;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) entries.emplace_back(*entry);
  return entries;
}

std::string command_name(const std::string& argv0) {
  auto slash = argv0.rfind('/');
  return slash == std::string::npos ? argv0 : argv0.substr(slash + 1);
}

std::set<std::string> secret_variables(const Config& config) {
  std::set<std::string> names;
  for (const auto& route : config.routes) names.insert(route.secret.env_names.begin(), route.secret.env_names.end());
  return names;
}

broker::BrokerSettings broker_settings(const Config& config, const std::string& session_id,
                                       const SessionDir& dir, bool dry_run, const Reporter& reporter) {
  broker::BrokerSettings settings;
  settings.session_id = session_id;
  settings.dry_run = dry_run;
  settings.limits = config.limits;
  settings.audit_path = dir.events_path();
  settings.log = reporter.verbose() ? &reporter.stream() : nullptr;
  return settings;
}

// The child's variables for each route the broker serves.
std::vector<std::pair<std::string, std::string>> route_variables(
    const Config& config, const std::vector<std::string>& served, const broker::Broker& broker,
    const broker::Secret& token, const std::string& argv0) {
  std::vector<std::pair<std::string, std::string>> vars;
  for (const auto& route_config : config.routes) {
    if (std::find(served.begin(), served.end(), route_config.route.name) == served.end()) continue;
    auto base_url = broker.base_url(route_config.route);
    for (const auto& [name, text] : route_config.child_env)
      vars.emplace_back(name, render_env_template(text, base_url, token.reveal()));
  }
  adapt_vars_for_command(vars, command_name(argv0), token.reveal());
  return vars;
}

std::string_view path_entry(const std::vector<std::string>& env) {
  for (const auto& entry : env) {
    if (entry.starts_with("PATH=")) return std::string_view(entry).substr(5);
  }
  return {};
}

void wipe_all(std::vector<std::string>& strings) {
  for (auto& s : strings) broker::wipe(s);
}

}  // namespace

int Session::run() {
  const auto started = std::chrono::steady_clock::now();
  Config config = load_config(options_.config_path, kProcessEnv);
  UnlockResult unlocked = unlock_secrets(config, options_.dry_run);
  for (const auto& notice : unlocked.notices) reporter_.notice(notice);
  if (broker::Secret::memory_lock_failed())
    reporter_.warning("could not mlock secret memory (RLIMIT_MEMLOCK); secrets may reach swap");
  std::vector<std::string> served;
  for (const auto& active : unlocked.active) served.push_back(active.route.name);

  broker::Secret token = make_caller_token();
  const std::string session_id = make_session_id();
  SessionDir dir(kProcessEnv, session_id);

  boost::asio::io_context io;
  std::optional<broker::Broker> broker_slot;
  std::uint16_t port = 0;
  try {
    broker_slot.emplace(io, std::move(unlocked.active), broker::Secret(token.reveal()),
                        broker_settings(config, session_id, dir, options_.dry_run, reporter_));
    port = broker_slot->bind_loopback();
  } catch (const std::exception& e) {
    throw SetupError(std::string("broker: ") + e.what());
  }
  broker::Broker& broker = *broker_slot;

  ChildEnvRequest request;
  request.parent = process_environment();
  request.config_pass_env = config.pass_env;
  request.cli_pass_env = options_.pass_env;
  request.secret_variables = secret_variables(config);
  request.route_vars = route_variables(config, served, broker, token, options_.command.front());
  request.broker_url = "http://127.0.0.1:" + std::to_string(port);
  request.token = token.reveal();
  request.session_id = session_id;
  ChildEnv env = build_child_env(request);
  for (auto& [name, value] : request.route_vars) broker::wipe(value);
  for (const auto& warning : env.warnings) reporter_.warning(warning);

  auto command = resolve_command(options_.command.front(), path_entry(env.entries));
  if (command.failure_status != 0) {
    wipe_all(env.entries);
    reporter_.warning(command.message);
    return command.failure_status;
  }

  SignalRelay relay(io, options_.grace.value_or(config.grace));
  std::optional<int> raw_status;
  ChildSpec spec{command.path, options_.command, std::move(env.entries), options_.no_new_privs};
  ChildProcess child(io, spec, [&](std::optional<int> raw) {
    raw_status = raw;
    relay.stop();
    broker.stop();
    io.stop();
  });
  wipe_all(spec.env);
  reporter_.detail("session " + session_id + ": broker on 127.0.0.1:" + std::to_string(port) +
                   ", child pid " + std::to_string(child.pid()));
  relay.relay_to(child.pid());
  broker.start();
  io.run();

  int status = raw_status ? exit_status_from_wait(*raw_status) : exit_code::kSetupFailed;
  if (!raw_status) reporter_.warning("lost track of the child's exit status");
  report_summary(reporter_, session_id, status, std::chrono::steady_clock::now() - started,
                 broker.stats());
  return status;
}

}  // namespace saferun::session
