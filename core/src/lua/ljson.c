/*
 * lua/ljson.c - Lua values <-> JSON.
 */
#include "lua/ljson.h"

#include <lauxlib.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "lua/sandbox.h"
#include "util/str.h"

/* Bytes counted per converted value besides its string bytes: about what
 * json-c holds for one. */
#define VALUE_BYTES 16

struct conv {
    lua_State *L;
    size_t values;
    size_t bytes;
    size_t max_bytes;
    char path[128];
    char *err;
    size_t errlen;
};

static int conv_fail(struct conv *c, int code, const char *what)
{
    if (c->path[0] != '\0')
        snprintf(c->err, c->errlen, "%s: %s", c->path, what);
    else
        snprintf(c->err, c->errlen, "%s", what);
    return code;
}

static int to_json(struct conv *c, int idx, int depth, json_object **out);

static int too_big(struct conv *c)
{
    char what[96];
    snprintf(what, sizeof(what), "value larger than %zu bytes", c->max_bytes);
    return conv_fail(c, HAWK_ETOOBIG, what);
}

/* Appends a path segment for error messages; returns the old length. */
static size_t path_push(struct conv *c, const char *seg, bool index)
{
    size_t old = strlen(c->path);
    if (index)
        snprintf(c->path + old, sizeof(c->path) - old, "[%s]", seg);
    else
        snprintf(c->path + old, sizeof(c->path) - old, "%s%s",
                 old > 0 ? "." : "", seg);
    return old;
}

static int string_value(struct conv *c, int idx, json_object **out)
{
    size_t len = 0;
    const char *s = lua_tolstring(c->L, idx, &len);
    c->bytes += len;
    if (c->bytes > c->max_bytes)
        return too_big(c);
    if (!hk_utf8_valid(s, len))
        return conv_fail(c, HAWK_EINVAL, "string is not valid UTF-8");
    *out = json_object_new_string_len(s, (int)len);
    return 0;
}

static int number_value(struct conv *c, int idx, json_object **out)
{
    if (lua_isinteger(c->L, idx)) {
        *out = json_object_new_int64((int64_t)lua_tointeger(c->L, idx));
        return 0;
    }
    double d = (double)lua_tonumber(c->L, idx);
    if (!isfinite(d))
        return conv_fail(c, HAWK_EINVAL, "number is not finite");
    *out = json_object_new_double(d);
    return 0;
}

/* Looks at the keys of the table at idx: true when they are exactly the
 * integers 1..n with n > 0. */
static bool is_array(lua_State *L, int idx, size_t *n_out)
{
    size_t n = 0;
    lua_Integer max = 0;
    bool ints = true;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        n++;
        if (ints && lua_type(L, -1) == LUA_TNUMBER && lua_isinteger(L, -1)) {
            lua_Integer k = lua_tointeger(L, -1);
            if (k < 1)
                ints = false;
            else if (k > max)
                max = k;
        } else {
            ints = false;
        }
    }
    *n_out = n;
    return ints && n > 0 && (lua_Integer)n == max;
}

static int table_value(struct conv *c, int idx, int depth, json_object **out)
{
    lua_State *L = c->L;
    if (depth >= HK_LJSON_MAX_DEPTH)
        return conv_fail(c, HAWK_EINVAL,
                         "tables nested too deeply (or a cycle)");
    if (!lua_checkstack(L, 4))
        return conv_fail(c, HAWK_ETOOBIG, "tables nested too deeply");
    size_t n = 0;
    if (is_array(L, idx, &n)) {
        json_object *arr = json_object_new_array_ext((int)n);
        for (size_t i = 1; i <= n; i++) {
            char seg[24];
            snprintf(seg, sizeof(seg), "%zu", i);
            size_t old = path_push(c, seg, true);
            lua_rawgeti(L, idx, (lua_Integer)i);
            json_object *v = NULL;
            int rc = to_json(c, lua_gettop(L), depth + 1, &v);
            lua_pop(L, 1);
            c->path[old] = '\0';
            if (rc < 0) {
                json_object_put(arr);
                return rc;
            }
            json_object_array_add(arr, v);
        }
        *out = arr;
        return 0;
    }
    json_object *obj = json_object_new_object();
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        char numkey[32];
        const char *key = NULL;
        size_t klen = 0;
        int kt = lua_type(L, -2);
        if (kt == LUA_TSTRING) {
            key = lua_tolstring(L, -2, &klen);
            c->bytes += klen;
            if (!hk_utf8_valid(key, klen) || strlen(key) != klen) {
                lua_pop(L, 2);
                json_object_put(obj);
                return conv_fail(c, HAWK_EINVAL,
                                 "table key is not valid UTF-8");
            }
        } else if (kt == LUA_TNUMBER && lua_isinteger(L, -2)) {
            snprintf(numkey, sizeof(numkey), "%lld",
                     (long long)lua_tointeger(L, -2));
            key = numkey;
        } else {
            char msg[64];
            snprintf(msg, sizeof(msg),
                     "table key of type %s cannot be "
                     "converted",
                     lua_typename(L, kt));
            lua_pop(L, 2);
            json_object_put(obj);
            return conv_fail(c, HAWK_EINVAL, msg);
        }
        size_t old = path_push(c, key, false);
        json_object *v = NULL;
        int rc = to_json(c, lua_gettop(L), depth + 1, &v);
        c->path[old] = '\0';
        if (rc < 0) {
            lua_pop(L, 2);
            json_object_put(obj);
            return rc;
        }
        json_object_object_add(obj, key, v);
        lua_pop(L, 1);
    }
    *out = obj;
    return 0;
}

