/*
 * lua/api_jobs.c - hawk.search, job descriptions on demand, hawk.applied,
 * hawk.applied_at_company, hawk.blacklisted and hawk.apply.
 */
#include <stdio.h>
#include <string.h>

#include "lua/api.h"
#include "lua/ljson.h"
#include "lua/runner.h"

/* Registry key of the metatable shared by job tables. */
static const char job_mt_key = 'j';

static const char *const search_fields[] = {
    "board",         "keywords",   "location", "remote",
    "posted_within", "experience", "job_type", "easy_apply",
    "limit",         "distance",   "offset",   NULL};

static void check_type(lua_State *L, int t, const char *fn, const char *field,
                       int want1, int want2)
{
    lua_getfield(L, t, field);
    int got = lua_type(L, -1);
    if (got != LUA_TNIL && got != want1 && got != want2) {
        if (want2 != LUA_TNONE)
            luaL_error(L, "%s: field '%s' must be a %s or a %s, not a %s", fn,
                       field, lua_typename(L, want1), lua_typename(L, want2),
                       luaL_typename(L, -1));
        luaL_error(L, "%s: field '%s' must be a %s, not a %s", fn, field,
                   lua_typename(L, want1), luaL_typename(L, -1));
    }
    lua_pop(L, 1);
}

static void check_int_range(lua_State *L, int t, const char *fn,
                            const char *field, lua_Integer lo, lua_Integer hi)
{
    lua_getfield(L, t, field);
    if (!lua_isnil(L, -1)) {
        if (!lua_isinteger(L, -1))
            luaL_error(L, "%s: field '%s' must be an integer", fn, field);
        lua_Integer v = lua_tointeger(L, -1);
        if (v < lo || v > hi)
            luaL_error(L, "%s: field '%s' must be between %I and %I", fn, field,
                       lo, hi);
    }
    lua_pop(L, 1);
}

/* Pushes the job metatable (created on first use). */
static void push_job_mt(lua_State *L);

static int k_search(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    struct hk_lua_run *run = hk_lua_run_of(L);
    json_object *r = hk_lua_call_result(L);
    if (!json_object_is_type(r, json_type_array)) {
        lua_newtable(L);
        return 1;
    }
    hk_lua_push_json(L, r);
    int t = lua_gettop(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, t);
    push_job_mt(L);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, t, i) == LUA_TTABLE) {
            lua_pushvalue(L, -2);
            lua_setmetatable(L, -2);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    run->res->counts.searched += n;
    return 1;
}

static int api_search(lua_State *L)
{
    const char *fn = "hawk.search";
    if (lua_isnoneornil(L, 1))
        lua_newtable(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    hk_lua_api_check_fields(L, 1, fn, search_fields);
    check_type(L, 1, fn, "board", LUA_TSTRING, LUA_TNONE);
    check_type(L, 1, fn, "keywords", LUA_TSTRING, LUA_TNONE);
    check_type(L, 1, fn, "location", LUA_TSTRING, LUA_TNONE);
    check_type(L, 1, fn, "remote", LUA_TBOOLEAN, LUA_TNONE);
    check_type(L, 1, fn, "posted_within", LUA_TSTRING, LUA_TNUMBER);
    check_type(L, 1, fn, "experience", LUA_TSTRING, LUA_TTABLE);
    check_type(L, 1, fn, "job_type", LUA_TSTRING, LUA_TTABLE);
    check_type(L, 1, fn, "easy_apply", LUA_TBOOLEAN, LUA_TNONE);
    check_int_range(L, 1, fn, "limit", 1, 1000);
    check_int_range(L, 1, fn, "distance", 0, 500);
    check_int_range(L, 1, fn, "offset", 0, 100000);
    json_object *q = hk_lua_api_json_arg(L, 1, fn, NULL);
    if (q == NULL || !json_object_is_type(q, json_type_object)) {
        json_object_put(q);
        q = json_object_new_object();
    }
    return hk_lua_call(L, "search", hk_lua_api_args(q, NULL, NULL), k_search,
                       0);
}

/* ---- job tables: description on demand ---- */

static int k_description(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    json_object *r = hk_lua_call_result(L);
    if (!json_object_is_type(r, json_type_string)) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushlstring(L, json_object_get_string(r),
                    (size_t)json_object_get_string_len(r));
    lua_pushvalue(L, -1);
    lua_setfield(L, 1, "description");
    return 1;
}

static int job_index(lua_State *L)
{
    if (lua_type(L, 2) != LUA_TSTRING ||
        strcmp(lua_tostring(L, 2), "description") != 0)
        return 0;
    lua_getfield(L, 1, "board");
    lua_getfield(L, 1, "id");
    if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
        return 0;
    json_object *args =
        hk_lua_api_args(json_object_new_string(lua_tostring(L, -2)),
                        json_object_new_string(lua_tostring(L, -1)), NULL);
    lua_pop(L, 2);
    return hk_lua_call(L, "job.description", args, k_description, 0);
}

static void push_job_mt(lua_State *L)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &job_mt_key) == LUA_TTABLE)
        return;
    lua_pop(L, 1);
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, job_index);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &job_mt_key);
}

