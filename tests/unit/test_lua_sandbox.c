/*
 * test_lua_sandbox.c - the workflow sandbox: every escape and limit of
 * conventions §3 that applies, and every bad input of the workflows
 * issue.  Each bad script must end with the named error, and the next
 * run in the same thread must work normally.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hawk/plugin.h"
#include "lua/runner.h"
#include "util/alloc.h"
#include "util/time.h"

/* ------------------------------------------------------------------------
 * A fake host: deterministic answers, counters, an in-memory state.
 * --------------------------------------------------------------------- */

struct fake_host {
    int calls;
    int applied_today;
    int apply_limit;
    size_t state_bytes;
    size_t state_max;
    json_object *state;
    int descriptions;
};

static json_object *make_job(int i)
{
    char id[16];
    snprintf(id, sizeof(id), "job-%d", i);
    json_object *j = json_object_new_object();
    json_object_object_add(j, "board", json_object_new_string("fake"));
    json_object_object_add(j, "id", json_object_new_string(id));
    json_object_object_add(j, "title", json_object_new_string("Engineer"));
    json_object_object_add(j, "company", json_object_new_string("Acme"));
    json_object_object_add(j, "applicants", json_object_new_int(10 * i));
    return j;
}

static int fake_call(void *ctx, struct hk_lua_hostcall *hc, int64_t timeout)
{
    struct fake_host *h = ctx;
    h->calls++;
    const char *fn = hc->fn;
    json_object *a0 = json_object_array_get_idx(hc->args, 0);
    json_object *a1 = json_object_array_get_idx(hc->args, 1);
    if (strcmp(fn, "search") == 0) {
        json_object *arr = json_object_new_array();
        for (int i = 1; i <= 3; i++)
            json_object_array_add(arr, make_job(i));
        hc->result = arr;
    } else if (strcmp(fn, "job.description") == 0) {
        h->descriptions++;
        hc->result = json_object_new_string("a fine job");
    } else if (strcmp(fn, "config") == 0) {
        hc->result = json_object_new_object();
        json_object_object_add(hc->result, "name",
                               json_object_new_string("default"));
    } else if (strcmp(fn, "applied") == 0) {
        hc->result = json_object_new_boolean(0);
    } else if (strcmp(fn, "apply") == 0) {
        if (h->applied_today >= h->apply_limit) {
            snprintf(hc->error, sizeof(hc->error),
                     "plan limit applications_per_day reached (%d/%d)",
                     h->applied_today, h->apply_limit);
            return HAWK_EQUOTA;
        }
        h->applied_today++;
        hc->result = json_object_new_object();
        json_object_object_add(hc->result, "status",
                               json_object_new_string("dry_run"));
        json_object_object_add(hc->result, "application_id",
                               json_object_new_int(h->applied_today));
    } else if (strcmp(fn, "llm.score") == 0) {
        hc->result = json_object_new_object();
        json_object_object_add(hc->result, "score", json_object_new_int(7));
    } else if (strcmp(fn, "state.get") == 0) {
        json_object *v = NULL;
        if (json_object_object_get_ex(h->state, json_object_get_string(a0), &v))
            hc->result = json_object_get(v);
    } else if (strcmp(fn, "state.set") == 0) {
        const char *text = json_object_to_json_string(a1);
        size_t n = strlen(json_object_get_string(a0)) + strlen(text);
        if (h->state_bytes + n > h->state_max) {
            snprintf(hc->error, sizeof(hc->error),
                     "hawk.state.set: state would use %zu bytes; the limit "
                     "is %zu",
                     h->state_bytes + n, h->state_max);
            return HAWK_EQUOTA;
        }
        h->state_bytes += n;
        json_object_object_add(h->state, json_object_get_string(a0),
                               json_object_get(a1));
    } else if (strcmp(fn, "sleep") == 0) {
        int64_t ms = json_object_get_int64(a0);
        hk_sleep_ms(ms < timeout ? ms : timeout);
    } else {
        snprintf(hc->error, sizeof(hc->error), "unknown host call %s", fn);
        return HAWK_EINVAL;
    }
    return 0;
}

static struct fake_host fh;
static const struct hk_lua_host host = {.ctx = &fh, .call = fake_call};

static void fake_reset(void)
{
    json_object_put(fh.state);
    memset(&fh, 0, sizeof(fh));
    fh.apply_limit = 5;
    fh.state_max = 64;
    fh.state = json_object_new_object();
}

static int setup(void **state)
{
    (void)state;
    fake_reset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    json_object_put(fh.state);
    fh.state = NULL;
    return 0;
}

/* ------------------------------------------------------------------------
 * Helpers
 * --------------------------------------------------------------------- */

static struct hk_lua_limits small_limits(void)
{
    struct hk_lua_limits l;
    hk_lua_limits_default(&l);
    l.max_instructions = 2000000;
    l.max_memory = 8 * 1024 * 1024;
    l.max_wall_ms = 5000;
    l.max_host_calls = 100;
    l.max_log_lines = 50;
    return l;
}

static void run_mode(const char *src, enum hk_lua_mode mode,
                     const struct hk_lua_limits *lim, struct hk_lua_result *res)
{
    struct hk_lua_job job = {.mode = mode,
                             .source = src,
                             .source_len = strlen(src),
                             .chunkname = "test",
                             .limits = *lim,
                             .dry_run = true,
                             .now = 1700000000};
    assert_int_equal(hk_lua_run(&job, &host, res), 0);
}

