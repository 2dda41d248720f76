/*
 * bench/lua/bench_lua.c - cost of one sandboxed workflow run.
 *
 * Runs the same 20-line workflow (three host calls: hawk.config,
 * hawk.state.get, hawk.applied) N times on one thread three ways and
 * prints runs per second side by side:
 *   pool       hk_lua_pool_run(): the run in a hawk-sandbox process (one,
 *              reused), every host call and the result as messages over
 *              the socket pair; what hawk does;
 *   in-process hk_lua_run(): fresh capped state, whitelisted libraries,
 *              wrapped functions, count hook, API proxies, the chunk run
 *              as a coroutine, host calls as JSON through the runner;
 *   bare       luaL_newstate + luaL_openlibs + the same script with the
 *              three functions as plain C functions.
 * Then throughput with 1 and 8 concurrent users (threads), pool (8
 * processes) beside in-process, and how long past its wall-clock limit a
 * misbehaving run is stopped: a C call that never returns (killed by the
 * watchdog) and an endless Lua loop (stopped by the count hook).
 *
 * usage: bench_lua [N]   (default 20000; needs $HAWK_LUA_SANDBOX or
 *                         hawk-sandbox beside the program's build)
 */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include "hawk/plugin.h"
#include "lua/pool.h"
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

/* Runs n jobs through pool p (NULL: in the calling thread). */
static double bench_runs(struct hk_lua_pool *p, int n)
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
        if (hk_lua_exec(p, &job, &host, &res) < 0 || res.status != HK_LUA_OK) {
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

static double bench_sandboxed(int n)
{
    return bench_runs(NULL, n);
}

/* ---- concurrent users ---- */

struct user_arg {
    struct hk_lua_pool *p;
    int n;
};

static void *user_thread(void *arg)
{
    struct user_arg *u = arg;
    bench_runs(u->p, u->n);
    return NULL;
}

/* Runs per second with `users` threads doing n runs in all. */
static double throughput(struct hk_lua_pool *p, int users, int n)
{
    pthread_t th[8];
    struct user_arg ua = {.p = p, .n = n / users};
    int64_t t0 = hk_mono_us();
    for (int i = 0; i < users; i++)
        pthread_create(&th[i], NULL, user_thread, &ua);
    for (int i = 0; i < users; i++)
        pthread_join(th[i], NULL);
    return (double)(ua.n * users) * 1e6 / (double)(hk_mono_us() - t0);
}

/* ---- misbehaving runs ---- */

/* Milliseconds past a 1 s wall-clock limit until the run's answer. */
static double overrun_ms(struct hk_lua_pool *p, const char *body)
{
    char src[256];
    snprintf(src, sizeof(src), "function run()\n%s\nend\n", body);
    struct hk_lua_job job = {.mode = HK_LUA_MODE_RUN,
                             .source = src,
                             .source_len = strlen(src),
                             .chunkname = "bench",
                             .test_hooks = true};
    hk_lua_limits_default(&job.limits);
    job.limits.max_wall_ms = 1000;
    job.limits.max_instructions = INT64_MAX / 4;
    struct hk_lua_host host = {.call = bench_call};
    struct hk_lua_result res;
    int64_t t0 = hk_mono_us();
    hk_lua_exec(p, &job, &host, &res);
    double ms = (double)(hk_mono_us() - t0) / 1000.0 - 1000.0;
    if (res.status != HK_LUA_ERR_LIMIT || res.limit != HK_LUA_KILL_WALL) {
        fprintf(stderr, "misbehaving run ended otherwise: %s\n",
                res.error ? res.error : "ok");
        exit(1);
    }
    hk_lua_result_clear(&res);
    return ms;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static struct hk_lua_pool *make_pool(int processes)
{
    struct hk_lua_pool_opts o;
    hk_lua_pool_opts_from_config(NULL, &o);
    o.processes = processes;
    o.prefork = processes;
    o.max_runs = 1000000;
    o.test_hooks = true;
    char err[512];
    struct hk_lua_pool *p = NULL;
    if (hk_lua_pool_new(&o, &p, err, sizeof(err)) < 0) {
        fprintf(stderr, "bench_lua: %s\n", err);
        exit(1);
    }
    return p;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
    if (n < ROUNDS * 8 || n > 100000000)
        n = 20000;
    int per = (int)(n / ROUNDS);
    double p_us[ROUNDS], s_us[ROUNDS], b_us[ROUNDS];
    double p_sum = 0, s_sum = 0, b_sum = 0;
    struct hk_lua_pool *one = make_pool(1);
    /* warm-up */
    bench_runs(one, 200);
    bench_sandboxed(200);
    bench_bare(200);
    /* Interleaved rounds, so load from other processes hits every side
     * alike; the median round is reported. */
    for (int r = 0; r < ROUNDS; r++) {
        p_us[r] = bench_runs(one, per) / per;
        s_us[r] = bench_sandboxed(per) / per;
        b_us[r] = bench_bare(per) / per;
        p_sum += p_us[r];
        s_sum += s_us[r];
        b_sum += b_us[r];
    }
    qsort(p_us, ROUNDS, sizeof(double), cmp_double);
    qsort(s_us, ROUNDS, sizeof(double), cmp_double);
    qsort(b_us, ROUNDS, sizeof(double), cmp_double);
    double pl = p_us[ROUNDS / 2], s = s_us[ROUNDS / 2], b = b_us[ROUNDS / 2];
    printf("lua workflow runs: %d rounds of %d each, one thread (median "
           "round)\n",
           ROUNDS, per);
    printf("  pool:       %9.0f runs/s  %7.1f us/run  (fastest round %.1f "
           "us)\n",
           1e6 / pl, pl, p_us[0]);
    printf("  in-process: %9.0f runs/s  %7.1f us/run  (fastest round %.1f "
           "us)\n",
           1e6 / s, s, s_us[0]);
    printf("  bare:       %9.0f runs/s  %7.1f us/run  (fastest round %.1f "
           "us)\n",
           1e6 / b, b, b_us[0]);
    printf("  pool/in-process time: %.2fx (mean %.2fx)\n", pl / s,
           p_sum / s_sum);
    printf("  in-process/bare time: %.2fx (mean %.2fx)\n", s / b,
           s_sum / b_sum);

    struct hk_lua_pool *eight = make_pool(8);
    bench_runs(eight, 200);
    int tn = (int)(n / 2);
    double p1 = throughput(one, 1, tn), s1 = throughput(NULL, 1, tn);
    double p8 = throughput(eight, 8, tn), s8 = throughput(NULL, 8, tn);
    printf("throughput, %d runs: 1 user  pool %.0f runs/s, in-process %.0f "
           "runs/s (%.2fx)\n",
           tn, p1, s1, s1 / p1);
    printf("                     8 users pool %.0f runs/s, in-process %.0f "
           "runs/s (%.2fx)\n",
           p8, s8, s8 / p8);

    double spin[5], loop[5];
    for (int i = 0; i < 5; i++) {
        spin[i] = overrun_ms(one, "hawk._test_spin(30)");
        loop[i] = overrun_ms(one, "while true do end");
    }
    qsort(spin, 5, sizeof(double), cmp_double);
    qsort(loop, 5, sizeof(double), cmp_double);
    printf("stopped past a 1 s wall-clock limit (median of 5, worst): C call "
           "that never returns %.1f ms (%.1f), endless Lua loop %.1f ms "
           "(%.1f)\n",
           spin[2], spin[4], loop[2], loop[4]);
    hk_lua_pool_free(one);
    hk_lua_pool_free(eight);
    return 0;
}
