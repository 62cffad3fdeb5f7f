// Red-team attacks on the jail that issue 8's suite did not make, each beside its negative
// control (--isolation=off): the agent runs as the same unprivileged user as safe-run and
// reaches the user's next session through what the user's shell trusts outside the jail —
// a command planted in the home's command path, and the user's tmux server, which runs
// commands (outside every namespace of the session) and types into its panes on request.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "tests/e2e/safe_run.h"
#include "tests/e2e/unprivileged_user.h"

using namespace saferun::test;

namespace {

// `text` as one single-quoted shell word.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// `script` as the agent: /bin/sh inside a --dry-run session started from `cwd`.
ProcessResult run_agent(const UnprivilegedUser& user, const std::string& mode, const std::string& cwd,
                        const std::string& script, const std::vector<std::string>& env) {
  auto start = "cd " + quoted(cwd) + " && exec \"$0\" --dry-run --isolation=" + mode + " -- /bin/sh -c " +
               quoted(script);
  return run_process(user.as_user({"/bin/sh", "-c", start, user.safe_run()}), env);
}

unsigned user_id() { return ::geteuid() == 0 ? 65534u : ::geteuid(); }

bool exists(const std::string& path) {
  std::error_code ignored;
  return std::filesystem::exists(std::filesystem::symlink_status(path, ignored));
}

}  // namespace

TEST_CASE("an isolated agent cannot plant a command where the user's shell finds safe-run next time",
          "[e2e][isolation][redteam]") {
  for (std::string mode : {"off", "auto"}) {
    INFO(mode);
    UnprivilegedUser user;
    auto local_bin = user.make_dir(".local/bin");
    auto project = user.make_dir("project");
    auto home_bin = user.home() + "/bin";  // absent: Debian's ~/.profile adds it to PATH once it exists
    auto env = user.env({"PATH=" + local_bin + ":" + project + ":/usr/bin:/bin"});
    auto script = "printf '#!/bin/sh\\nexec /usr/bin/safe-run --isolation=off \"$@\"\\n' > " + local_bin +
                  "/safe-run && echo planted-local-bin; mkdir " + home_bin + " && echo '#!/bin/sh' > " + home_bin +
                  "/op && echo planted-home-bin; echo work > " + project + "/notes && echo project-writable";
    auto result = run_agent(user, mode, project, script, env);
    INFO(result.out << result.err);
    CHECK(result.status == 0);
    CHECK(contains(result.out, "project-writable"));  // the working directory stays the agent's
    CHECK(contains(read_file(project + "/notes"), "work"));
    if (mode == "off") {
      CHECK(contains(result.out, "planted-local-bin"));
      CHECK(exists(local_bin + "/safe-run"));  // the user's next `safe-run` would be the agent's
      CHECK(exists(home_bin + "/op"));
    } else {
      CHECK_FALSE(contains(result.out, "planted-local-bin"));
      CHECK(contains(result.err, "Read-only file system"));
      CHECK_FALSE(exists(local_bin + "/safe-run"));
      CHECK_FALSE(exists(home_bin));  // a command directory that appeared is moved aside
      CHECK(contains(result.err, home_bin + " appeared or was replaced during the session; moved to"));
    }
  }
}

