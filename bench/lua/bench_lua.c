/*
 * bench/lua/bench_lua.c - cost of one sandboxed workflow run.
 *
 * Runs the same 20-line workflow (three host calls: hawk.config,
 * hawk.state.get, hawk.applied) N times on one thread two ways and prints
 * runs per second side by side:
 *   sandboxed  hk_lua_run(): fresh capped state, whitelisted libraries,
 *              wrapped functions, count hook, API proxies, the chunk run
 *              as a coroutine, host calls as JSON through the runner;
 *   bare       luaL_newstate + luaL_openlibs + the same script with the
 *              three functions as plain C functions.
 *
 * usage: bench_lua [N]   (default 20000)
 */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hawk/plugin.h"
#include "lua/runner.h"
#include "util/time.h"

/* Interleaved measuring rounds. */
#define ROUNDS 20

static const char script[] =
    "function run()\n"
    "  local cfg = hawk.config()\n"
    "  local seen = hawk.state.get('seen') or 0\n"
    "  local jobs = {}\n"
    "  for i = 1, 10 do\n"
    "    jobs[i] = { board = 'b', id = 'job-' .. i, title = 'Engineer ' .. i,\n"
    "                company = 'Acme', applicants = i * 7 }\n"
    "  end\n"
    "  local picked = 0\n"
    "  for _, job in ipairs(jobs) do\n"
    "    local title = job.title:lower()\n"
    "    if not title:find('junior', 1, true)\n"
    "       and job.applicants < (cfg.max_applicants or 100) then\n"
    "      picked = picked + 1\n"
    "    end\n"
    "  end\n"
    "  table.sort(jobs, function(a, b)\n"
    "    return a.applicants > b.applicants end)\n"
    "  local first = hawk.applied(jobs[1])\n"
    "  return picked + seen, first\n"
    "end\n";

/* ---- the sandboxed side: a host answering three calls ---- */

static int bench_call(void *ctx, struct hk_lua_hostcall *hc, int64_t timeout)
{
    (void)ctx;
    (void)timeout;
    if (strcmp(hc->fn, "config") == 0) {
        hc->result = json_object_new_object();
        json_object_object_add(hc->result, "max_applicants",
                               json_object_new_int(50));
    } else if (strcmp(hc->fn, "state.get") == 0) {
        hc->result = json_object_new_int(3);
    } else if (strcmp(hc->fn, "applied") == 0) {
        hc->result = json_object_new_boolean(0);
    } else {
        return HAWK_EINVAL;
    }
    return 0;
}

static double bench_sandboxed(int n)
{
    struct hk_lua_host host = {.call = bench_call};
    struct hk_lua_job job = {.mode = HK_LUA_MODE_RUN,
                             .source = script,
                             .source_len = sizeof(script) - 1,
                             .chunkname = "bench"};
    hk_lua_limits_default(&job.limits);
    int64_t t0 = hk_mono_us();
    for (int i = 0; i < n; i++) {
        struct hk_lua_result res;
        if (hk_lua_run(&job, &host, &res) < 0 || res.status != HK_LUA_OK) {
            fprintf(stderr, "sandboxed run failed: %s\n",
                    res.error ? res.error : "?");
            exit(1);
        }
        hk_lua_result_clear(&res);
    }
    return (double)(hk_mono_us() - t0);
}

/* ---- the bare side ---- */

static int bare_config(lua_State *L)
{
    lua_createtable(L, 0, 1);
    lua_pushinteger(L, 50);
    lua_setfield(L, -2, "max_applicants");
    return 1;
}

static int bare_state_get(lua_State *L)
{
    lua_pushinteger(L, 3);
    return 1;
}

static int bare_applied(lua_State *L)
{
    lua_pushboolean(L, 0);
    return 1;
}

static double bench_bare(int n)
{
    int64_t t0 = hk_mono_us();
    for (int i = 0; i < n; i++) {
        lua_State *L = luaL_newstate();
        luaL_openlibs(L);
        lua_createtable(L, 0, 4);
        lua_pushcfunction(L, bare_config);
        lua_setfield(L, -2, "config");
        lua_pushcfunction(L, bare_applied);
        lua_setfield(L, -2, "applied");
        lua_createtable(L, 0, 1);
        lua_pushcfunction(L, bare_state_get);
        lua_setfield(L, -2, "get");
        lua_setfield(L, -2, "state");
        lua_setglobal(L, "hawk");
        if (luaL_loadbuffer(L, script, sizeof(script) - 1, "=bench") != 0 ||
            lua_pcall(L, 0, 0, 0) != 0 || lua_getglobal(L, "run") == 0 ||
            lua_pcall(L, 0, 2, 0) != 0) {
            fprintf(stderr, "bare run failed: %s\n", lua_tostring(L, -1));
            exit(1);
        }
        lua_close(L);
    }
    return (double)(hk_mono_us() - t0);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
    if (n < ROUNDS || n > 100000000)
        n = 20000;
    int per = (int)(n / ROUNDS);
    double s_us[ROUNDS], b_us[ROUNDS], s_sum = 0, b_sum = 0;
    /* warm-up */
    bench_sandboxed(200);
    bench_bare(200);
    /* Interleaved rounds, so load from other processes hits both sides
     * alike; the median round is reported. */
    for (int r = 0; r < ROUNDS; r++) {
        s_us[r] = bench_sandboxed(per) / per;
        b_us[r] = bench_bare(per) / per;
        s_sum += s_us[r];
        b_sum += b_us[r];
    }
    qsort(s_us, ROUNDS, sizeof(double), cmp_double);
    qsort(b_us, ROUNDS, sizeof(double), cmp_double);
    double s = s_us[ROUNDS / 2], b = b_us[ROUNDS / 2];
    printf("lua workflow runs: %d rounds of %d each, one thread (median "
           "round)\n",
           ROUNDS, per);
    printf("  sandboxed: %9.0f runs/s  %7.1f us/run  (fastest round %.1f "
           "us)\n",
           1e6 / s, s, s_us[0]);
    printf("  bare:      %9.0f runs/s  %7.1f us/run  (fastest round %.1f "
           "us)\n",
           1e6 / b, b, b_us[0]);
    printf("  sandboxed/bare time: %.2fx (mean %.2fx)\n", s / b, s_sum / b_sum);
    return 0;
}
