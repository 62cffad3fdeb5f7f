# SAFE_RUN_SANITIZE=address,undefined or thread instruments every target, tests included.
if(SAFE_RUN_SANITIZE)
  add_compile_options(-fsanitize=${SAFE_RUN_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${SAFE_RUN_SANITIZE})
endif()
