/*
 * test_lua_pool.c - workflows in sandbox processes (lua/pool.h) with the
 * real hawk-sandbox executable: host calls and logs across the socket, a
 * crash mid-run, a kill -9 from outside, an allocation bomb against the
 * address-space limit, a C call that outlives the wall clock, seccomp,
 * cancellation, recycling.  After each bad run the next one works.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hawk/plugin.h"
#include "lua/pool.h"
#include "util/time.h"

static struct hk_lua_pool *pool;

/* A small host: search gives two jobs, state in memory, sleep sleeps. */
static json_object *state;
static int calls;

static int host_call(void *ctx, struct hk_lua_hostcall *hc, int64_t timeout)
{
    (void)ctx;
    calls++;
    json_object *a0 = json_object_array_get_idx(hc->args, 0);
    if (strcmp(hc->fn, "search") == 0) {
        hc->result = json_object_new_array();
        for (int i = 1; i <= 2; i++) {
            json_object *j = json_object_new_object();
            json_object_object_add(j, "board", json_object_new_string("fake"));
            char id[16];
            snprintf(id, sizeof(id), "j%d", i);
            json_object_object_add(j, "id", json_object_new_string(id));
            json_object_array_add(hc->result, j);
        }
        return 0;
    }
    if (strcmp(hc->fn, "state.set") == 0) {
        json_object_object_add(
            state, json_object_get_string(a0),
            json_object_get(json_object_array_get_idx(hc->args, 1)));
        return 0;
    }
    if (strcmp(hc->fn, "state.get") == 0) {
        json_object *v = NULL;
        if (json_object_object_get_ex(state, json_object_get_string(a0), &v))
            hc->result = json_object_get(v);
        return 0;
    }
    if (strcmp(hc->fn, "sleep") == 0) {
        int64_t ms = json_object_get_int64(a0);
        hk_sleep_ms(ms < timeout ? ms : timeout);
        return 0;
    }
    snprintf(hc->error, sizeof(hc->error), "no host call %s here", hc->fn);
    return HAWK_EINVAL;
}

static int logged;
static void host_log(void *ctx, const char *level, const char *msg,
                     const char *fields)
{
    (void)ctx;
    (void)level;
    (void)msg;
    (void)fields;
    logged++;
}

static const struct hk_lua_host host = {.call = host_call, .on_log = host_log};

static struct hk_lua_limits limits(void)
{
    struct hk_lua_limits l;
    hk_lua_limits_default(&l);
    l.max_wall_ms = 5000;
    return l;
}

static void run_in(const char *src, const struct hk_lua_limits *lim,
                   const atomic_bool *cancel, struct hk_lua_result *res)
{
    struct hk_lua_job job = {.mode = HK_LUA_MODE_RUN,
                             .source = src,
                             .source_len = strlen(src),
                             .chunkname = "wf",
                             .limits = *lim,
                             .cancel = cancel,
                             .test_hooks = true};
    assert_int_equal(hk_lua_pool_run(pool, &job, &host, res), 0);
}

#define RUN(body) "function run()\n" body "\nend\n"

/* The next run works normally and sees the host. */
static void assert_next_ok(void)
{
    struct hk_lua_limits l = limits();
    struct hk_lua_result res;
    run_in(RUN("local jobs = hawk.search{keywords = 'x'}\n"
               "hawk.log('found', {n = #jobs})\n"
               "assert(#jobs == 2)"),
           &l, NULL, &res);
    if (res.status != HK_LUA_OK)
        fail_msg("follow-up run failed: %s", res.error);
    assert_int_equal(json_object_array_length(res.log), 1);
    hk_lua_result_clear(&res);
}

static void expect_fail(const char *src, const struct hk_lua_limits *lim,
                        enum hk_lua_kill limit, const char *needle)
{
    struct hk_lua_result res;
    run_in(src, lim, NULL, &res);
    if (res.status == HK_LUA_OK || res.limit != limit || res.error == NULL ||
        strstr(res.error, needle) == NULL)
        fail_msg("expected limit %d with '%s', got %d/%d: %s", limit, needle,
                 res.status, res.limit, res.error ? res.error : "(none)");
    hk_lua_result_clear(&res);
    assert_next_ok();
}