static void run_lim(const char *src, const struct hk_lua_limits *lim,
                    struct hk_lua_result *res)
{
    run_mode(src, HK_LUA_MODE_RUN, lim, res);
}

static void run(const char *src, struct hk_lua_result *res)
{
    struct hk_lua_limits l = small_limits();
    run_lim(src, &l, res);
}

/* The run after a bad one, in the same thread, must work normally. */
static void assert_next_run_ok(void)
{
    struct hk_lua_result res;
    run("function run()\n"
        "  local n = 0\n"
        "  for i = 1, 1000 do n = n + i end\n"
        "  local ok = pcall(function() error('caught') end)\n"
        "  assert(not ok)\n"
        "  assert(('abc'):find('b') == 2)\n"
        "  hawk.log('sum', {n = n})\n"
        "end\n",
        &res);
    if (res.status != HK_LUA_OK)
        fail_msg("follow-up run failed: %s", res.error);
    assert_int_equal(json_object_array_length(res.log), 1);
    hk_lua_result_clear(&res);
}

static void expect_error(const char *src, enum hk_lua_status st,
                         const char *needle)
{
    struct hk_lua_result res;
    run(src, &res);
    if (res.status != st || res.error == NULL ||
        strstr(res.error, needle) == NULL)
        fail_msg("expected status %d with '%s', got %d: %s", st, needle,
                 res.status, res.error ? res.error : "(none)");
    hk_lua_result_clear(&res);
    assert_next_run_ok();
}

/* Wraps a body into run(). */
#define RUN(body) "function run()\n" body "\nend\n"

/* ------------------------------------------------------------------------
 * Plain errors
 * --------------------------------------------------------------------- */

static void test_ok_run(void **state)
{
    (void)state;
    struct hk_lua_result res;
    run(RUN("local jobs = hawk.search{keywords = 'c', limit = 3}\n"
            "for _, j in ipairs(jobs) do\n"
            "  if not hawk.applied(j) then\n"
            "    local s = hawk.llm.score(j)\n"
            "    local r = hawk.apply(j, {review = true})\n"
            "    hawk.log('applied', {id = j.id, status = r.status})\n"
            "  end\n"
            "end\n"
            "hawk.skip(jobs[1], 'just because')\n"
            "assert(hawk.dry_run == true)\n"
            "assert(type(hawk.now()) == 'number')"),
        &res);
    assert_int_equal(res.status, HK_LUA_OK);
    assert_int_equal(res.counts.searched, 3);
    assert_int_equal(res.counts.scored, 3);
    assert_int_equal(res.counts.applied, 3);
    assert_int_equal(res.counts.skipped, 1);
    /* 3 script lines, 3 dry-run lines, 1 skip line */
    assert_int_equal(json_object_array_length(res.log), 7);
    assert_true(res.host_calls >= 10);
    hk_lua_result_clear(&res);
}

static void test_syntax_error(void **state)
{
    (void)state;
    struct hk_lua_result res;
    run("function run()\n  local x = = 1\nend\n", &res);
    assert_int_equal(res.status, HK_LUA_ERR_SYNTAX);
    assert_non_null(strstr(res.error, "test:2:"));
    assert_int_equal(res.error_line, 2);
    hk_lua_result_clear(&res);
    assert_next_run_ok();
}

static void test_runtime_error_traceback(void **state)
{
    (void)state;
    struct hk_lua_result res;
    run("local function helper()\n"
        "  local t = nil\n"
        "  return t.field\n"
        "end\n"
        "function run()\n"
        "  helper()\n"
        "end\n",
        &res);
    assert_int_equal(res.status, HK_LUA_ERR_RUNTIME);
    assert_non_null(strstr(res.error, "test:3:"));
    assert_non_null(strstr(res.error, "attempt to index a nil value"));
    assert_int_equal(res.error_line, 3);
    assert_non_null(strstr(res.traceback, "stack traceback:"));
    assert_non_null(strstr(res.traceback, "test:6:"));
    hk_lua_result_clear(&res);
    assert_next_run_ok();
}

static void test_missing_run(void **state)
{
    (void)state;
    expect_error("x = 1\n", HK_LUA_ERR_RUNTIME,
                 "workflow defines no run() function");
}

static void test_error_objects(void **state)
{
    (void)state;
    expect_error(RUN("error({})"), HK_LUA_ERR_RUNTIME,
                 "(error object is a table value)");
    expect_error(RUN("error(setmetatable({}, {__tostring = function() "
                     "while true do end end}))"),
                 HK_LUA_ERR_RUNTIME, "(error object is a table value)");
}

static void test_source_limit(void **state)
{
    (void)state;
    struct hk_lua_limits l = small_limits();
    l.max_source = 64;
    struct hk_lua_result res;
    run_lim(RUN("-- this comment makes the script longer than 64 bytes ..."),
            &l, &res);
    assert_int_equal(res.status, HK_LUA_ERR_SYNTAX);
    assert_non_null(strstr(res.error, "exceeds the 64-byte source limit"));
    hk_lua_result_clear(&res);
    assert_next_run_ok();
}

/* ------------------------------------------------------------------------
 * Limits
 * --------------------------------------------------------------------- */

static void test_infinite_loop(void **state)
{
    (void)state;
    expect_error(RUN("while true do end"), HK_LUA_ERR_LIMIT,
                 "instruction limit of 2000000 exceeded");
}

