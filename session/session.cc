#include "session/session.h"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <set>

#include "broker/broker.h"
#include "session/child_env.h"
#include "session/child_process.h"
#include "session/command_profiles.h"
#include "session/command_path.h"
#include "session/config_loader.h"
#include "session/descendants.h"
#include "session/exit_status.h"
#include "session/github_actions.h"
#include "session/heap_tuning.h"
#include "session/home_overlay.h"
#include "session/isolation_plan.h"
#include "session/jail/protected_paths.h"
#include "session/openssl_config.h"
#include "session/parent_environment.h"
#include "session/fleet_store.h"
#include "session/secret_sources.h"
#include "session/secret_unlock.h"
#include "session/store_config.h"
#include "session/session_dir.h"
#include "session/session_summary.h"
#include "session/setup_error.h"
#include "session/resolver_thread.h"
#include "session/signal_relay.h"
#include "session/terminal_state.h"
#include "session/token.h"
#include "session/upstream_notice.h"

extern char** environ;

namespace saferun::session {
namespace {

const EnvLookup kProcessEnv = [](const char* name) { return std::getenv(name); };
constexpr std::chrono::seconds kOrphanReapInterval{2};

std::vector<std::string_view> process_environment() {
  std::vector<std::string_view> entries;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) entries.emplace_back(*entry);
  return entries;
}

std::set<std::string> secret_variables(const Config& config) {
  std::set<std::string> names;
  for (const auto& route : config.routes) names.insert(route.secret.env_names.begin(), route.secret.env_names.end());
  if (config.store) names.insert(config.store->secret.env_names.begin(), config.store->secret.env_names.end());
  return names;
}

std::vector<std::string> served_route_names(const UnlockResult& unlocked) {
  std::vector<std::string> names;
  for (const auto& active : unlocked.active) names.push_back(active.route.name);
  return names;
}

broker::BrokerSettings broker_settings(const Config& config, const std::string& session_id, const SessionDir& dir,
                                       const SessionOptions& options, const Reporter& reporter) {
  const bool dry_run = options.dry_run;
  broker::BrokerSettings settings;
  settings.session_id = session_id;
  settings.dry_run = dry_run;
  settings.limits = config.limits;
  settings.audit_path = dir.events_path();
  settings.persistent_audit_path = options.audit_log_path.value_or(config.audit_log);
  settings.policy = config.policy;
  if (options.budget_micro_usd) settings.policy.session.budget_micro_usd = options.budget_micro_usd;
  settings.log = reporter.verbose() ? &reporter.stream() : nullptr;
  return settings;
}

// The child's variables for each route the broker serves, adapted to the command's profile.
EnvVars route_variables(const Config& config, const std::vector<std::string>& served, const broker::Broker& broker,
                        std::string_view token, const CommandProfile* profile, const SessionDir& dir) {
  std::vector<std::pair<std::string, std::string>> vars;
  for (const auto& route_config : config.routes) {
    if (std::find(served.begin(), served.end(), route_config.route.name) == served.end()) continue;
    auto base_url = broker.base_url(route_config.route);
    for (const auto& [name, text] : route_config.child_env)
      vars.emplace_back(name, render_env_template(text, base_url, token));
  }
  if (profile == nullptr) return vars;
  apply_profile_vars(*profile, vars, token);
  if (profile->overlay) {
    const char* home = std::getenv("HOME");
    vars.emplace_back(profile->overlay->variable, make_home_overlay(*profile->overlay, dir.path(), home ? home : ""));
  }
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

// Zombies of orphans re-parented to us are collected while the session runs; the child
// itself is left to Boost.Process.
void keep_reaping_orphans(boost::asio::steady_timer& timer, pid_t child) {
  timer.expires_after(kOrphanReapInterval);
  timer.async_wait([&timer, child](const boost::system::error_code& ec) {
    if (ec) return;
    reap_orphan_zombies(child);
    keep_reaping_orphans(timer, child);
  });
}

// safe-run can scrub only its own copy of a key: the routes whose key its parent holds too.
std::vector<std::string> routes_with_key_in_parent(const UnlockResult& unlocked) {
  std::vector<std::string> routes;
  for (const auto& active : unlocked.active)
    if (environment_of_holds(::getppid(), active.secret.reveal())) routes.push_back(active.route.name);
  return routes;
}

void warn_about_parent_copies(const std::vector<std::string>& routes, const Reporter& reporter, bool isolated) {
  for (const auto& route : routes)
    reporter.warning("the key of route '" + route + "' is also in the environment of safe-run's parent, " +
                     describe_process(::getppid()) +
                     (isolated ? ": the command cannot see it there, but other programs you run can"
                               : ": without isolation the command can read it there"));
}

void warn_without_jail(const ChildProcess& child, const Reporter& reporter) {
  if (child.isolation_problem().empty()) return;
  reporter.warning("isolation unavailable: " + child.isolation_problem() +
                   ". The command runs without it: it can see your other processes and read their environment, "
                   "outlive the session, and change safe-run's config and your shell start-up files. "
                   "--isolation=required refuses to run like this; --isolation=off silences this warning.");
}

}  // namespace

ChildEnv Session::child_environment(const Config& config, const std::vector<std::string>& served,
                                    const broker::Broker& broker, std::uint16_t port, std::string_view token,
                                    const std::string& session_id, const SessionDir& dir) const {
  ChildEnvRequest request;
  request.parent = process_environment();
  request.config_pass_env = config.pass_env;
  request.cli_pass_env = options_.pass_env;
  request.secret_variables = secret_variables(config);
  request.route_vars = route_variables(config, served, broker, token, profile_, dir);
  request.broker_url = "http://127.0.0.1:" + std::to_string(port);
  request.token = token;
  request.session_id = session_id;
  ChildEnv env = build_child_env(request);
  for (auto& [name, value] : request.route_vars) broker::wipe(value);
  for (const auto& warning : env.warnings) reporter_.warning(warning);
  return env;
}

// The fleet's shared store, checked before anything is started; none in dry-run (nothing is
// unlocked there) or without "store" in the config.
std::unique_ptr<FleetStore> Session::open_store(boost::asio::io_context& io, const Config& config,
                                                broker::Secret password, const SessionDir& dir,
                                                const std::string& session_id) const {
  if (!config.store) return nullptr;
  if (options_.dry_run) {
    scrub_env(config.store->secret.env_names);
    return nullptr;
  }
  start_resolver_thread(io);  // before the check resolves the store's host (see resolver_thread.h)
  return std::make_unique<FleetStore>(io, *config.store, std::move(password), dir.path(), session_id, reporter_);
}

std::vector<std::string> Session::command_arguments(const std::vector<std::string>& child_env) const {
  if (profile_ == nullptr) return options_.command;
  EnvVars vars;
  for (const auto& entry : child_env) {
    auto eq = entry.find('=');
    vars.emplace_back(entry.substr(0, eq), entry.substr(eq + 1));
  }
  auto arguments = apply_profile_arguments(*profile_, options_.command, vars);
  for (auto& [name, value] : vars) broker::wipe(value);
  return arguments;
}

int Session::run() {
  const auto started = std::chrono::steady_clock::now();
  Config config = load_config(options_.config_path, kProcessEnv);
  const auto grace = options_.grace.value_or(config.grace);
  for (const auto& notice : upstream_notices(config)) reporter_.notice(notice);
  std::optional<jail::TtyFilter> tty_filter;
  const ChildIsolation isolation = plan_isolation(config, options_, kProcessEnv, tty_filter);
  UnlockResult unlocked = unlock_secrets(config, options_.dry_run);
  for (const auto& notice : unlocked.notices) reporter_.notice(notice);
  const auto keys_in_parent = routes_with_key_in_parent(unlocked);
  const auto served = served_route_names(unlocked);

  read_openssl_configuration();  // before the command can touch it (openssl_config.h)
  broker::Secret token = make_caller_token();
  if (broker::Secret::memory_lock_failed())
    reporter_.warning("could not mlock secret memory (RLIMIT_MEMLOCK); secrets may reach swap");
  const std::string session_id = make_session_id();
  SessionDir dir(kProcessEnv, session_id);
  TerminalState terminal;

  // Bound before the child is spawned, so no broker work exists at fork and the port is known.
  // One thread runs the loop and does all socket I/O; only Asio's resolver thread posts to it.
  // So the scheduler keeps its lock and the reactor drops the per-descriptor one (and, with
  // one thread, handlers posted from the loop skip the shared queue and its wake-ups).
  boost::asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  keep_freed_body_memory(config.limits);
  auto store = open_store(io, config, std::move(unlocked.store_password), dir, session_id);
  std::optional<broker::Broker> broker_slot;
  std::uint16_t port = 0;
  try {
    auto settings = broker_settings(config, session_id, dir, options_, reporter_);
    if (store) {
      settings.audit_mirror = store->audit_mirror();
      settings.wrap_ledger = store->ledger_wrapper();
    }
    broker_slot.emplace(io, std::move(unlocked.active), broker::Secret(token.reveal()), std::move(settings));
    port = broker_slot->bind_loopback();
  } catch (const std::exception& e) {
    throw SetupError(std::string("broker: ") + e.what());
  }
  broker::Broker& broker = *broker_slot;

  ChildEnv env = child_environment(config, served, broker, port, token.reveal(), session_id, dir);
  auto command = resolve_command(options_.command.front(), path_entry(env.entries));
  if (command.failure_status != 0) {
    wipe_all(env.entries);
    reporter_.warning(command.message);
    return command.failure_status;
  }
  if (auto mask = github_mask_command(std::getenv("GITHUB_ACTIONS"), token.reveal())) {
    std::cout << *mask << std::endl;
    broker::wipe(*mask);
  }

  become_subreaper();
  SignalRelay relay(io, grace);
  boost::asio::steady_timer orphan_timer(io);
  boost::asio::steady_timer ttl_timer(io);
  bool ttl_expired = false;
  std::optional<int> raw_status;
  auto arguments = command_arguments(env.entries);
  ChildSpec spec{command.path, std::move(arguments), std::move(env.entries), options_.no_new_privs};
  const auto protected_paths = jail::record_identities(identity_checked_paths(isolation));
  ChildProcess child(io, spec, isolation, [&](std::optional<int> raw) {
    raw_status = raw;
    relay.stop();
    orphan_timer.cancel();
    ttl_timer.cancel();
    broker.stop();
    io.stop();
  });
  wipe_all(spec.env);
  warn_without_jail(child, reporter_);
  warn_about_parent_copies(keys_in_parent, reporter_, child.jailed());
  reporter_.detail("session " + session_id + ": broker on 127.0.0.1:" + std::to_string(port) + ", child pid " +
                   std::to_string(child.pid()) + (child.jailed() ? " (isolated)" : ""));
  relay.relay_to(child.pid());
  keep_reaping_orphans(orphan_timer, child.pid());
  if (options_.ttl) {
    ttl_timer.expires_after(*options_.ttl);
    ttl_timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      ttl_expired = true;
      reporter_.notice("session " + session_id + ": its time to live (--ttl) has passed; ending it");
      broker.expire();
      relay.interrupt();
    });
  }
  broker.start();
  io.run();
  if (store) store->drain(io);

  SessionSummary summary;
  summary.session_id = session_id;
  summary.stats = broker.stats();
  summary.leftovers_ended = child.jailed() ? child.jail_leftovers() : end_descendants(grace);
  if (child.jailed())
    for (const auto& line : jail::quarantine_changed(protected_paths, session_id)) reporter_.warning(line);
  summary.exit_status = raw_status ? exit_status_from_wait(*raw_status) : exit_code::kSetupFailed;
  if (ttl_expired) summary.exit_status = exit_code::kTtlExpired;
  summary.ended_by = ttl_expired ? "ttl" : "child_exit";
  summary.usage_json = broker.usage_json();
  summary.usage_line = broker.usage_line();
  summary.budget_exhausted = broker.budget_exhausted();
  summary.elapsed = std::chrono::steady_clock::now() - started;
  if (!raw_status) reporter_.warning("lost track of the child's exit status");
  reporter_.notice(summary_line(summary));
  if (options_.summary_json_path) write_summary_file(*options_.summary_json_path, summary);
  return summary.exit_status;
}

}  // namespace saferun::session
