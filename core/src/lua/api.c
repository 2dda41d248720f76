/*
 * lua/api.c - the `hawk` table: construction, shared helpers, and the
 * functions that are not about jobs or the LLM (log, now, sleep, config,
 * resume, state).
 */
#include "lua/api.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "lua/ljson.h"
#include "lua/runner.h"
#include "util/str.h"
#include "util/time.h"

/* Longest hawk.state key. */
#define STATE_KEY_MAX 128

/* ------------------------------------------------------------------------
 * Helpers
 * --------------------------------------------------------------------- */

/* See lua/api.h. */
json_object *hk_lua_api_json_arg(lua_State *L, int arg, const char *fn,
                                 json_object *release)
{
    char err[200];
    json_object *j = NULL;
    if (hk_lua_to_json(L, arg, &j, err, sizeof(err)) < 0) {
        json_object_put(release);
        luaL_error(L, "%s: argument #%d: %s", fn, arg, err);
    }
    return j;
}

/* See lua/api.h. */
void hk_lua_api_check_fields(lua_State *L, int arg, const char *fn,
                             const char *const *names)
{
    lua_pushnil(L);
    while (lua_next(L, arg) != 0) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            luaL_error(L, "%s: field names must be strings, not a %s", fn,
                       luaL_typename(L, -1));
        }
        const char *k = lua_tostring(L, -1);
        const char *best = NULL;
        unsigned best_d = 3;
        bool known = false;
        for (size_t i = 0; names[i] != NULL; i++) {
            if (strcmp(k, names[i]) == 0) {
                known = true;
                break;
            }
            unsigned d = hk_str_distance(k, names[i]);
            if (d < best_d) {
                best_d = d;
                best = names[i];
            }
        }
        if (!known) {
            if (best != NULL)
                luaL_error(L, "%s: unknown field '%s' (did you mean '%s'?)", fn,
                           k, best);
            luaL_error(L, "%s: unknown field '%s'", fn, k);
        }
    }
}

/* See lua/api.h. */
json_object *hk_lua_api_job_arg(lua_State *L, int arg, const char *fn)
{
    if (lua_type(L, arg) != LUA_TTABLE)
        luaL_error(L,
                   "%s: argument #%d must be a job table from "
                   "hawk.search, not a %s",
                   fn, arg, luaL_typename(L, arg));
    lua_getfield(L, arg, "board");
    lua_getfield(L, arg, "id");
    bool ok =
        lua_type(L, -2) == LUA_TSTRING &&
        (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER);
    lua_pop(L, 2);
    if (!ok)
        luaL_error(L,
                   "%s: argument #%d is not a job (it needs string "
                   "fields 'board' and 'id')",
                   fn, arg);
    return hk_lua_api_json_arg(L, arg, fn, NULL);
}

/* See lua/api.h. */
json_object *hk_lua_api_args(json_object *a, json_object *b, json_object *c)
{
    json_object *arr = json_object_new_array_ext(3);
    json_object_array_add(arr, a);
    if (b != NULL || c != NULL)
        json_object_array_add(arr, b);
    if (c != NULL)
        json_object_array_add(arr, c);
    return arr;
}

/* Continuation shared by calls whose answer is handed back as is. */
static int k_value(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    hk_lua_push_json(L, hk_lua_call_result(L));
    return 1;
}

/* Continuation for calls that return nothing. */
static int k_none(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    hk_lua_call_result(L);
    return 0;
}

/* ------------------------------------------------------------------------
 * log, now, sleep, skip
 * --------------------------------------------------------------------- */

static int log_at(lua_State *L, const char *level)
{
    struct hk_lua_run *run = hk_lua_run_of(L);
    int t = lua_type(L, 1);
    if (t != LUA_TSTRING && t != LUA_TNUMBER)
        return luaL_error(L, "hawk.log: message must be a string, not a %s",
                          luaL_typename(L, 1));
    const char *msg = lua_tostring(L, 1);
    json_object *fields = NULL;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        fields = hk_lua_api_json_arg(L, 2, "hawk.log", NULL);
        if (!json_object_is_type(fields, json_type_object)) {
            json_object_put(fields);
            return luaL_error(L, "hawk.log: fields must be a table with "
                                 "string keys");
        }
    }
    hk_lua_run_log(run, level, msg, fields);
    return 0;
}

static int api_log(lua_State *L)
{
    return log_at(L, "info");
}

static int api_warn(lua_State *L)
{
    return log_at(L, "warn");
}

static int api_now(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)(hk_wall_ms() / 1000));
    return 1;
}

static int api_sleep(lua_State *L)
{
    struct hk_lua_run *run = hk_lua_run_of(L);
    lua_Number s = luaL_checknumber(L, 1);
    if (!(s >= 0) || !isfinite(s))
        return luaL_error(L, "hawk.sleep: seconds must be a number >= 0");
    int64_t ms = (int64_t)(s * 1000.0);
    int64_t cap = run->job->limits.max_sleep_ms;
    if (ms > cap)
        return luaL_error(L,
                          "hawk.sleep: %f s is longer than the limit of "
                          "%d s per call",
                          (double)s, (int)(cap / 1000));
    json_object *args = hk_lua_api_args(json_object_new_int64(ms), NULL, NULL);
    return hk_lua_call(L, "sleep", args, k_none, 0);
}

