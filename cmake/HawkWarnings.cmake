# Warnings for every hawk target; -Werror when CI is set (or HAWK_WERROR).
add_library(hawk_warnings INTERFACE)
target_compile_options(hawk_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wformat=2 -Wvla -Wpointer-arith -Wundef -Wno-format-nonliteral)
option(HAWK_WERROR "treat warnings as errors" OFF)
if(HAWK_WERROR OR DEFINED ENV{CI})
  target_compile_options(hawk_warnings INTERFACE -Werror)
  # GCC's -Wformat-truncation follows value ranges, which the sanitizers'
  # instrumentation at -O1 blurs: the ASan build warns about snprintf
  # calls that the optimized build proves safe.  Shown, not fatal, there.
  if(CMAKE_BUILD_TYPE STREQUAL "Asan")
    target_compile_options(hawk_warnings INTERFACE -Wno-error=format-truncation)
  endif()
endif()
if(CMAKE_BUILD_TYPE MATCHES "Rel")
  target_compile_options(hawk_warnings INTERFACE -fstack-protector-strong)
  target_compile_definitions(hawk_warnings INTERFACE _FORTIFY_SOURCE=2)
  target_link_options(hawk_warnings INTERFACE "LINKER:-z,relro,-z,now")
endif()