static void test_infinite_loop_line(void **state)
{
    (void)state;
    struct hk_lua_result res;
    run("function run()\n  local i = 0\n  while true do i = i + 1 end\nend\n",
        &res);
    assert_int_equal(res.status, HK_LUA_ERR_LIMIT);
    assert_int_equal(res.limit, HK_LUA_KILL_INSTRUCTIONS);
    assert_int_equal(res.error_line, 3);
    hk_lua_result_clear(&res);
}

static void test_wall_clock(void **state)
{
    (void)state;
    struct hk_lua_limits l = small_limits();
    l.max_instructions = INT64_MAX / 4;
    l.max_wall_ms = 1000;
    struct hk_lua_result res;
    int64_t t0 = hk_mono_ms();
    run_lim(RUN("while true do end"), &l, &res);
    int64_t took = hk_mono_ms() - t0;
    assert_int_equal(res.status, HK_LUA_ERR_LIMIT);
    assert_non_null(strstr(res.error, "wall-clock limit of 1 s exceeded"));
    assert_true(took >= 1000 && took < 3000);
    hk_lua_result_clear(&res);
    assert_next_run_ok();
}

static void test_pcall_cannot_swallow(void **state)
{
    (void)state;
    expect_error(RUN("while true do pcall(function() while true do end end) "
                     "end"),
                 HK_LUA_ERR_LIMIT, "instruction limit");
    expect_error(RUN("for i = 1, 1e9 do\n"
                     "  xpcall(function() while true do end end,\n"
                     "         function() while true do end end)\n"
                     "end"),
                 HK_LUA_ERR_LIMIT, "instruction limit");
    expect_error(RUN("while true do\n"
                     "  local co = coroutine.create(function() while true "
                     "do end end)\n"
                     "  coroutine.resume(co)\n"
                     "end"),
                 HK_LUA_ERR_LIMIT, "instruction limit");
    expect_error(RUN("while true do\n"
                     "  pcall(coroutine.wrap(function() while true do end "
                     "end))\n"
                     "end"),
                 HK_LUA_ERR_LIMIT, "instruction limit");
    expect_error(RUN("local ok = pcall(function() while true do end end)\n"
                     "hawk.log('survived')"),
                 HK_LUA_ERR_LIMIT, "instruction limit");
}

static void test_unbounded_allocation(void **state)
{
    (void)state;
    expect_error(RUN("local t = {} while true do t[#t+1] = ('x'):rep(1e6) "
                     "end"),
                 HK_LUA_ERR_LIMIT, "memory limit of 8 MiB exceeded");
    expect_error(RUN("local t = {} for i = 1, 1e9 do t[i] = i end"),
                 HK_LUA_ERR_LIMIT, "memory limit of 8 MiB exceeded");
    expect_error(RUN("local s = 'x' while true do s = s .. s end"),
                 HK_LUA_ERR_LIMIT, "memory limit of 8 MiB exceeded");
}

static void test_memory_error_not_swallowed(void **state)
{
    (void)state;
    struct hk_lua_result res;
    run(RUN("local ok = pcall(function()\n"
            "  local t = {} while true do t[#t+1] = ('x'):rep(1e5) end\n"
            "end)\n"
            "hawk.log('survived')"),
        &res);
    assert_int_equal(res.status, HK_LUA_ERR_LIMIT);
    assert_int_equal(res.limit, HK_LUA_KILL_MEMORY);
    assert_int_equal(json_object_array_length(res.log), 0);
    hk_lua_result_clear(&res);
    assert_next_run_ok();
}

static void test_string_rep_bombs(void **state)
{
    (void)state;
    expect_error(RUN("local s = string.rep('x', 1e10)"), HK_LUA_ERR_LIMIT,
                 "memory limit of 8 MiB exceeded");
    expect_error(RUN("local s = ('x'):rep(1e10)"), HK_LUA_ERR_LIMIT,
                 "memory limit of 8 MiB exceeded");
    expect_error(RUN("local ok = pcall(string.rep, 'ab', 1e12, ',')"),
                 HK_LUA_ERR_LIMIT, "memory limit");
    /* The empty-string loop returns at once instead of spinning in C. */
    struct hk_lua_result res;
    int64_t t0 = hk_mono_ms();
    run(RUN("assert(string.rep('', 3e9) == '')"), &res);
    assert_int_equal(res.status, HK_LUA_OK);
    assert_true(hk_mono_ms() - t0 < 1000);
    hk_lua_result_clear(&res);
}

static void test_catastrophic_patterns(void **state)
{
    (void)state;
    int64_t t0 = hk_mono_ms();
    expect_error(RUN("local s = ('a'):rep(1e5)\n"
                     "return s:find('.-.-.-.-.-b')"),
                 HK_LUA_ERR_LIMIT, "instruction limit of 2000000 exceeded");
    expect_error(RUN("return string.find(('a'):rep(22), ('a-'):rep(22) .. "
                     "'b')"),
                 HK_LUA_ERR_LIMIT, "instruction limit");
    expect_error(RUN("return string.gsub(('a'):rep(24), ('a?'):rep(24) .. "
                     "('a'):rep(24), 'x')"),
                 HK_LUA_ERR_LIMIT, "instruction limit");
    expect_error(RUN("for w in ('a'):rep(5e4):gmatch('.-.-.-b') do end"),
                 HK_LUA_ERR_LIMIT, "instruction limit");
    expect_error(RUN("local ok = pcall(string.match, ('a'):rep(1e5), "
                     "'.-.-.-.-b')"),
                 HK_LUA_ERR_LIMIT, "instruction limit");
    assert_true(hk_mono_ms() - t0 < 20000);
    expect_error(RUN("return ('x'):find(('a'):rep(300))"), HK_LUA_ERR_RUNTIME,
                 "pattern of 300 bytes is longer");
}

