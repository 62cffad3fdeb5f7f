#pragma once
// safe-run's exit status, as coreutils `env` and `timeout` do it: the child's own code;
// 128+N when the child died of signal N; 126 when the command cannot be executed; 127 when
// it is not found; 125 when safe-run itself failed.

namespace saferun::session {

namespace exit_code {
inline constexpr int kTtlExpired = 124;  // as timeout(1): the session's --ttl ended it
inline constexpr int kSetupFailed = 125;
inline constexpr int kCannotExecute = 126;
inline constexpr int kNotFound = 127;
inline constexpr int kSignalBase = 128;
}  // namespace exit_code

// Maps a raw waitpid() status to the status safe-run exits with.
int exit_status_from_wait(int raw_status);

}  // namespace saferun::session