static int to_json(struct conv *c, int idx, int depth, json_object **out)
{
    *out = NULL;
    if (++c->values > HK_LJSON_MAX_VALUES)
        return conv_fail(c, HAWK_ETOOBIG, "too many values");
    c->bytes += VALUE_BYTES;
    if (c->bytes > c->max_bytes)
        return too_big(c);
    switch (lua_type(c->L, idx)) {
    case LUA_TNIL:
    case LUA_TNONE:
        return 0;
    case LUA_TBOOLEAN:
        *out = json_object_new_boolean(lua_toboolean(c->L, idx));
        return 0;
    case LUA_TNUMBER:
        return number_value(c, idx, out);
    case LUA_TSTRING:
        return string_value(c, idx, out);
    case LUA_TTABLE:
        return table_value(c, idx, depth, out);
    default: {
        char msg[64];
        snprintf(msg, sizeof(msg), "a %s value cannot be converted",
                 lua_typename(c->L, lua_type(c->L, idx)));
        return conv_fail(c, HAWK_EINVAL, msg);
    }
    }
}

/* See lua/ljson.h. */
int hk_lua_to_json(lua_State *L, int idx, json_object **out, char *err,
                   size_t errlen)
{
    /* The value is built outside the Lua state, so it may not be larger
     * than what the state could still allocate, and it counts against
     * the run's output limit. */
    struct hk_lua_sandbox *sb = hk_lua_sandbox_of(L);
    size_t left = hk_lua_sandbox_mem_left(sb);
    struct conv c = {.L = L,
                     .err = err,
                     .errlen = errlen,
                     .max_bytes =
                         left < HK_LJSON_MAX_BYTES ? left : HK_LJSON_MAX_BYTES};
    if (errlen > 0)
        err[0] = '\0';
    int rc = to_json(&c, lua_absindex(L, idx), 0, out);
    if (rc < 0) {
        json_object_put(*out);
        *out = NULL;
        return rc;
    }
    if (!hk_lua_sandbox_output(sb, c.bytes, false)) {
        json_object_put(*out);
        *out = NULL;
        snprintf(err, errlen, "%s", hk_lua_sandbox_kill_msg(sb));
        return HAWK_ETOOBIG;
    }
    return 0;
}

/* See lua/ljson.h. */
void hk_lua_push_json(lua_State *L, json_object *j)
{
    luaL_checkstack(L, 3, "result nested too deeply");
    switch (json_object_get_type(j)) {
    case json_type_null:
        lua_pushnil(L);
        break;
    case json_type_boolean:
        lua_pushboolean(L, json_object_get_boolean(j));
        break;
    case json_type_int:
        lua_pushinteger(L, (lua_Integer)json_object_get_int64(j));
        break;
    case json_type_double:
        lua_pushnumber(L, (lua_Number)json_object_get_double(j));
        break;
    case json_type_string:
        lua_pushlstring(L, json_object_get_string(j),
                        (size_t)json_object_get_string_len(j));
        break;
    case json_type_array: {
        size_t n = json_object_array_length(j);
        lua_createtable(L, n > 1000000 ? 1000000 : (int)n, 0);
        for (size_t i = 0; i < n; i++) {
            hk_lua_push_json(L, json_object_array_get_idx(j, i));
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    }
    case json_type_object:
        lua_createtable(L, 0, json_object_object_length(j));
        json_object_object_foreach(j, key, val)
        {
            lua_pushstring(L, key);
            hk_lua_push_json(L, val);
            lua_rawset(L, -3);
        }
        break;
    }
}
