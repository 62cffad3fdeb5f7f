#include "session/jail/protected_paths.h"

#include <catch2/catch.hpp>

using namespace saferun::session::jail;

namespace {

PathIdentity file(ino_t inode, ino_t parent = 1) { return {"/h/.bashrc", true, false, 5, inode, 5, parent}; }
PathIdentity link(ino_t inode, ino_t parent = 1) { return {"/h/.bashrc", true, true, 5, inode, 5, parent}; }
PathIdentity missing(ino_t parent = 1) { return {"/h/.bashrc", false, false, 0, 0, 5, parent}; }

}  // namespace

TEST_CASE("a protected path that appeared during the session is reported", "[protected_paths]") {
  CHECK(changed_paths({missing()}, {file(7)}) == std::vector<std::string>{"/h/.bashrc"});
}

TEST_CASE("a path that stayed or went away is not reported", "[protected_paths]") {
  CHECK(changed_paths({file(7)}, {file(7)}).empty());
  CHECK(changed_paths({file(7)}, {missing()}).empty());
  CHECK(changed_paths({missing()}, {missing()}).empty());
}

TEST_CASE("a file replaced in the same directory is the user's own edit", "[protected_paths]") {
  CHECK(changed_paths({file(7)}, {file(8)}).empty());
}

TEST_CASE("a replaced symlink or a file under a replaced directory is reported", "[protected_paths]") {
  CHECK(changed_paths({link(7)}, {link(8)}).size() == 1);
  CHECK(changed_paths({file(7, 1)}, {file(8, 2)}).size() == 1);
}