/* ---- applied, applied_at_company, blacklisted ---- */

static int k_applied(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    json_object *r = hk_lua_call_result(L);
    lua_pushboolean(L, json_object_get_boolean(r));
    return 1;
}

static int api_applied(lua_State *L)
{
    json_object *job = hk_lua_api_job_arg(L, 1, "hawk.applied");
    return hk_lua_call(L, "applied", hk_lua_api_args(job, NULL, NULL),
                       k_applied, 0);
}

/* {"applied": bool, "last_applied_at": epoch|null} -> bool, epoch */
static int k_applied_company(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    json_object *r = hk_lua_call_result(L);
    json_object *v = NULL;
    bool applied = json_object_object_get_ex(r, "applied", &v) &&
                   json_object_get_boolean(v);
    lua_pushboolean(L, applied);
    if (json_object_object_get_ex(r, "last_applied_at", &v) &&
        json_object_is_type(v, json_type_int))
        lua_pushinteger(L, (lua_Integer)json_object_get_int64(v));
    else
        lua_pushnil(L);
    return 2;
}

static int api_applied_at_company(lua_State *L)
{
    static const char *const fields[] = {"within_days", NULL};
    const char *fn = "hawk.applied_at_company";
    size_t len = 0;
    if (lua_type(L, 1) != LUA_TSTRING)
        return luaL_error(L, "%s: company must be a string, not a %s", fn,
                          luaL_typename(L, 1));
    lua_tolstring(L, 1, &len);
    if (len == 0 || len > 256)
        return luaL_error(L, "%s: company must be 1 to 256 bytes", fn);
    json_object *opts = NULL;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        hk_lua_api_check_fields(L, 2, fn, fields);
        check_int_range(L, 2, fn, "within_days", 1, 3650);
        opts = hk_lua_api_json_arg(L, 2, fn, NULL);
    }
    json_object *company = hk_lua_api_json_arg(L, 1, fn, opts);
    return hk_lua_call(
        L, "applied_at_company",
        hk_lua_api_args(company, opts != NULL ? opts : json_object_new_object(),
                        NULL),
        k_applied_company, 0);
}

/* {"blacklisted": bool, "reason": "..."} -> bool, reason */
static int k_blacklisted(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    json_object *r = hk_lua_call_result(L);
    json_object *v = NULL;
    bool bl = json_object_object_get_ex(r, "blacklisted", &v) &&
              json_object_get_boolean(v);
    lua_pushboolean(L, bl);
    if (bl && json_object_object_get_ex(r, "reason", &v))
        lua_pushstring(L, json_object_get_string(v));
    else
        lua_pushnil(L);
    return 2;
}

static int api_blacklisted(lua_State *L)
{
    const char *fn = "hawk.blacklisted";
    json_object *job = hk_lua_api_job_arg(L, 1, fn);
    json_object *cfg = NULL;
    if (!lua_isnoneornil(L, 2)) {
        if (lua_type(L, 2) != LUA_TTABLE) {
            json_object_put(job);
            return luaL_error(L,
                              "%s: argument #2 must be a config table "
                              "from hawk.config(), not a %s",
                              fn, luaL_typename(L, 2));
        }
        cfg = hk_lua_api_json_arg(L, 2, fn, job);
    }
    json_object *args = json_object_new_array_ext(2);
    json_object_array_add(args, job);
    json_object_array_add(args, cfg);
    return hk_lua_call(L, "blacklisted", args, k_blacklisted, 0);
}

/* ---- apply ---- */

static bool status_is(const char *s, const char *const *set)
{
    for (size_t i = 0; set[i] != NULL; i++)
        if (strcmp(s, set[i]) == 0)
            return true;
    return false;
}

