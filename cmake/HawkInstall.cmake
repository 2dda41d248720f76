# `make install` (cmake --install): the binary, plugins, the plugin header
# and its pkg-config file, config, templates, prompts, Lua examples, the
# web pages and the service files, in FHS paths below CMAKE_INSTALL_PREFIX.
# DESTDIR (environment) is prepended to every path, as packagers expect.
#
#   prefix /usr/local (default)    prefix /usr (a package)
#   /usr/local/bin/hawk            /usr/bin/hawk
#   /usr/local/lib/hawk/plugins/   /usr/lib/hawk/plugins/   (lib, not lib64: Debian)
#   /usr/local/etc/hawk/           /etc/hawk/                hawk.cfg + templates
#   /usr/local/var/lib/hawk/       /var/lib/hawk/            data_dir
#   /usr/local/lib/systemd/system/ /usr/lib/systemd/system/  units
#
# The plugin directory, the config path in the units and data_dir in the
# installed hawk.cfg are absolute paths fixed at configure time, so the
# Makefile's install target configures the prefix before building.
set(HAWK_INST_SYSCONF ${CMAKE_INSTALL_FULL_SYSCONFDIR}/hawk)
set(HAWK_INST_STATE ${CMAKE_INSTALL_FULL_LOCALSTATEDIR}/lib/hawk)
set(HAWK_INST_DATA ${CMAKE_INSTALL_FULL_DATADIR}/hawk)
set(HAWK_INST_DOC ${CMAKE_INSTALL_FULL_DOCDIR})
set(HAWK_INST_UNITS ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)

# Config folder: the example of every option, templates, prompts, rules.
# hawk finds prompts/, templates/ and answers/ beside its config file.
install(FILES ${CMAKE_SOURCE_DIR}/etc/hawk.cfg.example
        DESTINATION ${HAWK_INST_SYSCONF})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/etc/prompts ${CMAKE_SOURCE_DIR}/etc/templates
                  ${CMAKE_SOURCE_DIR}/etc/answers ${CMAKE_SOURCE_DIR}/etc/linkedin
        DESTINATION ${HAWK_INST_SYSCONF})
# Data directory (the embedded database, files, the JWT secret): created
# empty; mode 0711 so the embedded cluster's user can pass through.
install(DIRECTORY DESTINATION ${HAWK_INST_STATE}
        DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
                              GROUP_EXECUTE WORLD_EXECUTE)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/scripts/lua/ DESTINATION ${HAWK_INST_DATA}/lua)
install(FILES ${CMAKE_SOURCE_DIR}/etc/nginx/hawk.conf DESTINATION ${HAWK_INST_DATA}/nginx
        OPTIONAL)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${HAWK_INST_DOC})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/examples/plugin DESTINATION ${HAWK_INST_DOC}/examples)
# The SDK's pkg-config file: out-of-tree plugins build with
#   cc $(pkg-config --cflags hawk-plugin) -shared -fPIC ...
configure_file(${CMAKE_SOURCE_DIR}/cmake/hawk-plugin.pc.in
               ${CMAKE_BINARY_DIR}/hawk-plugin.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/hawk-plugin.pc
        DESTINATION ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig)
# The system user the units run as (systemd-sysusers creates it).
install(FILES ${CMAKE_SOURCE_DIR}/etc/systemd/hawk.sysusers
        DESTINATION ${CMAKE_INSTALL_PREFIX}/lib/sysusers.d RENAME hawk.conf)

# hawk.cfg with data_dir set to the installed data directory; an existing
# one is an admin's and is never overwritten.  The units with this
# prefix's paths in place of the packaged ones they are written with.
install(CODE "
  set(dest \"\$ENV{DESTDIR}${HAWK_INST_SYSCONF}/hawk.cfg\")
  if(EXISTS \"\${dest}\")
    message(STATUS \"Keeping: \${dest}\")
  else()
    file(READ \"${CMAKE_SOURCE_DIR}/etc/hawk.cfg\" cfg)
    string(REPLACE \"data_dir = \\\"var\\\";\" \"data_dir = \\\"${HAWK_INST_STATE}\\\";\" cfg \"\${cfg}\")
    message(STATUS \"Installing: \${dest}\")
    file(WRITE \"\${dest}\" \"\${cfg}\")
  endif()
  foreach(unit hawk.service hawk-worker@.service)
    file(READ \"${CMAKE_SOURCE_DIR}/etc/systemd/\${unit}\" text)
    string(REPLACE \"/usr/bin/hawk\" \"${CMAKE_INSTALL_FULL_BINDIR}/hawk\" text \"\${text}\")
    string(REPLACE \"/etc/hawk\" \"${HAWK_INST_SYSCONF}\" text \"\${text}\")
    string(REPLACE \"/var/lib/hawk\" \"${HAWK_INST_STATE}\" text \"\${text}\")
    string(REPLACE \"/usr/share/doc/hawk\" \"${HAWK_INST_DOC}\" text \"\${text}\")
    set(out \"\$ENV{DESTDIR}${HAWK_INST_UNITS}/\${unit}\")
    message(STATUS \"Installing: \${out}\")
    file(WRITE \"\${out}\" \"\${text}\")
  endforeach()
")
