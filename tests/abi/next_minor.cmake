# Writes OUT: the plugin header IN as the next minor would have it, with a
# field appended to every struct that has a frozen 1.0 size
# (HAWK_<T>_SIZE_1_0), HAWK_ABI_MINOR one higher and HAWK_ABI_NEXT_OF the
# minor it is one ahead of.  test_abi_next builds
# the host's plugin/ code against it and loads plugins built against IN.
file(READ ${IN} s)
string(REGEX MATCHALL "\n};\n#define HAWK_[A-Z0-9_]+_SIZE_1_0" found "${s}")
list(LENGTH found n)
if(n LESS 21)
  message(FATAL_ERROR "next_minor: only ${n} versioned structs found in ${IN}")
endif()
string(REGEX REPLACE "\n};\n(#define HAWK_[A-Z0-9_]+_SIZE_1_0)"
       "\n    uint64_t abi_next_field_; /* appended by the next minor */\n};\n\\1"
       s "${s}")
string(REGEX MATCH "#define HAWK_ABI_MINOR ([0-9]+)" m "${s}")
set(minor ${CMAKE_MATCH_1})
math(EXPR next "${minor} + 1")
string(REGEX REPLACE "#define HAWK_ABI_MINOR [0-9]+"
       "#define HAWK_ABI_MINOR ${next}\n#define HAWK_ABI_NEXT_OF ${minor}"
       s "${s}")
file(WRITE ${OUT} "${s}")
