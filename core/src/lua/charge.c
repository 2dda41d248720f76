/*
 * lua/charge.c - library functions that do work in one C call, charged to
 * the run's instruction budget.
 *
 * The count hook fires between VM instructions only, so a single call of
 * table.sort over 200,000 long strings, or table.insert at the front of a
 * million-element table in a loop, would run for minutes on a few
 * instructions.  Each wrapper here charges its work before (or while)
 * doing it: a trip raises the sticky kill from inside the call.  The
 * wall-clock watchdog of the sandbox process (lua/pool.c) is the backstop
 * for whatever is still uncounted.
 */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdint.h>

#include "lua/sandbox.h"

/* Bytes of string work charged as one instruction: comparing or scanning
 * 64 bytes costs about what one VM instruction does. */
#define BYTES_PER_UNIT 64

/* Longest range charged by element; longer ones fail in Lua's code (a
 * Lua stack holds at most a million values) or on their first missing
 * element. */
#define RANGE_MAX 1000000u

static int64_t clamp_units(lua_Unsigned n)
{
    return n > (lua_Unsigned)(INT64_MAX / 4) ? INT64_MAX / 4 : (int64_t)n;
}

/* Calls upvalue 1 with all arguments, returning all its results. */
static int call_original(lua_State *L)
{
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}

/* ------------------------------------------------------------------------
 * table.sort: every comparison is charged, a comparison of two strings by
 * the bytes it may look at.
 * --------------------------------------------------------------------- */

static int sort_compare(lua_State *L)
{
    int64_t units = 1;
    if (lua_type(L, 1) == LUA_TSTRING && lua_type(L, 2) == LUA_TSTRING) {
        size_t la = 0, lb = 0;
        lua_tolstring(L, 1, &la);
        lua_tolstring(L, 2, &lb);
        units += (int64_t)((la < lb ? la : lb) / BYTES_PER_UNIT);
    }
    hk_lua_sandbox_charge(L, units);
    if (lua_isnil(L, lua_upvalueindex(1))) {
        lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPLT));
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_settop(L, 3);
    lua_call(L, 2, 1);
    return 1;
}

static int sb_sort(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (!lua_isnoneornil(L, 2))
        luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    lua_Integer n = luaL_len(L, 1);
    if (n > 0)
        hk_lua_sandbox_charge(L, clamp_units((lua_Unsigned)n));
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, sort_compare, 1);
    lua_call(L, 2, 0);
    return 0;
}

/* ------------------------------------------------------------------------
 * table.insert / table.remove shift the elements after the position;
 * table.concat and table.unpack visit every element of their range.
 * --------------------------------------------------------------------- */

static int sb_insert(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 1);
    lua_Integer pos = n + 1;
    if (lua_gettop(L) == 3 && lua_isinteger(L, 2))
        pos = lua_tointeger(L, 2);
    if (n >= pos && pos > 0)
        hk_lua_sandbox_charge(L, clamp_units((lua_Unsigned)(n - pos) + 1));
    return call_original(L);
}

static int sb_remove(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 1);
    lua_Integer pos = luaL_optinteger(L, 2, n);
    if (n >= pos && pos > 0)
        hk_lua_sandbox_charge(L, clamp_units((lua_Unsigned)(n - pos) + 1));
    return call_original(L);
}

/* Charges the range [i, j] of a (table, sep/i, ...) call; the positions
 * of i and j differ between concat (3, 4) and unpack (2, 3). */
static void charge_range(lua_State *L, int ai, int aj)
{
    lua_Integer i = luaL_optinteger(L, ai, 1);
    lua_Integer j =
        lua_isnoneornil(L, aj) ? luaL_len(L, 1) : luaL_checkinteger(L, aj);
    /* A range too long for the stack gets Lua's own clear error
     * ("too many results to unpack") instead of the limit. */
    if (j >= i && (lua_Unsigned)j - (lua_Unsigned)i < RANGE_MAX)
        hk_lua_sandbox_charge(L, (int64_t)((lua_Unsigned)j - (lua_Unsigned)i));
}

