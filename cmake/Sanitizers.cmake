# SAFE_RUN_SANITIZE=address,undefined or thread instruments every target, tests included.
# Sanitizer builds use -O1 and line tables (-g1): what the sanitizers' reports need (function,
# file, line), at a third of the compile time of -O2 -g under ASan+UBSan (110 s → 36 s for
# broker/connection.cc) — CI builds the whole tree three times from a clean clone.
if(SAFE_RUN_SANITIZE)
  add_compile_options(-fsanitize=${SAFE_RUN_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all -O1 -g1)
  add_link_options(-fsanitize=${SAFE_RUN_SANITIZE})
  if(SAFE_RUN_SANITIZE STREQUAL "thread")
    # Asio's fenced blocks use atomic_thread_fence, which TSan does not model: GCC warns once
    # per instantiation, thousands of lines that would bury a real warning.
    add_compile_options(-Wno-tsan)
  endif()
endif()