static void test_patterns_still_work(void **state)
{
    (void)state;
    struct hk_lua_result res;
    run(RUN("assert(('hello world'):match('^(%w+)') == 'hello')\n"
            "assert(select(2, ('a,b,c'):gsub(',', ';')) == 2)\n"
            "local n = 0 for w in ('a b c'):gmatch('%a') do n = n + 1 end\n"
            "assert(n == 3)\n"
            "assert(('  trim  '):match('^%s*(.-)%s*$') == 'trim')\n"
            "assert(('x=1'):gsub('(%w+)=(%w+)', '%2=%1') == '1=x')\n"
            "assert(('THE (quick) fox'):find('%((%a+)%)') == 5)\n"
            "assert(('f(a(b)c)'):match('%b()') == '(a(b)c)')\n"
            "assert(('hello'):find('l', 1, true) == 3)\n"
            "assert(('abc'):gsub('%w', {a = 'A'}) == 'Abc')\n"
            "assert(('abc'):gsub('%w', function(c) return c:upper() end) "
            "== 'ABC')"),
        &res);
    if (res.status != HK_LUA_OK)
        fail_msg("%s", res.error);
    hk_lua_result_clear(&res);
}

static void test_deep_recursion(void **state)
{
    (void)state;
    /* Lua's own stack limit, when memory allows reaching it. */
    struct hk_lua_limits l = small_limits();
    l.max_memory = 256 * 1024 * 1024;
    l.max_instructions = 100000000;
    struct hk_lua_result res;
    run_lim(RUN("local function f(n) return f(n + 1) + 1 end f(1)"), &l, &res);
    assert_int_equal(res.status, HK_LUA_ERR_RUNTIME);
    assert_non_null(strstr(res.error, "stack overflow"));
    hk_lua_result_clear(&res);
    assert_next_run_ok();
    /* The memory cap, when it comes first. */
    expect_error(RUN("local function f(n) return f(n + 1) + 1 end f(1)"),
                 HK_LUA_ERR_LIMIT, "memory limit of 8 MiB exceeded");
    expect_error(RUN("local function f() return pcall(f) end\n"
                     "local ok, e = f() error(e or 'done')"),
                 HK_LUA_ERR_RUNTIME, "");
    expect_error(RUN("local t = setmetatable({}, {})\n"
                     "getmetatable(t).__index = function(s, k) return "
                     "s[k] end\n"
                     "return t.x"),
                 HK_LUA_ERR_RUNTIME, "overflow");
}

static void test_host_call_limit(void **state)
{
    (void)state;
    expect_error(RUN("for i = 1, 1000 do hawk.config() end"), HK_LUA_ERR_LIMIT,
                 "host call limit of 100 exceeded");
    expect_error(RUN("for i = 1, 1000 do pcall(hawk.config) end"),
                 HK_LUA_ERR_LIMIT, "host call limit of 100 exceeded");
}

static void test_cancel(void **state)
{
    (void)state;
    atomic_bool cancel = true;
    struct hk_lua_limits l = small_limits();
    l.max_instructions = INT64_MAX / 4;
    const char *src = RUN("while true do end");
    struct hk_lua_job job = {.mode = HK_LUA_MODE_RUN,
                             .source = src,
                             .source_len = strlen(src),
                             .chunkname = "test",
                             .limits = l,
                             .cancel = &cancel};
    struct hk_lua_result res;
    assert_int_equal(hk_lua_run(&job, &host, &res), 0);
    assert_int_equal(res.status, HK_LUA_ERR_LIMIT);
    assert_int_equal(res.limit, HK_LUA_KILL_CANCELLED);
    assert_non_null(strstr(res.error, "run cancelled"));
    hk_lua_result_clear(&res);
    assert_next_run_ok();
}

static void test_sleep(void **state)
{
    (void)state;
    struct hk_lua_result res;
    run(RUN("hawk.sleep(0.05)"), &res);
    assert_int_equal(res.status, HK_LUA_OK);
    assert_true(res.duration_ms >= 50);
    hk_lua_result_clear(&res);
    expect_error(RUN("hawk.sleep(3600)"), HK_LUA_ERR_RUNTIME,
                 "longer than the limit of 30 s");
    struct hk_lua_limits l = small_limits();
    l.max_wall_ms = 300;
    run_lim(RUN("hawk.sleep(5)"), &l, &res);
    assert_int_equal(res.status, HK_LUA_ERR_LIMIT);
    assert_non_null(strstr(res.error, "wall-clock limit of 300 ms"));
    assert_true(res.duration_ms < 2000);
    hk_lua_result_clear(&res);
    assert_next_run_ok();
}

static void test_log_line_limit(void **state)
{
    (void)state;
    struct hk_lua_limits l = small_limits();
    l.max_log_lines = 5;
    struct hk_lua_result res;
    run_lim(RUN("for i = 1, 20 do hawk.log('line ' .. i) end"), &l, &res);
    assert_int_equal(res.status, HK_LUA_OK);
    assert_int_equal(res.log_dropped, 15);
    assert_int_equal(json_object_array_length(res.log), 6);
    hk_lua_result_clear(&res);
}

