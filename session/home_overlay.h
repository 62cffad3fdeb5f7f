#pragma once
// Makes a command profile's per-session home overlay (see command_profiles.h) inside the
// session directory, so it is removed with it: <session>/home/<dir>/ holds a link to each
// entry of the user's ~/<dir> (history and the rest stay where they are) and a merged copy of
// the settings file. Nothing under the user's home is written. OS effects only; the merge is
// overlay_settings().

#include <string>

#include "session/command_profiles.h"

namespace saferun::session {

// Returns the overlay home's path (the value for overlay.variable). Throws SetupError naming
// the path that could not be made.
std::string make_home_overlay(const HomeOverlay& overlay, const std::string& session_dir,
                              const std::string& user_home);

}  // namespace saferun::session