static int setup(void **st)
{
    (void)st;
    struct hk_lua_pool_opts o;
    hk_lua_pool_opts_from_config(NULL, &o);
    o.processes = 2;
    o.prefork = 1;
    o.max_runs = 50;
    o.address_space = 256LL * 1024 * 1024;
    o.test_hooks = true;
    char err[512];
    if (hk_lua_pool_new(&o, &pool, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    state = json_object_new_object();
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    hk_lua_pool_free(pool);
    pool = NULL;
    json_object_put(state);
    return 0;
}

/* ------------------------------------------------------------------------
 * Tests
 * --------------------------------------------------------------------- */

static void test_run_through_pool(void **st)
{
    (void)st;
    struct hk_lua_limits l = limits();
    struct hk_lua_result res;
    logged = 0;
    calls = 0;
    run_in(RUN("local jobs = hawk.search{keywords = 'c'}\n"
               "hawk.state.set('seen', {n = #jobs})\n"
               "assert(hawk.state.get('seen').n == 2)\n"
               "for _, j in ipairs(jobs) do hawk.skip(j, 'test') end\n"
               "hawk.log('done', {jobs = #jobs})\n"
               "hawk.sleep(0.01)"),
           &l, NULL, &res);
    if (res.status != HK_LUA_OK)
        fail_msg("%s", res.error);
    assert_int_equal(res.counts.searched, 2);
    assert_int_equal(res.counts.skipped, 2);
    assert_int_equal(json_object_array_length(res.log), 3);
    assert_int_equal(logged, 3);
    assert_int_equal(res.host_calls, 4);
    assert_int_equal(calls, 4);
    hk_lua_result_clear(&res);

    /* Errors keep their line and traceback across the socket. */
    run_in(RUN("local x = nil\nreturn x.y"), &l, NULL, &res);
    assert_int_equal(res.status, HK_LUA_ERR_RUNTIME);
    assert_non_null(strstr(res.error, "wf:3: attempt to index a nil value"));
    assert_int_equal(res.error_line, 3);
    assert_non_null(strstr(res.traceback, "stack traceback"));
    hk_lua_result_clear(&res);

    /* A host error reaches the script as a Lua error. */
    run_in(RUN("local ok, err = pcall(hawk.config)\n"
               "assert(not ok and err:find('no host call config here'))"),
           &l, NULL, &res);
    if (res.status != HK_LUA_OK)
        fail_msg("%s", res.error);
    hk_lua_result_clear(&res);

    /* CHECK mode: schedule and functions come back. */
    const char *src = "schedule = {cron = '0 9 * * *'}\n"
                      "function run() end\n";
    struct hk_lua_job job = {.mode = HK_LUA_MODE_CHECK,
                             .source = src,
                             .source_len = strlen(src),
                             .chunkname = "wf",
                             .limits = l};
    assert_int_equal(hk_lua_exec(pool, &job, NULL, &res), 0);
    assert_int_equal(res.status, HK_LUA_OK);
    assert_true(res.has_run);
    assert_non_null(res.schedule);
    assert_int_equal(res.schedule_line, 1);
    hk_lua_result_clear(&res);
}

static void test_crash_mid_run(void **st)
{
    (void)st;
    struct hk_lua_limits l = limits();
    struct hk_lua_pool_stats before, after;
    hk_lua_pool_stats(pool, &before);
    expect_fail(RUN("hawk.log('about to crash')\nhawk._test_crash()"), &l,
                HK_LUA_KILL_CRASHED, "the sandbox process crashed (signal 6");
    hk_lua_pool_stats(pool, &after);
    assert_int_equal(after.replaced, before.replaced + 1);
}

struct killer {
    int signo;
    int killed_pid;
};

static void *kill_soon(void *arg)
{
    struct killer *k = arg;
    for (int i = 0; i < 200; i++) {
        int pids[4];
        if (hk_lua_pool_busy_pids(pool, pids, 4) > 0) {
            hk_sleep_ms(100);
            k->killed_pid = pids[0];
            kill(pids[0], k->signo);
            return NULL;
        }
        hk_sleep_ms(10);
    }
    return NULL;
}

static void test_kill_from_outside(void **st)
{
    (void)st;
    struct hk_lua_limits l = limits();
    struct killer k = {.signo = SIGKILL};
    pthread_t th;
    pthread_create(&th, NULL, kill_soon, &k);
    struct hk_lua_result res;
    run_in(RUN("hawk._test_spin(4)"), &l, NULL, &res);
    pthread_join(th, NULL);
    assert_true(k.killed_pid > 0);
    assert_int_equal(res.status, HK_LUA_ERR_LIMIT);
    assert_int_equal(res.limit, HK_LUA_KILL_CRASHED);
    assert_non_null(strstr(res.error, "killed (signal 9)"));
    hk_lua_result_clear(&res);
    assert_next_ok();
}

static void test_allocation_bomb(void **st)
{
    (void)st;
#ifdef __SANITIZE_ADDRESS__
    skip(); /* no RLIMIT_AS under AddressSanitizer */
#else
    struct hk_lua_limits l = limits();
    l.max_memory = 2048LL * 1024 * 1024; /* far above the 256 MiB limit */
    /* Filling 256 MiB takes seconds on a loaded machine: this run is
     * about the address-space limit, so the wall clock must not win. */
    l.max_wall_ms = 120000;
    expect_fail(RUN("local t = {}\n"
                    "for i = 1, 64 do t[i] = ('x'):rep(16 * 1024 * 1024, "
                    "tostring(i)) end"),
                &l, HK_LUA_KILL_MEMORY, "address-space limit");
    /* Outside the Lua state: malloc fails, the process goes on. */
    struct hk_lua_result res;
    run_in(RUN("local got = hawk._test_alloc(1024)\n"
               "assert(got < 256, 'got ' .. got .. ' MiB')"),
           &l, NULL, &res);
    if (res.status != HK_LUA_OK)
        fail_msg("%s", res.error);
    hk_lua_result_clear(&res);
    assert_next_ok();
#endif
}

static void test_watchdog(void **st)
{
    (void)st;
    struct hk_lua_limits l = limits();
    l.max_wall_ms = 1000;
    struct hk_lua_result res;
    int64_t t0 = hk_mono_ms();
    run_in(RUN("hawk._test_spin(30)"), &l, NULL, &res);
    int64_t took = hk_mono_ms() - t0;
    assert_int_equal(res.status, HK_LUA_ERR_LIMIT);
    assert_int_equal(res.limit, HK_LUA_KILL_WALL);
    assert_non_null(strstr(res.error,
                           "wf: wall-clock limit of 1 s exceeded (the sandbox "
                           "process was stopped)"));
    print_message("killed %lld ms past the limit\n", (long long)(took - 1000));
    assert_true(took >= 1000);
    assert_true(took < 1000 + 600); /* generous: loaded test machines */
    hk_lua_result_clear(&res);
    assert_next_ok();

    /* Lua code that hits the limit is stopped inside, with its line. */
    l.max_instructions = INT64_MAX / 4;
    t0 = hk_mono_ms();
    run_in(RUN("while true do end"), &l, NULL, &res);
    took = hk_mono_ms() - t0;
    assert_int_equal(res.limit, HK_LUA_KILL_WALL);
    assert_non_null(strstr(res.error, "wf:2: wall-clock limit of 1 s"));
    assert_true(took < 1000 + 600); /* generous: loaded test machines */
    hk_lua_result_clear(&res);
}

static void test_seccomp(void **st)
{
    (void)st;
    struct hk_lua_limits l = limits();
    struct hk_lua_result res;
    run_in(RUN("local ok, err = hawk._test_open('/etc/hostname')\n"
               "assert(not ok, 'open succeeded')\n"
               "assert(err:find('not permitted'), err)"),
           &l, NULL, &res);
    if (res.status != HK_LUA_OK)
        fail_msg("%s", res.error);
    hk_lua_result_clear(&res);
}

static atomic_bool cancel_flag;

static void *cancel_soon(void *arg)
{
    (void)arg;
    hk_sleep_ms(200);
    atomic_store(&cancel_flag, true);
    return NULL;
}

static void test_cancel(void **st)
{
    (void)st;
    struct hk_lua_limits l = limits();
    atomic_store(&cancel_flag, false);
    pthread_t th;
    pthread_create(&th, NULL, cancel_soon, NULL);
    struct hk_lua_result res;
    int64_t t0 = hk_mono_ms();
    run_in(RUN("hawk._test_spin(4)"), &l, &cancel_flag, &res);
    pthread_join(th, NULL);
    assert_true(hk_mono_ms() - t0 < 2500);
    assert_int_equal(res.limit, HK_LUA_KILL_CANCELLED);
    assert_non_null(strstr(res.error, "run cancelled"));
    hk_lua_result_clear(&res);
    assert_next_ok();
}

static void test_log_budget(void **st)
{
    (void)st;
    struct hk_lua_limits l = limits();
    l.max_log_bytes = 64 * 1024;
    struct hk_lua_result res;
    /* 20 lines with 1 MiB fields: each is cut to its size, and the run's
     * budget keeps the total small. */
    run_in(RUN("local s = ('x'):rep(1024 * 1024)\n"
               "for i = 1, 20 do hawk.log('big', {s = s}) end\n"
               "for i = 1, 2000 do hawk.log(('y'):rep(100)) end"),
           &l, NULL, &res);
    if (res.status != HK_LUA_OK)
        fail_msg("%s", res.error);
    size_t n = json_object_array_length(res.log);
    const char *text = json_object_to_json_string(res.log);
    assert_true(strlen(text) < 96 * 1024);
    assert_true(res.log_dropped > 0);
    assert_int_equal(res.log_cut, 20);
    json_object *last = json_object_array_get_idx(res.log, n - 1);
    json_object *msg = NULL;
    json_object_object_get_ex(last, "msg", &msg);
    assert_non_null(strstr(json_object_get_string(msg), "log lines dropped"));
    json_object *first = json_object_array_get_idx(res.log, 0), *f = NULL;
    assert_true(json_object_object_get_ex(first, "fields", &f));
    assert_non_null(strstr(json_object_to_json_string(f), "fields_cut_bytes"));
    hk_lua_result_clear(&res);

    /* What the script hands over counts in all: 60 such lines are more
     * than the run's output limit, whether the lines are kept or not. */
    l.max_output = 32 * 1024 * 1024;
    expect_fail(RUN("local s = ('x'):rep(1024 * 1024)\n"
                    "for i = 1, 60 do hawk.log('big', {s = s}) end"),
                &l, HK_LUA_KILL_OUTPUT,
                "wf:3: output limit of 32 MiB exceeded");
}

static void test_recycle(void **st)
{
    (void)st;
    struct hk_lua_pool_opts o;
    hk_lua_pool_opts_from_config(NULL, &o);
    o.processes = 1;
    o.prefork = 0;
    o.max_runs = 2;
    char err[512];
    struct hk_lua_pool *p = NULL;
    assert_int_equal(hk_lua_pool_new(&o, &p, err, sizeof(err)), 0);
    struct hk_lua_limits l = limits();
    const char *src = RUN("local x = 1");
    struct hk_lua_job job = {.mode = HK_LUA_MODE_RUN,
                             .source = src,
                             .source_len = strlen(src),
                             .chunkname = "wf",
                             .limits = l};
    for (int i = 0; i < 5; i++) {
        struct hk_lua_result res;
        assert_int_equal(hk_lua_pool_run(p, &job, &host, &res), 0);
        assert_int_equal(res.status, HK_LUA_OK);
        hk_lua_result_clear(&res);
    }
    struct hk_lua_pool_stats s;
    hk_lua_pool_stats(p, &s);
    assert_int_equal(s.started, 3);
    assert_int_equal(s.replaced, 0);
    hk_lua_pool_free(p);

    /* A missing executable is a clear configuration error. */
    o.path = "/nonexistent/hawk-sandbox";
    assert_int_equal(hk_lua_pool_new(&o, &p, err, sizeof(err)), HAWK_ECONFIG);
    assert_non_null(strstr(err, "/nonexistent/hawk-sandbox"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_through_pool),
        cmocka_unit_test(test_crash_mid_run),
        cmocka_unit_test(test_kill_from_outside),
        cmocka_unit_test(test_allocation_bomb),
        cmocka_unit_test(test_watchdog),
        cmocka_unit_test(test_seccomp),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_log_budget),
        cmocka_unit_test(test_recycle),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