static void test_table_move_spin(void **state)
{
    (void)state;
    expect_error(RUN("table.move({}, 1, math.maxinteger - 1, 2)"),
                 HK_LUA_ERR_LIMIT, "instruction limit");
    expect_error(RUN("return table.unpack({}, 1, 1e8)"), HK_LUA_ERR_RUNTIME,
                 "too many results");
}

/* Runs src with the small limits and a 30 s wall clock; checks it ends
 * with the instruction limit well before the wall clock. */
static void expect_charged(const char *src)
{
    struct hk_lua_limits l = small_limits();
    l.max_wall_ms = 30000;
    struct hk_lua_result res;
    int64_t t0 = hk_mono_ms();
    run_lim(src, &l, &res);
    int64_t took = hk_mono_ms() - t0;
    if (res.status != HK_LUA_ERR_LIMIT || res.error == NULL ||
        strstr(res.error, "instruction limit") == NULL)
        fail_msg("expected the instruction limit, got %d: %s", res.status,
                 res.error ? res.error : "(none)");
    if (took > 3000)
        fail_msg("the limit tripped after %lld ms", (long long)took);
    hk_lua_result_clear(&res);
    assert_next_run_ok();
}

static void test_sort_charged(void **state)
{
    (void)state;
    /* 200,000 references to one 1 MiB string: Lua's own sort does it in
     * one C call, comparing a megabyte each time. */
    expect_charged(RUN("local s = ('x'):rep(1024 * 1024)\n"
                       "local t = {}\n"
                       "for i = 1, 200000 do t[i] = s end\n"
                       "table.sort(t)"));
    /* The same with a comparator: `a < b` is one instruction. */
    expect_charged(RUN("local s = ('x'):rep(1024 * 1024)\n"
                       "local t = {}\n"
                       "for i = 1, 200000 do t[i] = s end\n"
                       "table.sort(t, function(a, b) return a < b end)"));
    /* Sorting still sorts, with and without a comparator. */
    struct hk_lua_result res;
    run(RUN("local t = {5, 3, 9, 1}\n"
            "table.sort(t)\n"
            "assert(table.concat(t, ',') == '1,3,5,9')\n"
            "table.sort(t, function(a, b) return a > b end)\n"
            "assert(table.concat(t, ',') == '9,5,3,1')\n"
            "local ok, err = pcall(table.sort, {1, 'x'})\n"
            "assert(not ok and err:find('compare'))"),
        &res);
    if (res.status != HK_LUA_OK)
        fail_msg("%s", res.error);
    hk_lua_result_clear(&res);
}

static void test_table_shifts_charged(void **state)
{
    (void)state;
    expect_charged(RUN("local t = {}\n"
                       "for i = 1, 200000 do t[i] = i end\n"
                       "for i = 1, 1e9 do table.insert(t, 1, i) "
                       "table.remove(t, 1) end"));
    expect_charged(RUN("local t = {}\n"
                       "for i = 1, 200000 do t[i] = 'a' end\n"
                       "for i = 1, 1e9 do local s = table.concat(t) end"));
    expect_charged(RUN("local s = ('\\u{e9}'):rep(1024 * 1024)\n"
                       "for i = 1, 1e9 do local n = utf8.len(s) end"));
    expect_charged(RUN("local s = ('a'):rep(1024 * 1024)\n"
                       "for i = 1, 1e9 do local u = s:upper() end"));
    struct hk_lua_result res;
    run(RUN("local t = {1, 2, 3}\n"
            "table.insert(t, 1, 0) table.insert(t, 4)\n"
            "assert(table.concat(t, ',') == '0,1,2,3,4')\n"
            "assert(table.remove(t, 1) == 0 and table.remove(t) == 4)\n"
            "assert(select('#', table.unpack(t)) == 3)\n"
            "assert(utf8.len('h\\u{e9}') == 2 and ('Ab'):lower() == 'ab')\n"
            "assert(('%d-%s'):format(3, 'x') == '3-x')"),
        &res);
    if (res.status != HK_LUA_OK)
        fail_msg("%s", res.error);
    hk_lua_result_clear(&res);
}

