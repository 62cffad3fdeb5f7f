// safe-run: run a command that can call model APIs without holding the real API key.

#include <iostream>
#include <string>
#include <vector>

#include "launcher/cli.h"
#include "launcher/hardening.h"
#include "session/check_command.h"
#include "session/exit_status.h"
#include "session/session.h"
#include "session/setup_error.h"

namespace {

int fail(const std::string& message) {
  std::cerr << "safe-run: " << message << std::endl;
  return saferun::session::exit_code::kSetupFailed;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace saferun;
  try {
    launcher::harden_process();
    auto command_line = launcher::parse_command_line(std::vector<std::string>(argv + 1, argv + argc));
    switch (command_line.action) {
      case launcher::CommandLine::Action::help: std::cout << launcher::usage_text(); return 0;
      case launcher::CommandLine::Action::version: std::cout << launcher::version_text(); return 0;
      case launcher::CommandLine::Action::error: return fail(command_line.error + " (try 'safe-run --help')");
      case launcher::CommandLine::Action::check: return session::run_check(command_line.options, std::cout);
      case launcher::CommandLine::Action::run: break;
    }
    session::Reporter reporter(std::cerr, command_line.options.verbosity);
    return session::Session(std::move(command_line.options), reporter).run();
  } catch (const session::SetupError& e) {
    return fail(e.what());
  } catch (const std::exception& e) {
    return fail(std::string("internal error: ") + e.what());
  }
}
