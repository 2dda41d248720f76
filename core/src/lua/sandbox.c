/*
 * lua/sandbox.c - creation of a sandboxed lua_State: capped allocator,
 * library whitelist, wrapped base functions, locked string metatable,
 * count hook with the sticky kill.
 */
#include "lua/sandbox.h"

#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hawk/plugin.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/time.h"

/* Unique addresses used as registry keys and as the kill error value. */
static const char kill_sentinel = 'k';
static const char ro_tables_key = 'r';

/* Memory a killed run may still use to unwind and build its traceback. */
#define KILL_GRACE_BYTES (1024 * 1024)

/* ------------------------------------------------------------------------
 * Allocator, hook, kill
 * --------------------------------------------------------------------- */

static void *sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct hk_lua_sandbox *sb = ud;
    /* For a new block Lua passes the object type in osize. */
    if (ptr == NULL)
        osize = 0;
    if (nsize == 0) {
        hk_free(ptr);
        sb->mem_used -= osize;
        return NULL;
    }
    if (nsize > osize && sb->mem_used + (nsize - osize) > sb->mem_limit) {
        /* Lua retries a failed allocation once after a full collection;
         * the same request refused twice is a real out-of-memory, which
         * must end the run even if a pcall catches LUA_ERRMEM. */
        if (ptr == sb->refused_ptr && nsize == sb->refused_size)
            hk_lua_sandbox_kill(sb, HK_LUA_KILL_MEMORY);
        sb->refused_ptr = ptr;
        sb->refused_size = nsize;
        return NULL;
    }
    void *p = hk_try_realloc(ptr, nsize);
    if (p == NULL) {
        /* Below the cap but the system said no: in a sandbox process
         * that is its address-space limit.  The run cannot go on. */
        hk_lua_sandbox_kill(sb, HK_LUA_KILL_MEMORY);
        snprintf(sb->kill_msg, sizeof(sb->kill_msg),
                 "out of memory: the sandbox process reached its "
                 "address-space limit");
        return NULL;
    }
    sb->refused_ptr = NULL;
    sb->refused_size = 0;
    sb->mem_used = sb->mem_used - osize + nsize;
    if (sb->mem_used > sb->mem_peak)
        sb->mem_peak = sb->mem_used;
    return p;
}

static void sb_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    struct hk_lua_sandbox *sb = hk_lua_sandbox_of(L);
    if (sb->killed == HK_LUA_KILL_NONE) {
        sb->instructions += HK_LUA_HOOK_EVERY;
        if (sb->instructions > sb->lim.max_instructions)
            hk_lua_sandbox_kill(sb, HK_LUA_KILL_INSTRUCTIONS);
        else if (hk_lua_sandbox_expired(sb) == false)
            return;
    }
    hk_lua_sandbox_raise_kill(L);
}