/* Errors shown to users name the workflow and the line in words. */
static void test_error_named(void **state)
{
    (void)state;
    struct {
        const char *chunk, *name, *msg, *want;
    } cases[] = {
        {"workflow:31", "daily_apply", "workflow:31:3: boom",
         "daily_apply (workflow 31), line 3: boom"},
        {"workflow:new", "x", "workflow:new:12: near '='",
         "x (new workflow), line 12: near '='"},
        {"workflow:31", NULL, "workflow:31:3: boom",
         "workflow 31, line 3: boom"},
        {"workflow:31", "d", "workflow:31: the sandbox process crashed",
         "d (workflow 31): the sandbox process crashed"},
        {"workflow:31", "d", "other:1: not ours", "other:1: not ours"},
        {"workflow:3", "d", "workflow:31:2: a longer id",
         "workflow:31:2: a "
         "longer id"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got =
            hk_lua_error_named(cases[i].chunk, cases[i].name, cases[i].msg);
        assert_string_equal(got, cases[i].want);
        hk_free(got);
    }
    assert_null(hk_lua_error_named("workflow:1", "x", NULL));
}

/* Every error names the script line, whatever raised it. */
static void test_error_lines(void **state)
{
    (void)state;
    expect_error(RUN("local x = 1\nerror({code = 1})"), HK_LUA_ERR_RUNTIME,
                 "test:3: (error object is a table value)");
    expect_error(RUN("local x = 1\nerror(42)"), HK_LUA_ERR_RUNTIME,
                 "test:3: (error object is a number value)");
    expect_error(RUN("\nreturn os.date('%Ez')"), HK_LUA_ERR_RUNTIME,
                 "test:3: bad argument #1 to 'os.date'");
    expect_error(RUN("table.sort({3, 2, 1}, function(a, b)\n"
                     "  coroutine.yield()\n"
                     "  return a < b end)"),
                 HK_LUA_ERR_RUNTIME,
                 "test:3: attempt to yield across a C-call boundary");
    expect_error(RUN("error('plain', 0)"), HK_LUA_ERR_RUNTIME, "test:2: plain");
}

/* ------------------------------------------------------------------------
 * Escapes
 * --------------------------------------------------------------------- */

static void test_removed_globals(void **state)
{
    (void)state;
    expect_error(RUN("io.write('x')"), HK_LUA_ERR_RUNTIME,
                 "attempt to index a nil value (global 'io')");
    expect_error(RUN("os.execute('true')"), HK_LUA_ERR_RUNTIME,
                 "attempt to call a nil value (field 'execute')");
    expect_error(RUN("os.exit(1)"), HK_LUA_ERR_RUNTIME,
                 "attempt to call a nil value (field 'exit')");
    expect_error(RUN("return os.getenv('HOME')"), HK_LUA_ERR_RUNTIME,
                 "field 'getenv'");
    expect_error(RUN("os.remove('/tmp/x')"), HK_LUA_ERR_RUNTIME,
                 "field 'remove'");
    expect_error(RUN("require('os')"), HK_LUA_ERR_RUNTIME,
                 "attempt to call a nil value (global 'require')");
    expect_error(RUN("return package.loadlib('x', 'y')"), HK_LUA_ERR_RUNTIME,
                 "global 'package'");
    expect_error(RUN("debug.sethook()"), HK_LUA_ERR_RUNTIME,
                 "attempt to index a nil value (global 'debug')");
    expect_error(RUN("return string.dump(run)"), HK_LUA_ERR_RUNTIME,
                 "attempt to call a nil value (field 'dump')");
    expect_error(RUN("dofile('/etc/passwd')"), HK_LUA_ERR_RUNTIME,
                 "global 'dofile'");
    expect_error(RUN("loadfile('/etc/passwd')"), HK_LUA_ERR_RUNTIME,
                 "global 'loadfile'");
    expect_error(RUN("collectgarbage()"), HK_LUA_ERR_RUNTIME,
                 "global 'collectgarbage'");
    expect_error(RUN("print('x')"), HK_LUA_ERR_RUNTIME, "global 'print'");
    expect_error(RUN("warn('x')"), HK_LUA_ERR_RUNTIME, "global 'warn'");
}

static void test_binary_chunk(void **state)
{
    (void)state;
    expect_error(RUN("local f, err = load("
                     "'\\27LuaT\\0\\25\\147\\r\\n\\26\\n')\n"
                     "error(err)"),
                 HK_LUA_ERR_RUNTIME, "binary chunk");
    expect_error(RUN("local f, err = load('return 1', 'x', 'b')\n"
                     "error(err)"),
                 HK_LUA_ERR_RUNTIME, "binary chunks are not allowed");
    expect_error(RUN("load(function() return nil end)"), HK_LUA_ERR_RUNTIME,
                 "only a string chunk is allowed");
    /* Text chunks work and see the sandbox. */
    struct hk_lua_result res;
    run(RUN("assert(load('return hawk ~= nil and io == nil')())\n"
            "local env = {x = 5}\n"
            "assert(load('return x', 'c', 't', env)() == 5)"),
        &res);
    assert_int_equal(res.status, HK_LUA_OK);
    hk_lua_result_clear(&res);
}

static void test_string_metatable(void **state)
{
    (void)state;
    expect_error(RUN("getmetatable('').__index = {upper = function() return "
                     "'pwned' end}"),
                 HK_LUA_ERR_RUNTIME, "attempt to modify a read-only table");
    expect_error(RUN("getmetatable('').__index.dump = function() end\n"
                     "rawset(getmetatable(''), '__index', {})"),
                 HK_LUA_ERR_RUNTIME, "attempt to modify a read-only table");
    expect_error(RUN("setmetatable(getmetatable(''), {})"), HK_LUA_ERR_RUNTIME,
                 "cannot change a protected metatable");
    /* The metatable's __index is the sandbox's string table: no dump. */
    struct hk_lua_result res;
    run(RUN("assert(getmetatable('').__index.dump == nil)\n"
            "assert(getmetatable('').__index == string)\n"
            "assert(('x'):upper() == 'X')"),
        &res);
    assert_int_equal(res.status, HK_LUA_OK);
    hk_lua_result_clear(&res);
}

static void test_global_protection(void **state)
{
    (void)state;
    expect_error(RUN("setmetatable(_G, {__index = function() return 1 "
                     "end})"),
                 HK_LUA_ERR_RUNTIME, "cannot change a protected metatable");
    expect_error(RUN("setmetatable(_G, nil)"), HK_LUA_ERR_RUNTIME,
                 "cannot change a protected metatable");
    expect_error(RUN("hawk.apply = function() end"), HK_LUA_ERR_RUNTIME,
                 "attempt to modify a read-only table");
    expect_error(RUN("rawset(hawk, 'apply', function() end)"),
                 HK_LUA_ERR_RUNTIME, "attempt to modify a read-only table");
    expect_error(RUN("hawk.llm.score = nil"), HK_LUA_ERR_RUNTIME,
                 "attempt to modify a read-only table");
    expect_error(RUN("setmetatable(hawk, nil)"), HK_LUA_ERR_RUNTIME,
                 "cannot change a protected metatable");
    expect_error(RUN("return getmetatable(hawk).__index"), HK_LUA_ERR_RUNTIME,
                 "attempt to index a boolean value");
}

static void test_gc_metamethod(void **state)
{
    (void)state;
    expect_error(RUN("setmetatable({}, {__gc = function() while true do end "
                     "end})"),
                 HK_LUA_ERR_RUNTIME, "__gc metamethods are not allowed");
    /* Adding __gc afterwards does not register a finalizer. */
    struct hk_lua_result res;
    run(RUN("local mt = {} local t = setmetatable({}, mt)\n"
            "mt.__gc = function() while true do end end\n"
            "t = nil"),
        &res);
    assert_int_equal(res.status, HK_LUA_OK);
    hk_lua_result_clear(&res);
    assert_next_run_ok();
}

static void test_stray_yield(void **state)
{
    (void)state;
    expect_error("coroutine.yield(1)\nfunction run() end\n", HK_LUA_ERR_RUNTIME,
                 "coroutine.yield called outside a coroutine");
    expect_error(RUN("coroutine.yield('x')"), HK_LUA_ERR_RUNTIME,
                 "coroutine.yield called outside a coroutine");
    /* Coroutines of the script's own work as usual. */
    struct hk_lua_result res;
    run(RUN("local co = coroutine.wrap(function(a)\n"
            "  local b = coroutine.yield(a + 1)\n"
            "  hawk.config()\n"
            "  return b * 2\n"
            "end)\n"
            "assert(co(1) == 2) assert(co(5) == 10)"),
        &res);
    assert_int_equal(res.status, HK_LUA_OK);
    hk_lua_result_clear(&res);
}

static void test_host_calls_everywhere(void **state)
{
    (void)state;
    struct hk_lua_result res;
    run(RUN("local t = {3, 1, 2}\n"
            "table.sort(t, function(a, b) hawk.config() return a < b end)\n"
            "assert(t[1] == 1)\n"
            "local s = ('ab'):gsub('%w', function(c) hawk.config() return "
            "c end)\n"
            "local ok, cfg = pcall(hawk.config)\n"
            "assert(ok and cfg.name == 'default')\n"
            "local jobs = hawk.search{}\n"
            "assert(jobs[1].description == 'a fine job')\n"
            "assert(rawget(jobs[1], 'description') == 'a fine job')"),
        &res);
    if (res.status != HK_LUA_OK)
        fail_msg("%s", res.error);
    assert_int_equal(fh.descriptions, 1);
    hk_lua_result_clear(&res);
}

/* ------------------------------------------------------------------------
 * API errors
 * --------------------------------------------------------------------- */

static void test_api_argument_errors(void **state)
{
    (void)state;
    expect_error(RUN("hawk.search{keyword = 'x'}"), HK_LUA_ERR_RUNTIME,
                 "hawk.search: unknown field 'keyword' (did you mean "
                 "'keywords'?)");
    expect_error(RUN("hawk.search{limit = 'many'}"), HK_LUA_ERR_RUNTIME,
                 "field 'limit' must be an integer");
    expect_error(RUN("hawk.search{remote = 'yes'}"), HK_LUA_ERR_RUNTIME,
                 "field 'remote' must be a boolean, not a string");
    expect_error(RUN("hawk.apply({title = 'x'})"), HK_LUA_ERR_RUNTIME,
                 "hawk.apply: argument #1 is not a job");
    expect_error(RUN("hawk.apply(hawk.search{}[1], {answers = {f = "
                     "function() end}})"),
                 HK_LUA_ERR_RUNTIME,
                 "answers.f: a function value cannot be "
                 "converted");
    expect_error(RUN("local t = {} t.self = t\n"
                     "hawk.state.set('k', t)"),
                 HK_LUA_ERR_RUNTIME, "nested too deeply");
    expect_error(RUN("hawk.state.set(42, 1)"), HK_LUA_ERR_RUNTIME,
                 "key must be a string");
    expect_error(RUN("hawk.log({})"), HK_LUA_ERR_RUNTIME,
                 "message must be a string");
}

static void test_apply_daily_limit(void **state)
{
    (void)state;
    struct hk_lua_result res;
    run(RUN("local jobs = hawk.search{}\n"
            "for i = 1, 10 do hawk.apply(jobs[1]) end"),
        &res);
    assert_int_equal(res.status, HK_LUA_ERR_RUNTIME);
    assert_non_null(
        strstr(res.error, "plan limit applications_per_day reached (5/5)"));
    assert_int_equal(res.error_line, 3);
    assert_int_equal(res.counts.applied, 5);
    hk_lua_result_clear(&res);
    assert_next_run_ok();
}

static void test_state_cap(void **state)
{
    (void)state;
    struct hk_lua_result res;
    run(RUN("hawk.state.set('seen', 12)\n"
            "assert(hawk.state.get('seen') == 12)\n"
            "hawk.state.set('big', ('x'):rep(1000))"),
        &res);
    assert_int_equal(res.status, HK_LUA_ERR_RUNTIME);
    assert_non_null(strstr(res.error, "hawk.state.set: state would use"));
    hk_lua_result_clear(&res);
    /* Nothing past the cap was stored. */
    assert_false(json_object_object_get_ex(fh.state, "big", NULL));
    assert_true(json_object_object_get_ex(fh.state, "seen", NULL));
    assert_next_run_ok();
}

/* ------------------------------------------------------------------------
 * Check and next_run modes
 * --------------------------------------------------------------------- */

static void test_check_mode(void **state)
{
    (void)state;
    struct hk_lua_limits l = small_limits();
    struct hk_lua_result res;
    run_mode("-- a workflow\n"
             "schedule = { cron = '30 8 * * 1-5', tz = 'Europe/Berlin',\n"
             "             max_per_day = 20 }\n"
             "function run() hawk.search{} end\n",
             HK_LUA_MODE_CHECK, &l, &res);
    assert_int_equal(res.status, HK_LUA_OK);
    assert_true(res.has_run);
    assert_false(res.has_next_run);
    assert_int_equal(res.schedule_line, 2);
    assert_non_null(res.schedule);
    json_object *v = NULL;
    assert_true(json_object_object_get_ex(res.schedule, "cron", &v));
    assert_string_equal(json_object_get_string(v), "30 8 * * 1-5");
    assert_int_equal(fh.calls, 0);
    hk_lua_result_clear(&res);

    /* Host calls are refused while the script is being loaded. */
    run_mode("local jobs = hawk.search{}\nfunction run() end\n",
             HK_LUA_MODE_CHECK, &l, &res);
    assert_int_equal(res.status, HK_LUA_ERR_RUNTIME);
    assert_non_null(strstr(res.error, "test:1: hawk.search cannot be called "
                                      "while the script is being loaded"));
    assert_int_equal(fh.calls, 0);
    hk_lua_result_clear(&res);

    run_mode("schedule = 'daily'\nfunction run() end\n", HK_LUA_MODE_CHECK, &l,
             &res);
    assert_int_equal(res.status, HK_LUA_ERR_RUNTIME);
    assert_non_null(strstr(res.error, "test:1: schedule must be a table"));
    hk_lua_result_clear(&res);
}

static void test_next_run_mode(void **state)
{
    (void)state;
    struct hk_lua_limits l = small_limits();
    struct hk_lua_result res;
    run_mode("function next_run(now) return now + 3600 end\n"
             "function run() end\n",
             HK_LUA_MODE_NEXT_RUN, &l, &res);
    assert_int_equal(res.status, HK_LUA_OK);
    assert_true(res.next_run_set);
    assert_int_equal(res.next_run, 1700000000 + 3600);
    hk_lua_result_clear(&res);

    run_mode("function next_run(now) return nil end\nfunction run() end\n",
             HK_LUA_MODE_NEXT_RUN, &l, &res);
    assert_int_equal(res.status, HK_LUA_OK);
    assert_false(res.next_run_set);
    hk_lua_result_clear(&res);

    run_mode("function next_run(now) return 'soon' end\nfunction run() end\n",
             HK_LUA_MODE_NEXT_RUN, &l, &res);
    assert_int_equal(res.status, HK_LUA_ERR_RUNTIME);
    assert_non_null(strstr(res.error, "next_run must return epoch seconds"));
    hk_lua_result_clear(&res);

    run_mode("function next_run(now) while true do end end\n"
             "function run() end\n",
             HK_LUA_MODE_NEXT_RUN, &l, &res);
    assert_int_equal(res.status, HK_LUA_ERR_LIMIT);
    hk_lua_result_clear(&res);
}

static void test_safe_os(void **state)
{
    (void)state;
    struct hk_lua_result res;
    run(RUN("assert(os.date('!%Y-%m-%d', 0) == '1970-01-01')\n"
            "assert(type(os.time()) == 'number')\n"
            "assert(type(os.clock()) == 'number')\n"
            "assert(os.difftime(2, 1) == 1)\n"
            "local d = os.date('!*t', 86400) assert(d.day == 2)"),
        &res);
    if (res.status != HK_LUA_OK)
        fail_msg("%s", res.error);
    hk_lua_result_clear(&res);
    expect_error(RUN("return os.date('%Ez')"), HK_LUA_ERR_RUNTIME,
                 "invalid conversion specifier");
    expect_error(RUN("return os.date(('%c'):rep(200))"), HK_LUA_ERR_RUNTIME,
                 "format longer than 256 bytes");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ok_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_error_traceback, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_missing_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_infinite_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_infinite_loop_line, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_wall_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pcall_cannot_swallow, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unbounded_allocation, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_memory_error_not_swallowed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_string_rep_bombs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catastrophic_patterns, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_patterns_still_work, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_deep_recursion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_call_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sleep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_line_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_move_spin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sort_charged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_shifts_charged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_error_lines, setup, teardown),
        cmocka_unit_test(test_error_named),
        cmocka_unit_test_setup_teardown(test_removed_globals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binary_chunk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_metatable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_global_protection, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_gc_metamethod, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stray_yield, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_calls_everywhere, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_api_argument_errors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_apply_daily_limit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_state_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_next_run_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_safe_os, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
