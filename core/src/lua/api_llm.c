/*
 * lua/api_llm.c - hawk.llm.score, cover_letter, tailor_resume and ask.
 * Each spends the user's LLM quota on the host side.
 */
#include "lua/api.h"
#include "lua/ljson.h"
#include "lua/runner.h"

static int k_score(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    struct hk_lua_run *run = hk_lua_run_of(L);
    json_object *r = hk_lua_call_result(L);
    run->res->counts.scored++;
    hk_lua_push_json(L, r);
    return 1;
}

static int k_value(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    hk_lua_push_json(L, hk_lua_call_result(L));
    return 1;
}

static int api_score(lua_State *L)
{
    json_object *job = hk_lua_api_job_arg(L, 1, "hawk.llm.score");
    return hk_lua_call(L, "llm.score", hk_lua_api_args(job, NULL, NULL),
                       k_score, 0);
}

/* Optional options table at arg 2 (fields already checked); returns
 * its JSON ({} when absent). */
static json_object *opts_arg(lua_State *L, const char *fn, json_object *release)
{
    if (lua_isnoneornil(L, 2))
        return json_object_new_object();
    if (lua_type(L, 2) != LUA_TTABLE) {
        json_object_put(release);
        luaL_error(L, "%s: argument #2 must be a table of options, not a %s",
                   fn, luaL_typename(L, 2));
    }
    return hk_lua_api_json_arg(L, 2, fn, release);
}

static int api_cover_letter(lua_State *L)
{
    static const char *const fields[] = {"tone", "max_words", "language",
                                         "extra", NULL};
    const char *fn = "hawk.llm.cover_letter";
    if (lua_type(L, 2) == LUA_TTABLE)
        hk_lua_api_check_fields(L, 2, fn, fields);
    json_object *job = hk_lua_api_job_arg(L, 1, fn);
    json_object *opts = opts_arg(L, fn, job);
    return hk_lua_call(L, "llm.cover_letter", hk_lua_api_args(job, opts, NULL),
                       k_value, 0);
}

static int api_tailor_resume(lua_State *L)
{
    json_object *job = hk_lua_api_job_arg(L, 1, "hawk.llm.tailor_resume");
    return hk_lua_call(L, "llm.tailor_resume", hk_lua_api_args(job, NULL, NULL),
                       k_value, 0);
}

static int api_ask(lua_State *L)
{
    static const char *const fields[] = {"system", "max_tokens", "temperature",
                                         "schema", NULL};
    const char *fn = "hawk.llm.ask";
    size_t len = 0;
    if (lua_type(L, 1) != LUA_TSTRING)
        return luaL_error(L, "%s: prompt must be a string, not a %s", fn,
                          luaL_typename(L, 1));
    lua_tolstring(L, 1, &len);
    if (len == 0 || len > 32 * 1024)
        return luaL_error(L, "%s: prompt must be 1 byte to 32 KiB", fn);
    if (lua_type(L, 2) == LUA_TTABLE)
        hk_lua_api_check_fields(L, 2, fn, fields);
    json_object *prompt = hk_lua_api_json_arg(L, 1, fn, NULL);
    json_object *opts = opts_arg(L, fn, prompt);
    return hk_lua_call(L, "llm.ask", hk_lua_api_args(prompt, opts, NULL),
                       k_value, 0);
}

/* See lua/api.h. */
void hk_lua_api_llm(lua_State *L, int idx)
{
    static const luaL_Reg fns[] = {{"score", api_score},
                                   {"cover_letter", api_cover_letter},
                                   {"tailor_resume", api_tailor_resume},
                                   {"ask", api_ask},
                                   {NULL, NULL}};
    lua_pushvalue(L, idx);
    luaL_setfuncs(L, fns, 0);
    lua_pop(L, 1);
}
