# hawk_add_plugin(<name> SOURCES ... [LIBS ...] [OUTPUT_DIR dir] [NO_INSTALL])
# A plugin links only the SDK (never hawk_core), exports exactly one
# symbol (hawk_plugin_v1) and may not leave undefined references.
set(HAWK_PLUGIN_MAP ${CMAKE_CURRENT_LIST_DIR}/plugin.map)
function(hawk_add_plugin name)
  cmake_parse_arguments(P "NO_INSTALL" "OUTPUT_DIR;TARGET" "SOURCES;LIBS" ${ARGN})
  set(target ${name})
  if(P_TARGET)
    set(target ${P_TARGET})
  endif()
  if(NOT P_OUTPUT_DIR)
    set(P_OUTPUT_DIR ${CMAKE_BINARY_DIR}/plugins)
  endif()
  add_library(${target} MODULE ${P_SOURCES})
  target_link_libraries(${target} PRIVATE hawk_sdk hawk_warnings ${P_LIBS})
  target_compile_definitions(${target} PRIVATE _GNU_SOURCE)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${name}
    C_VISIBILITY_PRESET hidden
    LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIR})
  target_link_options(${target} PRIVATE
    "LINKER:--version-script=${HAWK_PLUGIN_MAP}"
    "LINKER:--exclude-libs,ALL"
    "LINKER:--no-undefined")
  if(NOT P_NO_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/hawk/plugins)
    # An installed plugin is part of what running hawk needs (hawk_runtime).
    set_property(GLOBAL APPEND PROPERTY HAWK_RUNTIME_PLUGINS ${target})
  endif()
endfunction()
