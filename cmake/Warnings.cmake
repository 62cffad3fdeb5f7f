# Warnings every target of ours builds with; -Werror only where asked so a newer compiler
# cannot break a user's build.
option(SAFE_RUN_WERROR "Treat warnings as errors" OFF)
add_library(saferun_warnings INTERFACE)
target_compile_options(saferun_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wcast-align -Wunused -Woverloaded-virtual
  -Wformat=2 -Wimplicit-fallthrough)
if(SAFE_RUN_WERROR)
  target_compile_options(saferun_warnings INTERFACE -Werror)
endif()