/* A dry run records what it would have done in the run log. */
static void log_dry_run(lua_State *L, struct hk_lua_run *run, json_object *r)
{
    const char *field[3] = {"title", "company", "id"};
    const char *val[3] = {"", "", ""};
    for (int i = 0; i < 3; i++) {
        lua_pushstring(L, field[i]);
        if (lua_rawget(L, 1) == LUA_TSTRING)
            val[i] = lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    json_object *would = NULL;
    json_object_object_get_ex(r, "would", &would);
    char msg[512];
    snprintf(msg, sizeof(msg), "dry run: would apply to %s%s%s (%s)", val[0],
             val[1][0] != '\0' ? " at " : "", val[1],
             would != NULL ? json_object_get_string(would) : "submit");
    json_object *fields = json_object_new_object();
    json_object_object_add(fields, "id", json_object_new_string(val[2]));
    if (would != NULL)
        json_object_object_add(fields, "would", json_object_get(would));
    hk_lua_run_log(run, "info", msg, fields);
}

static int k_apply(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    static const char *const applied[] = {
        "submitted", "applied", "queued", "awaiting_review", "dry_run", NULL};
    static const char *const skipped[] = {"duplicate", "already_applied", NULL};
    struct hk_lua_run *run = hk_lua_run_of(L);
    json_object *r = hk_lua_call_result(L);
    json_object *v = NULL;
    if (json_object_object_get_ex(r, "status", &v)) {
        const char *st = json_object_get_string(v);
        if (status_is(st, applied))
            run->res->counts.applied++;
        else if (status_is(st, skipped))
            run->res->counts.skipped++;
        if (strcmp(st, "dry_run") == 0)
            log_dry_run(L, run, r);
    }
    hk_lua_push_json(L, r);
    return 1;
}

static int api_apply(lua_State *L)
{
    static const char *const fields[] = {"resume", "cover_letter", "answers",
                                         "review", NULL};
    const char *fn = "hawk.apply";
    json_object *job = hk_lua_api_job_arg(L, 1, fn);
    json_object *opts = NULL;
    if (!lua_isnoneornil(L, 2)) {
        if (lua_type(L, 2) != LUA_TTABLE) {
            json_object_put(job);
            return luaL_error(L,
                              "%s: argument #2 must be a table of "
                              "options, not a %s",
                              fn, luaL_typename(L, 2));
        }
        lua_settop(L, 2);
        /* Field checks may raise: do them before taking more memory. */
        json_object_put(job);
        hk_lua_api_check_fields(L, 2, fn, fields);
        check_type(L, 2, fn, "cover_letter", LUA_TSTRING, LUA_TNONE);
        check_type(L, 2, fn, "answers", LUA_TTABLE, LUA_TNONE);
        check_type(L, 2, fn, "review", LUA_TBOOLEAN, LUA_TNONE);
        lua_getfield(L, 2, "resume");
        int rt = lua_type(L, -1);
        lua_pop(L, 1);
        if (rt != LUA_TNIL && rt != LUA_TTABLE && rt != LUA_TNUMBER)
            return luaL_error(L,
                              "%s: field 'resume' must be a resume id or "
                              "a table from hawk.llm.tailor_resume, not a "
                              "%s",
                              fn, lua_typename(L, rt));
        job = hk_lua_api_job_arg(L, 1, fn);
        opts = hk_lua_api_json_arg(L, 2, fn, job);
    }
    json_object *args = json_object_new_array_ext(2);
    json_object_array_add(args, job);
    json_object_array_add(args, opts != NULL ? opts : json_object_new_object());
    return hk_lua_call(L, "apply", args, k_apply, 0);
}

/* ---- applications: counts over a window ---- */

static int k_count(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    json_object *r = hk_lua_call_result(L);
    lua_pushinteger(L, (lua_Integer)json_object_get_int64(r));
    return 1;
}

/* hawk.applications{company=, board=, since=} -> the number of the
 * user's applications (skipped ones not counted) matching all given. */
static int api_applications(lua_State *L)
{
    static const char *const fields[] = {"company", "board", "since", NULL};
    const char *fn = "hawk.applications";
    json_object *q = NULL;
    if (!lua_isnoneornil(L, 1)) {
        if (lua_type(L, 1) != LUA_TTABLE)
            return luaL_error(L,
                              "%s: argument #1 must be a table "
                              "{company=, board=, since=}, not a %s",
                              fn, luaL_typename(L, 1));
        lua_settop(L, 1);
        hk_lua_api_check_fields(L, 1, fn, fields);
        check_type(L, 1, fn, "company", LUA_TSTRING, LUA_TNONE);
        check_type(L, 1, fn, "board", LUA_TSTRING, LUA_TNONE);
        check_type(L, 1, fn, "since", LUA_TNUMBER, LUA_TNONE);
        q = hk_lua_api_json_arg(L, 1, fn, NULL);
    }
    json_object *args =
        hk_lua_api_args(q != NULL ? q : json_object_new_object(), NULL, NULL);
    return hk_lua_call(L, "applications", args, k_count, 0);
}

/* See lua/api.h. */
void hk_lua_api_jobs(lua_State *L, int idx)
{
    static const luaL_Reg fns[] = {
        {"search", api_search},
        {"applied", api_applied},
        {"applied_at_company", api_applied_at_company},
        {"blacklisted", api_blacklisted},
        {"apply", api_apply},
        {"applications", api_applications},
        {NULL, NULL}};
    lua_pushvalue(L, idx);
    luaL_setfuncs(L, fns, 0);
    lua_pop(L, 1);
}