static int api_skip(lua_State *L)
{
    struct hk_lua_run *run = hk_lua_run_of(L);
    json_object *job = hk_lua_api_job_arg(L, 1, "hawk.skip");
    const char *reason = luaL_optstring(L, 2, "");
    run->res->counts.skipped++;
    json_object *fields = json_object_new_object();
    json_object *v;
    if (json_object_object_get_ex(job, "board", &v))
        json_object_object_add(fields, "board", json_object_get(v));
    if (json_object_object_get_ex(job, "id", &v))
        json_object_object_add(fields, "id", json_object_get(v));
    if (reason[0] != '\0')
        json_object_object_add(fields, "reason",
                               json_object_new_string(reason));
    const char *title = "";
    const char *company = "";
    if (json_object_object_get_ex(job, "title", &v))
        title = json_object_get_string(v);
    if (json_object_object_get_ex(job, "company", &v))
        company = json_object_get_string(v);
    char msg[512];
    snprintf(msg, sizeof(msg), "skipped %s%s%s%s%s", title,
             company[0] ? " at " : "", company, reason[0] ? ": " : "", reason);
    hk_lua_run_log(run, "info", msg, fields);
    json_object_put(job);
    return 0;
}

/* ------------------------------------------------------------------------
 * config, resume, state
 * --------------------------------------------------------------------- */

/* hawk.config([name_or_id]): the active job search, or the named one. */
static int api_config(lua_State *L)
{
    int t = lua_type(L, 1);
    json_object *args = json_object_new_array();
    if (t == LUA_TSTRING) {
        size_t n = 0;
        const char *s = lua_tolstring(L, 1, &n);
        if (n == 0 || n > 100) {
            json_object_put(args);
            return luaL_error(L, "hawk.config: a name is 1 to 100 bytes");
        }
        json_object_array_add(args, json_object_new_string_len(s, (int)n));
    } else if (t == LUA_TNUMBER && lua_isinteger(L, 1)) {
        json_object_array_add(
            args, json_object_new_int64((int64_t)lua_tointeger(L, 1)));
    } else if (t != LUA_TNONE && t != LUA_TNIL) {
        json_object_put(args);
        return luaL_error(L,
                          "hawk.config: argument #1 must be a job search's "
                          "name or id, not a %s",
                          luaL_typename(L, 1));
    }
    return hk_lua_call(L, "config", args, k_value, 0);
}

static int api_resume(lua_State *L)
{
    return hk_lua_call(L, "resume", json_object_new_array(), k_value, 0);
}

static void check_state_key(lua_State *L, const char *fn)
{
    size_t len = 0;
    if (lua_type(L, 1) != LUA_TSTRING)
        luaL_error(L, "%s: key must be a string, not a %s", fn,
                   luaL_typename(L, 1));
    const char *k = lua_tolstring(L, 1, &len);
    if (len == 0 || len > STATE_KEY_MAX || !hk_utf8_valid(k, len))
        luaL_error(L, "%s: key must be 1 to %d bytes of UTF-8", fn,
                   STATE_KEY_MAX);
}

static int api_state_get(lua_State *L)
{
    check_state_key(L, "hawk.state.get");
    json_object *args =
        hk_lua_api_args(json_object_new_string(lua_tostring(L, 1)), NULL, NULL);
    return hk_lua_call(L, "state.get", args, k_value, 0);
}

static int api_state_set(lua_State *L)
{
    check_state_key(L, "hawk.state.set");
    lua_settop(L, 2);
    json_object *v = hk_lua_api_json_arg(L, 2, "hawk.state.set", NULL);
    json_object *args = json_object_new_array_ext(2);
    json_object_array_add(args, json_object_new_string(lua_tostring(L, 1)));
    json_object_array_add(args, v);
    return hk_lua_call(L, "state.set", args, k_none, 0);
}

/* ------------------------------------------------------------------------
 * Construction
 * --------------------------------------------------------------------- */

/* Turns the hidden table at the top into a proxy stored as field `name`
 * of the table at parent (or as a global when parent is 0). */
static void publish(lua_State *L, int parent, const char *name)
{
    hk_lua_sandbox_protect(L, -1);
    hk_lua_sandbox_push_proxy(L, -1);
    if (parent == 0)
        lua_setglobal(L, name);
    else
        lua_setfield(L, parent, name);
    lua_pop(L, 1);
}

/* See lua/api.h. */
void hk_lua_api_install(lua_State *L, struct hk_lua_run *run)
{
    static const luaL_Reg base[] = {
        {"log", api_log},       {"warn", api_warn}, {"now", api_now},
        {"sleep", api_sleep},   {"skip", api_skip}, {"config", api_config},
        {"resume", api_resume}, {NULL, NULL}};
    static const luaL_Reg state[] = {
        {"get", api_state_get}, {"set", api_state_set}, {NULL, NULL}};
    lua_createtable(L, 0, 24);
    int hawk = lua_gettop(L);
    luaL_setfuncs(L, base, 0);
    hk_lua_api_jobs(L, hawk);
    if (run->job->test_hooks)
        hk_lua_api_test(L, hawk);
    lua_pushboolean(L, run->job->dry_run);
    lua_setfield(L, hawk, "dry_run");
    lua_pushliteral(L, "1");
    lua_setfield(L, hawk, "api_version");

    lua_createtable(L, 0, 4);
    hk_lua_api_llm(L, lua_gettop(L));
    publish(L, hawk, "llm");

    lua_createtable(L, 0, 2);
    luaL_setfuncs(L, state, 0);
    publish(L, hawk, "state");

    publish(L, 0, "hawk");
}