/* See lua/sandbox.h. */
struct hk_lua_sandbox *hk_lua_sandbox_of(lua_State *L)
{
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

/* See lua/sandbox.h. */
void hk_lua_sandbox_kill(struct hk_lua_sandbox *sb, enum hk_lua_kill why)
{
    if (sb->killed != HK_LUA_KILL_NONE)
        return;
    sb->killed = why;
    switch (why) {
    case HK_LUA_KILL_INSTRUCTIONS:
        snprintf(sb->kill_msg, sizeof(sb->kill_msg),
                 "instruction limit of %lld exceeded",
                 (long long)sb->lim.max_instructions);
        break;
    case HK_LUA_KILL_MEMORY:
        if (sb->lim.max_memory % (1024 * 1024) == 0)
            snprintf(sb->kill_msg, sizeof(sb->kill_msg),
                     "memory limit of %lld MiB exceeded",
                     (long long)(sb->lim.max_memory / (1024 * 1024)));
        else
            snprintf(sb->kill_msg, sizeof(sb->kill_msg),
                     "memory limit of %lld bytes exceeded",
                     (long long)sb->lim.max_memory);
        sb->mem_limit += KILL_GRACE_BYTES;
        break;
    case HK_LUA_KILL_WALL:
        if (sb->lim.max_wall_ms % 1000 == 0)
            snprintf(sb->kill_msg, sizeof(sb->kill_msg),
                     "wall-clock limit of %lld s exceeded",
                     (long long)(sb->lim.max_wall_ms / 1000));
        else
            snprintf(sb->kill_msg, sizeof(sb->kill_msg),
                     "wall-clock limit of %lld ms exceeded",
                     (long long)sb->lim.max_wall_ms);
        break;
    case HK_LUA_KILL_HOST_CALLS:
        snprintf(sb->kill_msg, sizeof(sb->kill_msg),
                 "host call limit of %lld exceeded",
                 (long long)sb->lim.max_host_calls);
        break;
    case HK_LUA_KILL_CANCELLED:
        snprintf(sb->kill_msg, sizeof(sb->kill_msg), "run cancelled");
        break;
    case HK_LUA_KILL_STRAY_YIELD:
        snprintf(sb->kill_msg, sizeof(sb->kill_msg),
                 "coroutine.yield called outside a coroutine");
        break;
    case HK_LUA_KILL_OUTPUT:
        if (sb->lim.max_output % (1024 * 1024) == 0)
            snprintf(sb->kill_msg, sizeof(sb->kill_msg),
                     "output limit of %lld MiB exceeded (log lines, state "
                     "and values handed to hawk.* in one run)",
                     (long long)(sb->lim.max_output / (1024 * 1024)));
        else
            snprintf(sb->kill_msg, sizeof(sb->kill_msg),
                     "output limit of %lld bytes exceeded (log lines, state "
                     "and values handed to hawk.* in one run)",
                     (long long)sb->lim.max_output);
        break;
    case HK_LUA_KILL_CPU:
        snprintf(sb->kill_msg, sizeof(sb->kill_msg),
                 "CPU-time limit of the sandbox process exceeded");
        break;
    case HK_LUA_KILL_CRASHED:
        snprintf(sb->kill_msg, sizeof(sb->kill_msg),
                 "the sandbox process died");
        break;
    case HK_LUA_KILL_NONE:
        break;
    }
}

/* See lua/sandbox.h. */
int hk_lua_sandbox_raise_kill(lua_State *L)
{
    /* From now on this thread errors at every instruction, so a handler
     * that catches the error cannot do anything with it. */
    lua_sethook(L, sb_hook, LUA_MASKCOUNT, 1);
    lua_pushlightuserdata(L, (void *)&kill_sentinel);
    return lua_error(L);
}

/* See lua/sandbox.h. */
bool hk_lua_sandbox_is_kill(lua_State *L, int idx)
{
    return lua_type(L, idx) == LUA_TLIGHTUSERDATA &&
           lua_touserdata(L, idx) == (void *)&kill_sentinel;
}

/* See lua/sandbox.h. */
bool hk_lua_sandbox_expired(struct hk_lua_sandbox *sb)
{
    if (sb->killed != HK_LUA_KILL_NONE)
        return true;
    if (sb->cancel != NULL && atomic_load(sb->cancel)) {
        hk_lua_sandbox_kill(sb, HK_LUA_KILL_CANCELLED);
        return true;
    }
    if (hk_mono_ms() >= sb->deadline_ms) {
        hk_lua_sandbox_kill(sb, HK_LUA_KILL_WALL);
        return true;
    }
    return false;
}

/* See lua/sandbox.h. */
bool hk_lua_sandbox_output(struct hk_lua_sandbox *sb, size_t n, bool hold)
{
    sb->output += (int64_t)n;
    if (sb->lim.max_output > 0 && sb->output > sb->lim.max_output) {
        hk_lua_sandbox_kill(sb, HK_LUA_KILL_OUTPUT);
        return false;
    }
    if (hold) {
        if (sb->mem_used + n > sb->mem_limit) {
            hk_lua_sandbox_kill(sb, HK_LUA_KILL_MEMORY);
            return false;
        }
        sb->mem_used += n;
        if (sb->mem_used > sb->mem_peak)
            sb->mem_peak = sb->mem_used;
    }
    return sb->killed == HK_LUA_KILL_NONE;
}

/* See lua/sandbox.h. */
size_t hk_lua_sandbox_mem_left(const struct hk_lua_sandbox *sb)
{
    return sb->mem_limit > sb->mem_used ? sb->mem_limit - sb->mem_used : 0;
}

/* See lua/sandbox.h. */
int64_t hk_lua_sandbox_remaining_ms(const struct hk_lua_sandbox *sb)
{
    int64_t left = sb->deadline_ms - hk_mono_ms();
    return left > 0 ? left : 0;
}

/* See lua/sandbox.h. */
void hk_lua_sandbox_charge(lua_State *L, int64_t n)
{
    struct hk_lua_sandbox *sb = hk_lua_sandbox_of(L);
    sb->instructions += n;
    if (sb->killed == HK_LUA_KILL_NONE &&
        sb->instructions > sb->lim.max_instructions)
        hk_lua_sandbox_kill(sb, HK_LUA_KILL_INSTRUCTIONS);
    if (hk_lua_sandbox_expired(sb))
        hk_lua_sandbox_raise_kill(L);
}

/* See lua/sandbox.h. */
void hk_lua_sandbox_check_status(lua_State *L, int status)
{
    struct hk_lua_sandbox *sb = hk_lua_sandbox_of(L);
    if (status == LUA_ERRMEM)
        hk_lua_sandbox_kill(sb, HK_LUA_KILL_MEMORY);
    if (sb->killed != HK_LUA_KILL_NONE)
        hk_lua_sandbox_raise_kill(L);
}

/* See lua/sandbox.h. */
const char *hk_lua_sandbox_kill_msg(const struct hk_lua_sandbox *sb)
{
    return sb->kill_msg;
}

/* Unreachable by design: every entry into Lua is protected.  If it ever
 * happens the process state is unknown, so stop loudly. */
static int sb_panic(lua_State *L)
{
    const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                                                     : "(non-string error)";
    hk_log(HAWK_LOG_CRIT, "unprotected error in a Lua state: %s", msg);
    abort();
    return 0;
}

/* ------------------------------------------------------------------------
 * Read-only tables
 * --------------------------------------------------------------------- */

static int ro_newindex(lua_State *L)
{
    return luaL_error(L, "attempt to modify a read-only table");
}

/* See lua/sandbox.h. */
void hk_lua_sandbox_protect(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &ro_tables_key);
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

static bool is_protected(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &ro_tables_key);
    lua_pushvalue(L, idx);
    bool ro = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    return ro;
}

