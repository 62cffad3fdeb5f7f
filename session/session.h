#pragma once
// One safe-run session, from loading the config to the child's exit status.

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "session/child_env.h"
#include "session/command_profiles.h"
#include "session/config.h"
#include "session/reporter.h"
#include "session/session_options.h"

namespace saferun::broker {
class Broker;
}

namespace saferun::session {

class FleetStore;
class SessionDir;

class Session {
 public:
  Session(SessionOptions options, Reporter reporter)
      : options_(std::move(options)), reporter_(reporter), profile_(find_command_profile(options_.command.front())) {}

  // Returns the status safe-run exits with (see exit_status.h). Throws SetupError for a
  // failure before the child started; by then nothing is left running.
  int run();

 private:
  ChildEnv child_environment(const Config& config, const std::vector<std::string>& served,
                             const broker::Broker& broker, std::uint16_t port, std::string_view token,
                             const std::string& session_id, const SessionDir& dir) const;
  std::unique_ptr<FleetStore> open_store(boost::asio::io_context& io, const Config& config, broker::Secret password,
                                         const SessionDir& dir, const std::string& session_id) const;
  // The command line the child runs: the user's, with its profile's arguments (if any).
  // `child_env` ("NAME=value") fills the profile's {NAME}s.
  std::vector<std::string> command_arguments(const std::vector<std::string>& child_env) const;

  SessionOptions options_;
  Reporter reporter_;
  const CommandProfile* profile_;  // nullptr: no profile for this command
};

}  // namespace saferun::session
