/*
 * lua/api_test.c - hawk._test_* functions, present only when a sandbox
 * process was started with --test-hooks and the job asks for them (the
 * tests of the sandbox processes; never in a normal deployment).  They
 * do what no script can: crash the process, spin in C where the count
 * hook cannot fire, allocate outside the Lua state, try a system call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lua/api.h"
#include "util/alloc.h"
#include "util/time.h"

static int t_crash(lua_State *L)
{
    (void)L;
    abort();
    return 0;
}

/* Spins for the given seconds inside one C call. */
static int t_spin(lua_State *L)
{
    lua_Number s = luaL_checknumber(L, 1);
    int64_t end = hk_mono_ms() + (int64_t)(s * 1000.0);
    volatile uint64_t n = 0;
    while (hk_mono_ms() < end)
        n++;
    lua_pushinteger(L, (lua_Integer)n);
    return 1;
}

/* Allocates (and touches) n MiB outside the Lua state; returns how many
 * it got before malloc failed. */
static int t_alloc(lua_State *L)
{
    lua_Integer mib = luaL_checkinteger(L, 1);
    lua_Integer got = 0;
    for (; got < mib; got++) {
        char *p = hk_try_malloc(1024 * 1024);
        if (p == NULL)
            break;
        memset(p, 1, 1024 * 1024);
        /* Kept on purpose: the process is meant to fill up. */
    }
    lua_pushinteger(L, got);
    return 1;
}

/* Opens a file; returns true or false plus strerror. */
static int t_open(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushboolean(L, 0);
    lua_pushstring(L, strerror(errno));
    return 2;
}

/* See lua/api.h. */
void hk_lua_api_test(lua_State *L, int idx)
{
    static const luaL_Reg fns[] = {{"_test_crash", t_crash},
                                   {"_test_spin", t_spin},
                                   {"_test_alloc", t_alloc},
                                   {"_test_open", t_open},
                                   {NULL, NULL}};
    lua_pushvalue(L, idx);
    luaL_setfuncs(L, fns, 0);
    lua_pop(L, 1);
}