/* See lua/sandbox.h. */
void hk_lua_sandbox_push_proxy(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_createtable(L, 0, 0);
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, idx);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, ro_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    hk_lua_sandbox_protect(L, -1);
}

/* ------------------------------------------------------------------------
 * Wrapped base functions
 * --------------------------------------------------------------------- */

/* pcall/xpcall continuation: errors that are kills (or memory errors)
 * propagate; everything else is handed to the script as usual. */
static int finish_pcall(lua_State *L, int status, lua_KContext extra)
{
    if (status != LUA_OK && status != LUA_YIELD) {
        hk_lua_sandbox_check_status(L, status);
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;
    }
    hk_lua_sandbox_check_status(L, LUA_OK);
    return lua_gettop(L) - (int)extra;
}

static int sb_pcall(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    int status =
        lua_pcallk(L, lua_gettop(L) - 2, LUA_MULTRET, 0, 0, finish_pcall);
    return finish_pcall(L, status, 0);
}

/* Message handler wrapper: a kill skips the script's handler, so the
 * handler cannot run code after the limit tripped. */
static int xpcall_handler(lua_State *L)
{
    struct hk_lua_sandbox *sb = hk_lua_sandbox_of(L);
    if (sb->killed != HK_LUA_KILL_NONE || hk_lua_sandbox_is_kill(L, 1))
        return 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int sb_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, xpcall_handler, 1);
    lua_replace(L, 2);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2);
    int status = lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2, finish_pcall);
    return finish_pcall(L, status, 2);
}

/* setmetatable without __gc: a finalizer runs outside every hook (at any
 * collection step and in lua_close), so an endless one could never be
 * stopped. */