static int sb_concat(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    charge_range(L, 3, 4);
    return call_original(L);
}

static int sb_unpack(lua_State *L)
{
    charge_range(L, 2, 3);
    return call_original(L);
}

/* ------------------------------------------------------------------------
 * String and utf8 functions that scan their arguments: charged by the
 * bytes of every string argument.
 * --------------------------------------------------------------------- */

static int sb_scan(lua_State *L)
{
    int n = lua_gettop(L);
    lua_Unsigned bytes = 0;
    for (int i = 1; i <= n; i++) {
        if (lua_type(L, i) == LUA_TSTRING)
            bytes += (lua_Unsigned)lua_rawlen(L, i);
    }
    hk_lua_sandbox_charge(L, 1 + clamp_units(bytes / BYTES_PER_UNIT));
    return call_original(L);
}

static void wrap(lua_State *L, int t, const char *name, lua_CFunction fn)
{
    lua_getfield(L, t, name);
    if (lua_type(L, -1) != LUA_TFUNCTION) {
        lua_pop(L, 1);
        return;
    }
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, t, name);
}

/* Replaces package.loaded[lib] (unreachable from scripts) with a table
 * mapping each function name of the global table `lib` to the function
 * doing the work: a wrapper's original is its first upvalue.  Lua names
 * a C function in an argument error by searching package.loaded, so the
 * originals called from the wrappers keep saying "bad argument #1 to
 * 'os.date'" instead of "to '?'". */
static void name_originals(lua_State *L, int loaded, const char *lib)
{
    if (lua_getglobal(L, lib) != LUA_TTABLE) {
        lua_pop(L, 1);
        return;
    }
    int t = lua_gettop(L);
    lua_newtable(L);
    int names = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        if (lua_type(L, -2) == LUA_TSTRING &&
            lua_type(L, -1) == LUA_TFUNCTION && lua_iscfunction(L, -1) &&
            lua_getupvalue(L, -1, 1) != NULL) {
            if (lua_type(L, -1) == LUA_TFUNCTION)
                lua_replace(L, -2);
            else
                lua_pop(L, 1);
        }
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, names);
    }
    lua_setfield(L, loaded, lib);
    lua_pop(L, 1);
}

/* Installs the charged wrappers into the table, string and utf8 library
 * tables, which must be loaded (package.loaded) already.  Called from the
 * protected set-up of a sandbox. */
void hk_lua_charge_install(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    int loaded = lua_gettop(L);

    lua_getfield(L, loaded, LUA_TABLIBNAME);
    int t = lua_gettop(L);
    wrap(L, t, "sort", sb_sort);
    wrap(L, t, "insert", sb_insert);
    wrap(L, t, "remove", sb_remove);
    wrap(L, t, "concat", sb_concat);
    wrap(L, t, "unpack", sb_unpack);
    lua_pop(L, 1);

    static const char *const strfns[] = {"byte", "upper", "lower", "reverse",
                                         "format"};
    lua_getfield(L, loaded, LUA_STRLIBNAME);
    t = lua_gettop(L);
    for (size_t i = 0; i < sizeof(strfns) / sizeof(strfns[0]); i++)
        wrap(L, t, strfns[i], sb_scan);
    lua_pop(L, 1);

    static const char *const utf8fns[] = {"len", "codepoint", "offset", "char"};
    lua_getfield(L, loaded, LUA_UTF8LIBNAME);
    t = lua_gettop(L);
    for (size_t i = 0; i < sizeof(utf8fns) / sizeof(utf8fns[0]); i++)
        wrap(L, t, utf8fns[i], sb_scan);
    lua_pop(L, 1);

    static const char *const named[] = {LUA_TABLIBNAME, LUA_STRLIBNAME,
                                        LUA_UTF8LIBNAME, LUA_OSLIBNAME,
                                        LUA_COLIBNAME};
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
        name_originals(L, loaded, named[i]);
    lua_pop(L, 1);
}
