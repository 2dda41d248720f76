/*
 * test_lua_meta.c - scripts/lua/hawk.meta.lua (the editor annotations of
 * the workflow API) against the sandbox: every function it documents
 * exists in the `hawk` table a script sees, and every function and value
 * of that table is documented.
 */
#include <lauxlib.h>
#include <lualib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lua/api.h"
#include "lua/runner.h"
#include "lua/sandbox.h"

#define MAX_NAMES 128

struct names {
    char *v[MAX_NAMES];
    int n;
};

static void add(struct names *ns, const char *prefix, const char *key)
{
    assert_true(ns->n < MAX_NAMES);
    size_t len = strlen(prefix) + strlen(key) + 2;
    ns->v[ns->n] = malloc(len);
    snprintf(ns->v[ns->n], len, "%s.%s", prefix, key);
    ns->n++;
}

static bool has(const struct names *ns, const char *name)
{
    for (int i = 0; i < ns->n; i++)
        if (strcmp(ns->v[i], name) == 0)
            return true;
    return false;
}

static void names_free(struct names *ns)
{
    for (int i = 0; i < ns->n; i++)
        free(ns->v[i]);
    ns->n = 0;
}

/* Pushes the table behind t: t itself, or the real table behind one of
 * the sandbox's read-only proxies (its metatable's __index). */
static void push_real(lua_State *L, int t)
{
    t = lua_absindex(L, t);
    if (lua_getmetatable(L, t)) {
        lua_getfield(L, -1, "__index");
        lua_remove(L, -2);
        if (lua_type(L, -1) == LUA_TTABLE)
            return;
        lua_pop(L, 1);
    }
    lua_pushvalue(L, t);
}

/* Collects "prefix.key" for the functions (funcs) and other values
 * (values) of the table at t, descending into sub-tables. */
static void collect(lua_State *L, int t, const char *prefix,
                    struct names *funcs, struct names *values)
{
    push_real(L, t);
    int real = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, real) != 0) {
        if (lua_type(L, -2) == LUA_TSTRING) {
            const char *k = lua_tostring(L, -2);
            if (lua_type(L, -1) == LUA_TFUNCTION) {
                add(funcs, prefix, k);
            } else if (lua_type(L, -1) == LUA_TTABLE) {
                char sub[128];
                snprintf(sub, sizeof(sub), "%s.%s", prefix, k);
                collect(L, -1, sub, funcs, values);
            } else {
                add(values, prefix, k);
            }
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static char *read_meta(size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/scripts/lua/hawk.meta.lua",
             HAWK_SOURCE_DIR);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[256 * 1024];
    *len = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

static int install(lua_State *L)
{
    hk_lua_api_install(L, lua_touserdata(L, 1));
    return 0;
}

static void test_meta_matches_sandbox(void **state)
{
    (void)state;
    size_t len = 0;
    char *meta = read_meta(&len);

    /* What the annotations declare: run the file in a plain state. */
    lua_State *P = luaL_newstate();
    luaL_openlibs(P);
    if (luaL_loadbuffer(P, meta, len, "=hawk.meta.lua") != LUA_OK ||
        lua_pcall(P, 0, 0, 0) != LUA_OK)
        fail_msg("hawk.meta.lua: %s", lua_tostring(P, -1));
    struct names doc = {0}, doc_values = {0};
    lua_getglobal(P, "hawk");
    assert_int_equal(lua_type(P, -1), LUA_TTABLE);
    collect(P, -1, "hawk", &doc, &doc_values);
    lua_close(P);
    assert_true(doc.n >= 15);

    /* What a script gets: the real API in a real sandbox. */
    struct hk_lua_limits lim;
    hk_lua_limits_default(&lim);
    struct hk_lua_sandbox *sb = NULL;
    assert_int_equal(hk_lua_sandbox_new(&lim, NULL, &sb), 0);
    struct hk_lua_job job = {.mode = HK_LUA_MODE_RUN, .limits = lim};
    struct hk_lua_result res = {0};
    struct hk_lua_run run = {.sb = sb, .job = &job, .res = &res};
    sb->runner = &run;
    lua_State *L = sb->L;
    lua_pushcfunction(L, install);
    lua_pushlightuserdata(L, &run);
    assert_int_equal(lua_pcall(L, 1, 0, 0), LUA_OK);
    struct names api = {0}, api_values = {0};
    lua_getglobal(L, "hawk");
    collect(L, -1, "hawk", &api, &api_values);
    lua_pop(L, 1);
    hk_lua_sandbox_free(sb);

    for (int i = 0; i < doc.n; i++)
        if (!has(&api, doc.v[i]))
            fail_msg("hawk.meta.lua documents %s, which the sandbox does "
                     "not have",
                     doc.v[i]);
    for (int i = 0; i < api.n; i++)
        if (!has(&doc, api.v[i]))
            fail_msg("the sandbox has %s, which hawk.meta.lua does not "
                     "document",
                     api.v[i]);
    /* Values (hawk.dry_run, hawk.api_version) are documented as fields. */
    for (int i = 0; i < api_values.n; i++) {
        const char *field = strrchr(api_values.v[i], '.') + 1;
        char needle[96];
        snprintf(needle, sizeof(needle), "@field %s ", field);
        if (strstr(meta, needle) == NULL)
            fail_msg("the sandbox has %s, which hawk.meta.lua does not "
                     "document (---@field %s ...)",
                     api_values.v[i], field);
    }
    print_message("%d documented functions, %d in the sandbox, %d values\n",
                  doc.n, api.n, api_values.n);
    names_free(&doc);
    names_free(&doc_values);
    names_free(&api);
    names_free(&api_values);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meta_matches_sandbox),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