static int sb_setmetatable(lua_State *L)
{
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (t == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        int gc = lua_rawget(L, 2);
        lua_pop(L, 1);
        if (gc != LUA_TNIL)
            return luaL_error(L, "setmetatable: __gc metamethods are not "
                                 "allowed in workflows");
    }
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

static int sb_rawset(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    if (is_protected(L, 1))
        return luaL_error(L, "attempt to modify a read-only table");
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

/* load(chunk [, chunkname [, mode [, env]]]): text only, strings only,
 * bounded by the source limit; the default environment is the run's. */
static int sb_load(lua_State *L)
{
    struct hk_lua_sandbox *sb = hk_lua_sandbox_of(L);
    size_t len = 0;
    if (lua_type(L, 1) != LUA_TSTRING)
        return luaL_error(L, "load: only a string chunk is allowed");
    const char *s = lua_tolstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "=(load)");
    const char *mode = luaL_optstring(L, 3, "t");
    int env = !lua_isnone(L, 4) ? 4 : 0;
    if (strchr(mode, 't') == NULL) {
        luaL_pushfail(L);
        lua_pushliteral(L, "load: binary chunks are not allowed");
        return 2;
    }
    if ((int64_t)len > sb->lim.max_source) {
        luaL_pushfail(L);
        lua_pushfstring(L,
                        "load: chunk of %I bytes exceeds the %I-byte "
                        "source limit",
                        (lua_Integer)len, (lua_Integer)sb->lim.max_source);
        return 2;
    }
    int status = luaL_loadbufferx(L, s, len, name, "t");
    if (status != LUA_OK) {
        hk_lua_sandbox_check_status(L, status);
        luaL_pushfail(L);
        lua_insert(L, -2);
        return 2;
    }
    if (env != 0) {
        lua_pushvalue(L, env);
        if (lua_setupvalue(L, -2, 1) == NULL)
            lua_pop(L, 1);
    }
    return 1;
}

/* os.date with a bounded format; the conversion specifiers themselves
 * are validated by Lua 5.4 ("invalid conversion specifier"). */
static int sb_os_date(lua_State *L)
{
    size_t len = 0;
    const char *fmt = luaL_optlstring(L, 1, "%c", &len);
    (void)fmt;
    if (len > 256)
        return luaL_error(L, "os.date: format longer than 256 bytes");
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* table.move moves element by element inside one C call where the hook
 * cannot fire; charge the count to the instruction budget first. */
static int sb_table_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    if (e >= f) {
        lua_Unsigned n = (lua_Unsigned)e - (lua_Unsigned)f;
        hk_lua_sandbox_charge(L, n > (lua_Unsigned)INT64_MAX / 2 ? INT64_MAX / 2
                                                                 : (int64_t)n);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* ------------------------------------------------------------------------
 * State set-up (runs protected, so a too-small memory cap fails cleanly)
 * --------------------------------------------------------------------- */

static void remove_field(lua_State *L, int t, const char *name)
{
    t = lua_absindex(L, t);
    lua_pushnil(L);
    lua_setfield(L, t, name);
}

static void wrap_field(lua_State *L, int t, const char *name, lua_CFunction fn)
{
    t = lua_absindex(L, t);
    lua_getfield(L, t, name);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, t, name);
}

static void open_base(lua_State *L)
{
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    int g = lua_gettop(L);
    static const char *const removed[] = {"dofile", "loadfile",
                                          "collectgarbage", "print", "warn"};
    for (size_t i = 0; i < sizeof(removed) / sizeof(removed[0]); i++)
        remove_field(L, g, removed[i]);
    static const luaL_Reg wrapped[] = {{"pcall", sb_pcall},
                                       {"xpcall", sb_xpcall},
                                       {"setmetatable", sb_setmetatable},
                                       {"rawset", sb_rawset},
                                       {"load", sb_load},
                                       {NULL, NULL}};
    luaL_setfuncs(L, wrapped, 0);
    lua_pop(L, 1);
}

static void open_os(lua_State *L)
{
    luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
    int full = lua_gettop(L);
    lua_createtable(L, 0, 4);
    static const char *const kept[] = {"time", "clock", "difftime"};
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        lua_getfield(L, full, kept[i]);
        lua_setfield(L, -2, kept[i]);
    }
    lua_getfield(L, full, "date");
    lua_pushcclosure(L, sb_os_date, 1);
    lua_setfield(L, -2, "date");
    lua_setglobal(L, LUA_OSLIBNAME);
    lua_pop(L, 1);
    /* Forget the full table so nothing can reach it later. */
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    remove_field(L, -1, LUA_OSLIBNAME);
    lua_pop(L, 1);
}

static void open_string(lua_State *L)
{
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    int s = lua_gettop(L);
    remove_field(L, s, "dump");
    hk_lua_pattern_install(L, s);
    /* The string metatable is shared by every string: its __index must
     * be this (sandboxed) table and the script must not reach the
     * metatable itself. */
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        int mt = lua_gettop(L);
        lua_pushvalue(L, s);
        lua_setfield(L, mt, "__index");
        hk_lua_sandbox_push_proxy(L, mt);
        lua_setfield(L, mt, "__metatable");
        hk_lua_sandbox_protect(L, mt);
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
}

static int sb_setup(lua_State *L)
{
    /* Registry set of read-only tables, weak so it never keeps one. */
    lua_createtable(L, 0, 8);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &ro_tables_key);

    open_base(L);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    wrap_field(L, lua_gettop(L), "move", sb_table_move);
    lua_pop(L, 1);
    open_string(L);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    lua_pop(L, 1);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    lua_pop(L, 1);
    luaL_requiref(L, LUA_COLIBNAME, luaopen_coroutine, 1);
    hk_lua_coroutine_install(L, lua_gettop(L));
    lua_pop(L, 1);
    open_os(L);
    hk_lua_charge_install(L);

    /* The globals stay writable (a script declares `schedule` and `run`
     * there) but their metatable is locked. */
    lua_pushglobaltable(L);
    lua_createtable(L, 0, 1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
    return 0;
}

/* See lua/sandbox.h. */
int hk_lua_sandbox_new(const struct hk_lua_limits *lim,
                       const atomic_bool *cancel, struct hk_lua_sandbox **out)
{
    *out = NULL;
    struct hk_lua_sandbox *sb = hk_calloc(1, sizeof(*sb));
    sb->lim = *lim;
    sb->mem_limit = lim->max_memory > 0 ? (size_t)lim->max_memory : SIZE_MAX;
    sb->cancel = cancel;
    sb->started_ms = hk_mono_ms();
    sb->deadline_ms = sb->started_ms + lim->max_wall_ms;
    sb->L = lua_newstate(sb_alloc, sb);
    if (sb->L == NULL) {
        hk_free(sb);
        return HAWK_ENOMEM;
    }
    lua_atpanic(sb->L, sb_panic);
    lua_setwarnf(sb->L, NULL, NULL);
    lua_pushcfunction(sb->L, sb_setup);
    if (lua_pcall(sb->L, 0, 0, 0) != LUA_OK) {
        hk_lua_sandbox_free(sb);
        return HAWK_ENOMEM;
    }
    /* Threads created later (the run's coroutine, the script's own)
     * inherit the hook. */
    lua_sethook(sb->L, sb_hook, LUA_MASKCOUNT, HK_LUA_HOOK_EVERY);
    *out = sb;
    return 0;
}

/* See lua/sandbox.h. */
void hk_lua_sandbox_free(struct hk_lua_sandbox *sb)
{
    if (sb == NULL)
        return;
    if (sb->L != NULL) {
        /* Pending to-be-closed variables of the main thread run in
         * lua_close; make sure no script code gets to do work there. */
        hk_lua_sandbox_kill(sb, HK_LUA_KILL_CANCELLED);
        sb->mem_limit = SIZE_MAX;
        lua_sethook(sb->L, sb_hook, LUA_MASKCOUNT, 1);
        lua_close(sb->L);
    }
    hk_free(sb);
}

/* See lua/sandbox.h. */
int hk_lua_sandbox_load(struct hk_lua_sandbox *sb, lua_State *L,
                        const char *src, size_t len, const char *chunkname)
{
    if ((int64_t)len > sb->lim.max_source) {
        lua_pushfstring(L,
                        "script of %I bytes exceeds the %I-byte source "
                        "limit",
                        (lua_Integer)len, (lua_Integer)sb->lim.max_source);
        return LUA_ERRSYNTAX;
    }
    return luaL_loadbufferx(L, src, len, chunkname, "t");
}
