#include "session/parent_environment.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <fstream>

#include "broker/secret.h"

namespace saferun::session {

bool environment_of_holds(pid_t parent, std::string_view secret) {
  if (secret.empty()) return false;
  int fd = ::open(("/proc/" + std::to_string(parent) + "/environ").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::string environment;
  environment.reserve(1 << 16);
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) environment.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  ::explicit_bzero(buffer, sizeof buffer);
  bool found = environment.find(secret) != std::string::npos;
  broker::wipe(environment);
  return found;
}

std::string describe_process(pid_t pid) {
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(comm, name);
  return (name.empty() ? std::string("process") : name) + " (pid " + std::to_string(pid) + ")";
}

}  // namespace saferun::session
