/*
 * lua/sandbox_co.c - coroutine.resume/wrap/close for the sandbox.
 *
 * A coroutine is a protection boundary like pcall: an error inside it is
 * handed to the resumer as a value.  These versions (the Lua 5.4 ones
 * plus a status check) re-raise a limit kill or a memory error in the
 * resumer instead, so a script cannot outlive a tripped limit by running
 * its work in a coroutine.
 */
#include "lua/sandbox.h"

/* Resumes co with narg values from L; on success moves the results to L
 * and returns their count; on error moves the error value and returns -1
 * with *status set. */
static int aux_resume(lua_State *L, lua_State *co, int narg, int *status)
{
    int nres = 0;
    *status = LUA_OK;
    if (!lua_checkstack(co, narg)) {
        lua_pushliteral(L, "too many arguments to resume");
        *status = LUA_ERRRUN;
        return -1;
    }
    lua_xmove(L, co, narg);
    *status = lua_resume(co, L, narg, &nres);
    if (*status == LUA_OK || *status == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres);
            lua_pushliteral(L, "too many results to resume");
            *status = LUA_ERRRUN;
            return -1;
        }
        lua_xmove(co, L, nres);
        hk_lua_sandbox_check_status(L, LUA_OK);
        return nres;
    }
    hk_lua_sandbox_check_status(L, *status);
    lua_xmove(co, L, 1);
    return -1;
}

static int co_resume(lua_State *L)
{
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co != NULL, 1, "coroutine");
    int status;
    int r = aux_resume(L, co, lua_gettop(L) - 1, &status);
    if (r < 0) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, -(r + 1));
    return r + 1;
}

static int co_auxwrap(lua_State *L)
{
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    int status;
    int r = aux_resume(L, co, lua_gettop(L), &status);
    if (r < 0) {
        int stat = lua_status(co);
        if (stat != LUA_OK && stat != LUA_YIELD) {
            stat = lua_resetthread(co);
            hk_lua_sandbox_check_status(L, stat);
            lua_xmove(co, L, 1);
        }
        if (stat != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
            luaL_where(L, 1);
            lua_insert(L, -2);
            lua_concat(L, 2);
        }
        return lua_error(L);
    }
    return r;
}

static int co_wrap(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *nl = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, nl, 1);
    lua_pushcclosure(L, co_auxwrap, 1);
    return 1;
}

static int co_close(lua_State *L)
{
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co != NULL, 1, "coroutine");
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    hk_lua_sandbox_check_status(L, LUA_OK);
    return lua_gettop(L);
}

/* See lua/sandbox.h. */
void hk_lua_coroutine_install(lua_State *L, int t)
{
    t = lua_absindex(L, t);
    lua_pushcfunction(L, co_resume);
    lua_setfield(L, t, "resume");
    lua_pushcfunction(L, co_wrap);
    lua_setfield(L, t, "wrap");
    lua_getfield(L, t, "close");
    lua_pushcclosure(L, co_close, 1);
    lua_setfield(L, t, "close");
}
