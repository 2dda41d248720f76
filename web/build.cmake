# cmake -DNPM=... -DSRC=web -DOUT=<build>/web -P build.cmake
# Runs `npm run build` with the output folder set; without node_modules it
# explains what to run instead of failing the whole build.
if(NOT EXISTS ${SRC}/node_modules/.bin/vite)
  message(WARNING "web pages not built: run `npm ci --prefix web` "
                  "(scripts/install-deps.sh does it), then build again")
  return()
endif()
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env HAWK_WEB_OUT=${OUT} ${NPM} run --silent build
  WORKING_DIRECTORY ${SRC}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the web pages failed (see above)")
endif()
