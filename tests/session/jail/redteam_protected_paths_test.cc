#include <catch2/catch.hpp>

#include "session/jail/protected_paths.h"

using namespace saferun::session::jail;

namespace {

// ~/.bashrc -> dotfiles/bashrc: the link (inode 10) and the file it resolves to (inode 20, in directory 30).
PathIdentity stow_link() {
  PathIdentity link{"/home/u/.bashrc"};
  link.exists = link.replaceable = link.target_exists = true;
  link.inode = 10, link.parent_inode = 1;
  link.target_inode = 20, link.target_parent_inode = 30;
  return link;
}

}  // namespace

TEST_CASE("a symlink whose target is a new file in a new directory counts as replaced", "[protected_paths][redteam]") {
  auto now = stow_link();
  now.target_inode = 21, now.target_parent_inode = 31;
  CHECK(changed_paths({stow_link()}, {now}) == std::vector<std::string>{"/home/u/.bashrc"});
}

TEST_CASE("a symlink whose target the user saved in place or beside it does not", "[protected_paths][redteam]") {
  auto edited = stow_link();
  edited.target_inode = 21;  // an editor's atomic rename in the same directory
  CHECK(changed_paths({stow_link()}, {edited}).empty());
  CHECK(changed_paths({stow_link()}, {stow_link()}).empty());
}

TEST_CASE("a dangling symlink whose target appeared counts as replaced", "[protected_paths][redteam]") {
  auto was = stow_link();
  was.target_exists = false;
  CHECK(changed_paths({was}, {stow_link()}) == std::vector<std::string>{"/home/u/.bashrc"});
}
