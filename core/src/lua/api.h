/*
 * lua/api.h - the `hawk` table: the whole API a workflow sees.
 *
 * Every table is a read-only proxy; the functions reach the host only
 * through hk_lua_call() (lua/runner.h), so identity and quotas stay on
 * the host side and the script can never name another user.
 */
#ifndef HK_LUA_API_H
#define HK_LUA_API_H

#include <json-c/json.h>
#include <lauxlib.h>
#include <lua.h>

struct hk_lua_run;

/* Builds `hawk` (and hawk.llm, hawk.state) and sets the global.  Runs
 * inside a protected call; may raise memory errors. */
void hk_lua_api_install(lua_State *L, struct hk_lua_run *run);

/* Registers the job functions (search, applied, apply, ...) into the
 * hidden table at idx (api_jobs.c). */
void hk_lua_api_jobs(lua_State *L, int idx);

/* Builds the hidden hawk.llm table's functions into the table at idx
 * (api_llm.c). */
void hk_lua_api_llm(lua_State *L, int idx);

/* Adds hawk._test_crash/_test_spin/_test_alloc/_test_open to the hidden
 * table at idx (api_test.c; only for jobs with test_hooks). */
void hk_lua_api_test(lua_State *L, int idx);

/* ---- helpers shared by the api_*.c files ---- */

/* Converts argument arg to JSON or raises "fn: argument #n: ..."; nil
 * gives NULL.  Caller owns the result.  `release` (may be NULL) is
 * released before raising, for callers already holding a value. */
json_object *hk_lua_api_json_arg(lua_State *L, int arg, const char *fn,
                                 json_object *release);

/* Checks that the table at arg has only the named keys (raising "fn:
 * unknown field 'x' (did you mean 'y'?)" otherwise). names is
 * NULL-terminated. */
void hk_lua_api_check_fields(lua_State *L, int arg, const char *fn,
                             const char *const *names);

/* Checks that arg is a job table (a table with string `board` and
 * `id`), raising a clear error otherwise, and returns its JSON. */
json_object *hk_lua_api_job_arg(lua_State *L, int arg, const char *fn);

/* Builds a JSON array from up to three owned values (NULL for null). */
json_object *hk_lua_api_args(json_object *a, json_object *b, json_object *c);

#endif
