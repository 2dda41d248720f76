/*
 * lua/ljson.h - conversion between Lua values and JSON (json-c), used for
 * host-call arguments and results, the schedule and hawk.state values.
 */
#ifndef HK_LUA_LJSON_H
#define HK_LUA_LJSON_H

#include <json-c/json.h>
#include <lua.h>
#include <stddef.h>

/* Limits of one conversion: nesting, values, string bytes. */
#define HK_LJSON_MAX_DEPTH 32
#define HK_LJSON_MAX_VALUES 100000
#define HK_LJSON_MAX_BYTES (8 * 1024 * 1024)

/* Converts the value at idx using raw accessors only (no metamethod runs
 * and nothing raises).  A table whose keys are exactly 1..n becomes an
 * array, any other table an object (integer keys as decimal strings).
 * Functions, userdata, threads, non-finite numbers, invalid UTF-8, cycles
 * and values over the limits are refused.  Returns 0 with *out (caller
 * json_object_put()s; NULL for nil), or HAWK_EINVAL / HAWK_ETOOBIG with
 * a message in err naming the offending path ("answers.q1"). */
int hk_lua_to_json(lua_State *L, int idx, json_object **out, char *err,
                   size_t errlen);

/* Pushes j as a Lua value: objects and arrays become tables, null nil.
 * Borrows j.  May raise a memory error. */
void hk_lua_push_json(lua_State *L, json_object *j);

#endif