TEST_CASE("an isolated agent cannot make the user's tmux server run or type a command", "[e2e][isolation][redteam]") {
  for (std::string mode : {"off", "auto"}) {
    INFO(mode);
    UnprivilegedUser user;
    auto tmux_tmpdir = user.make_dir("tmux-tmp");
    auto env = user.env({"TMUX_TMPDIR=" + tmux_tmpdir, "SHELL=/bin/sh"});
    // The user's own tmux server, started before the session (default socket, as `tmux` makes it).
    auto server = run_process(user.as_user({"tmux", "-f", "/dev/null", "new-session", "-d"}), env);
    REQUIRE(server.status == 0);
    auto socket = tmux_tmpdir + "/tmux-" + std::to_string(user_id()) + "/default";
    auto escaped = user.home() + "/escaped";
    auto script = "tmux -S " + socket + " new-window -d " + quoted("echo outside > " + escaped + "; sleep 30") +
                  " && echo ran-outside; tmux -S " + socket + " send-keys typed-by-agent && echo typed; exit 0";
    auto result = run_agent(user, mode, user.home(), script, env);
    INFO(result.out << result.err);
    CHECK(result.status == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto pane = run_process(user.as_user({"tmux", "-S", socket, "capture-pane", "-p"}), env);
    if (mode == "off") {
      CHECK(contains(result.out, "ran-outside"));
      CHECK(contains(read_file(escaped), "outside"));  // a process of the agent's outlives the session
      CHECK(contains(pane.out, "typed-by-agent"));     // and it types into the user's terminal
    } else {
      CHECK_FALSE(contains(result.out, "ran-outside"));
      CHECK_FALSE(contains(result.out, "typed"));
      CHECK_FALSE(exists(escaped));
      CHECK_FALSE(contains(pane.out, "typed-by-agent"));
    }
    run_process(user.as_user({"tmux", "-S", socket, "kill-server"}), env);
  }
}

TEST_CASE("an isolated agent cannot keep a planted start-up file by blocking its quarantine",
          "[e2e][isolation][redteam]") {
  for (std::string mode : {"off", "auto"}) {
    INFO(mode);
    UnprivilegedUser user;
    auto profile = user.home() + "/.bash_profile";
    // The session id is in the agent's environment, so it can take the quarantine's name
    // first, and the home is the user's, so it can take write permission off it.
    auto script = "echo 'echo attacker' > " + profile + " && mkdir -p " + profile +
                  ".safe-run-quarantine-$SAFE_RUN_SESSION/x && chmod 555 " + user.home() + " && echo planted";
    auto result = run_agent(user, mode, "/", script, user.env());
    INFO(result.out << result.err);
    std::filesystem::permissions(user.home(), std::filesystem::perms::owner_all, std::filesystem::perm_options::add);
    CHECK(result.status == 0);
    CHECK(contains(result.out, "planted"));
    if (mode == "off") {
      CHECK(contains(read_file(profile), "attacker"));  // the user's next login shell runs it
    } else {
      CHECK_FALSE(exists(profile));
      CHECK(contains(result.err, profile + " appeared or was replaced during the session; moved to " + profile +
                                     ".safe-run-quarantine-"));
      CHECK_FALSE(contains(result.err, "could not be moved aside"));
    }
  }
}

TEST_CASE("an isolated agent cannot replace a symlinked start-up file by renaming its target's directory",
          "[e2e][isolation][redteam]") {
  for (std::string mode : {"off", "auto"}) {
    INFO(mode);
    UnprivilegedUser user;
    // GNU stow's layout: ~/.bashrc -> dotfiles/bashrc. The mount covers the file it resolves
    // to, not the directory holding it, and the link itself does not change.
    user.make_file("dotfiles/bashrc", "# the user's own\n");
    auto bashrc = user.home() + "/.bashrc";
    std::filesystem::create_symlink("dotfiles/bashrc", bashrc);
    run_process({"chown", "-h", "--reference=" + user.home(), bashrc}, {"PATH=/usr/bin:/bin"});
    auto dotfiles = user.home() + "/dotfiles";
    auto script = "mv " + dotfiles + " " + dotfiles + ".old && mkdir " + dotfiles + " && echo 'echo attacker' > " +
                  dotfiles + "/bashrc && echo replaced";
    auto result = run_agent(user, mode, "/", script, user.env());
    INFO(result.out << result.err);
    CHECK(result.status == 0);
    CHECK(contains(result.out, "replaced"));
    if (mode == "off") {
      CHECK(contains(read_file(bashrc), "attacker"));  // the user's next shell runs it
    } else {
      CHECK_FALSE(exists(bashrc));
      CHECK(contains(result.err, bashrc + " appeared or was replaced during the session; moved to"));
      CHECK(read_file(dotfiles + ".old/bashrc") == "# the user's own\n");
    }
  }
}
