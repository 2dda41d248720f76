/*
 * lua/runner.c - drives one run: sandbox, load, top level, run() (or
 * next_run()), host calls, errors with tracebacks, the result.
 *
 * Everything that may allocate inside the Lua state runs either under
 * lua_resume (the script) or under lua_pcall (the runner's own steps), so
 * hitting the memory cap anywhere is an ordinary error, never a panic.
 */
#include "lua/runner.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hawk/plugin.h"
#include "lua/api.h"
#include "lua/ljson.h"
#include "util/alloc.h"
#include "util/time.h"

/* Registry key of the thread running the current phase. */
static const char co_key = 'c';

/* Longest log message kept; longer ones are cut. */
#define LOG_MSG_MAX 4096

/* Longest log line: message plus its fields as JSON text. */
#define LOG_LINE_MAX (16 * 1024)

/* Bytes counted per line besides message and fields (time, level). */
#define LOG_LINE_OVERHEAD 64

/* See lua/runner.h. */
struct hk_lua_run *hk_lua_run_of(lua_State *L)
{
    return hk_lua_sandbox_of(L)->runner;
}

static void pending_reset(struct hk_lua_run *run)
{
    json_object_put(run->pending.args);
    json_object_put(run->pending.result);
    memset(&run->pending, 0, sizeof(run->pending));
}

/* ------------------------------------------------------------------------
 * Host calls
 * --------------------------------------------------------------------- */

static void perform(struct hk_lua_run *run)
{
    struct hk_lua_sandbox *sb = run->sb;
    const struct hk_lua_host *host = run->host;
    run->pending.rc = 0;
    run->pending.error[0] = '\0';
    if (run->job->mode != HK_LUA_MODE_RUN || host == NULL ||
        host->call == NULL) {
        run->pending.rc = HAWK_EPERM;
        snprintf(run->pending.error, sizeof(run->pending.error),
                 "hawk.%s cannot be called while the script is being "
                 "loaded; call it from run()",
                 run->pending.fn);
        return;
    }
    if (hk_lua_sandbox_expired(sb)) {
        run->pending.rc = HAWK_ECANCELED;
        return;
    }
    if (++sb->host_calls > sb->lim.max_host_calls) {
        hk_lua_sandbox_kill(sb, HK_LUA_KILL_HOST_CALLS);
        run->pending.rc = HAWK_ECANCELED;
        return;
    }
    struct hk_lua_hostcall hc = {.fn = run->pending.fn,
                                 .args = run->pending.args};
    int rc = host->call(host->ctx, &hc, hk_lua_sandbox_remaining_ms(sb));
    run->pending.result = hc.result;
    run->pending.rc = rc;
    if (rc < 0) {
        if (hc.error[0] == '\0')
            snprintf(hc.error, sizeof(hc.error), "hawk.%s failed: %s",
                     run->pending.fn, hawk_strerror(rc));
        memcpy(run->pending.error, hc.error, sizeof(run->pending.error));
    }
    /* The wall clock covers time spent in the host. */
    if (hk_lua_sandbox_expired(sb))
        run->pending.rc = HAWK_ECANCELED;
}

/* See lua/runner.h. */
int hk_lua_call(lua_State *L, const char *fn, json_object *args,
                lua_KFunction k, lua_KContext kctx)
{
    struct hk_lua_run *run = hk_lua_run_of(L);
    pending_reset(run);
    run->pending.fn = fn;
    run->pending.args = args;
    if (L == run->sb->main_co && lua_isyieldable(L)) {
        run->pending.waiting = true;
        return lua_yieldk(L, 0, kctx, k);
    }
    perform(run);
    return k(L, LUA_OK, kctx);
}

/* See lua/runner.h. */
json_object *hk_lua_call_result(lua_State *L)
{
    struct hk_lua_run *run = hk_lua_run_of(L);
    if (run->sb->killed != HK_LUA_KILL_NONE)
        hk_lua_sandbox_raise_kill(L);
    if (run->pending.rc < 0)
        luaL_error(L, "%s", run->pending.error);
    return run->pending.result;
}

/* ------------------------------------------------------------------------
 * Log
 * --------------------------------------------------------------------- */

/* See lua/runner.h. */
void hk_lua_run_log(struct hk_lua_run *run, const char *level, const char *msg,
                    json_object *fields)
{
    struct hk_lua_result *res = run->res;
    const struct hk_lua_limits *lim = &run->job->limits;
    if (run->n_log >= lim->max_log_lines) {
        res->log_dropped++;
        json_object_put(fields);
        return;
    }
    size_t len = strlen(msg);
    if (len > LOG_MSG_MAX) {
        len = LOG_MSG_MAX;
        /* Never cut inside a UTF-8 sequence. */
        while (len > 0 && ((unsigned char)msg[len] & 0xC0) == 0x80)
            len--;
    }
    /* A line is bounded as a whole: fields that do not fit beside the
     * message are replaced by their size. */
    size_t flen = 0;
    const char *ftext = NULL;
    if (fields != NULL) {
        ftext = json_object_to_json_string_ext(fields, JSON_C_TO_STRING_PLAIN);
        flen = strlen(ftext);
    }
    bool cut = len < strlen(msg);
    if (fields != NULL && len + flen > LOG_LINE_MAX) {
        json_object *f = json_object_new_object();
        json_object_object_add(f, "fields_cut_bytes",
                               json_object_new_int64((int64_t)flen));
        json_object_put(fields);
        fields = f;
        ftext = json_object_to_json_string_ext(fields, JSON_C_TO_STRING_PLAIN);
        flen = strlen(ftext);
        cut = true;
    }
    size_t bytes = len + flen + LOG_LINE_OVERHEAD;
    if (run->log_bytes + (int64_t)bytes > lim->max_log_bytes) {
        res->log_dropped++;
        json_object_put(fields);
        return;
    }
    /* The host keeps the line until the run ends: it counts against the
     * run's memory and output limits like the state's own memory. */
    if (!hk_lua_sandbox_output(run->sb, bytes, true)) {
        json_object_put(fields);
        return;
    }
    run->log_bytes += (int64_t)bytes;
    run->n_log++;
    if (cut)
        res->log_cut++;
    if (run->host != NULL && run->host->on_log != NULL) {
        char *m = hk_strndup(msg, len);
        run->host->on_log(run->host->ctx, level, m, ftext);
        hk_free(m);
    }
    if (run->job->stream_log) {
        json_object_put(fields);
        return;
    }
    char tbuf[32];
    hk_time_rfc3339(hk_wall_ms(), tbuf, sizeof(tbuf));
    json_object *line = json_object_new_object();
    json_object_object_add(line, "time", json_object_new_string(tbuf));
    json_object_object_add(line, "level", json_object_new_string(level));
    json_object_object_add(line, "msg",
                           json_object_new_string_len(msg, (int)len));
    if (fields != NULL)
        json_object_object_add(line, "fields", fields);
    json_object_array_add(res->log, line);
}

/* See lua/runner.h. */
void hk_lua_result_log_summary(struct hk_lua_result *res,
                               const struct hk_lua_limits *lim)
{
    if (res->log_dropped <= 0 && res->log_cut <= 0)
        return;
    char msg[200];
    if (res->log_dropped > 0 && res->log_cut > 0)
        snprintf(msg, sizeof(msg),
                 "%lld log lines dropped, %lld cut (limits: %lld lines and "
                 "%lld bytes per run, %d bytes per line)",
                 (long long)res->log_dropped, (long long)res->log_cut,
                 (long long)lim->max_log_lines, (long long)lim->max_log_bytes,
                 LOG_LINE_MAX);
    else if (res->log_dropped > 0)
        snprintf(msg, sizeof(msg),
                 "%lld log lines dropped (limits: %lld lines and %lld bytes "
                 "per run)",
                 (long long)res->log_dropped, (long long)lim->max_log_lines,
                 (long long)lim->max_log_bytes);
    else
        snprintf(msg, sizeof(msg),
                 "%lld log lines cut (limit: %d bytes per line)",
                 (long long)res->log_cut, LOG_LINE_MAX);
    json_object *line = json_object_new_object();
    char tbuf[32];
    hk_time_rfc3339(hk_wall_ms(), tbuf, sizeof(tbuf));
    json_object_object_add(line, "time", json_object_new_string(tbuf));
    json_object_object_add(line, "level", json_object_new_string("warn"));
    json_object_object_add(line, "msg", json_object_new_string(msg));
    json_object_array_add(res->log, line);
}

/* ------------------------------------------------------------------------
 * Protected steps
 * --------------------------------------------------------------------- */

/* Installs the API and compiles the chunk into a fresh thread.  Returns
 * nothing on success, or the syntax error message. */
static int p_load(lua_State *L)
{
    struct hk_lua_run *run = lua_touserdata(L, 1);
    const struct hk_lua_job *job = run->job;
    hk_lua_api_install(L, run);
    lua_pushfstring(L, "=%s", job->chunkname);
    const char *name = lua_tostring(L, -1);
    int status =
        hk_lua_sandbox_load(run->sb, L, job->source, job->source_len, name);
    if (status != LUA_OK) {
        if (status == LUA_ERRMEM)
            return lua_error(L);
        return 1;
    }
    lua_State *co = lua_newthread(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &co_key);
    lua_xmove(L, co, 1);
    return 0;
}

/* Prepares the second phase: run() or next_run(now) in a new thread.
 * Returns an error message when the function is missing. */
static int p_phase2(lua_State *L)
{
    struct hk_lua_run *run = lua_touserdata(L, 1);
    const char *fname = run->job->mode == HK_LUA_MODE_RUN ? "run" : "next_run";
    lua_pushglobaltable(L);
    lua_getfield(L, -1, fname);
    if (lua_type(L, -1) != LUA_TFUNCTION) {
        lua_pushfstring(L, "workflow defines no %s() function", fname);
        return 1;
    }
    lua_State *co = lua_newthread(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &co_key);
    lua_xmove(L, co, 1);
    if (run->job->mode == HK_LUA_MODE_NEXT_RUN)
        lua_pushinteger(co, (lua_Integer)run->job->now);
    return 0;
}

/* Reads what a CHECK needs from the globals.  Returns an error message
 * when `schedule` cannot be converted. */
static int p_inspect(lua_State *L)
{
    struct hk_lua_run *run = lua_touserdata(L, 1);
    struct hk_lua_result *res = run->res;
    lua_pushglobaltable(L);
    int g = lua_gettop(L);
    lua_getfield(L, g, "run");
    res->has_run = lua_type(L, -1) == LUA_TFUNCTION;
    lua_getfield(L, g, "next_run");
    res->has_next_run = lua_type(L, -1) == LUA_TFUNCTION;
    lua_getfield(L, g, "schedule");
    int t = lua_type(L, -1);
    if (t == LUA_TNIL)
        return 0;
    if (t != LUA_TTABLE) {
        lua_pushfstring(L, "schedule must be a table, not a %s",
                        lua_typename(L, t));
        return 1;
    }
    char err[256];
    json_object *j = NULL;
    if (hk_lua_to_json(L, -1, &j, err, sizeof(err)) < 0) {
        lua_pushfstring(L, "schedule.%s", err);
        return 1;
    }
    res->schedule = j;
    return 0;
}

/* Pushes "chunk:LINE: " for the innermost frame of co that runs Lua code
 * (preferring the workflow's own chunk), or "" when there is none. */
static void push_where(lua_State *L, lua_State *co, const char *chunkname)
{
    lua_Debug ar;
    int first = -1;
    for (int level = 0; lua_getstack(co, level, &ar); level++) {
        lua_getinfo(co, "Sl", &ar);
        if (ar.currentline <= 0)
            continue;
        if (strcmp(ar.short_src, chunkname) == 0) {
            lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
            return;
        }
        if (first < 0)
            first = level;
    }
    if (first >= 0 && lua_getstack(co, first, &ar)) {
        lua_getinfo(co, "Sl", &ar);
        lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
        return;
    }
    lua_pushliteral(L, "");
}

/* True when msg already starts with "chunk:" (Lua added the position). */
static bool has_where(const char *msg, const char *chunkname)
{
    size_t n = strlen(chunkname);
    return strncmp(msg, chunkname, n) == 0 && msg[n] == ':';
}

/* Builds "where: message" and the traceback for a failed thread; pushes
 * both strings.  Every message names the script line: a kill, an error
 * object that is not a string, and errors raised by C functions (a yield
 * across a C-call boundary, os.date's conversion errors) get the line
 * of the innermost running Lua code. */
static int p_describe_error(lua_State *L)
{
    struct hk_lua_run *run = lua_touserdata(L, 1);
    lua_State *co = lua_tothread(L, 2);
    struct hk_lua_sandbox *sb = run->sb;
    const char *chunk = run->job->chunkname;
    if (sb->killed != HK_LUA_KILL_NONE) {
        push_where(L, co, chunk);
        lua_pushfstring(L, "%s%s", lua_tostring(L, -1), sb->kill_msg);
    } else if (lua_type(co, -1) == LUA_TSTRING) {
        const char *m = lua_tostring(co, -1);
        if (has_where(m, chunk)) {
            lua_pushstring(L, m);
        } else {
            push_where(L, co, chunk);
            lua_pushfstring(L, "%s%s", lua_tostring(L, -1), m);
        }
    } else {
        push_where(L, co, chunk);
        lua_pushfstring(L, "%s(error object is a %s value)",
                        lua_tostring(L, -1), luaL_typename(co, -1));
    }
    const char *msg = lua_tostring(L, -1);
    luaL_traceback(L, co, msg, 0);
    lua_pushstring(L, msg);
    lua_insert(L, -2);
    return 2;
}

/* Reads next_run()'s return value (on the thread) into the result. */
static int p_next_run_value(lua_State *L)
{
    struct hk_lua_run *run = lua_touserdata(L, 1);
    lua_State *co = lua_tothread(L, 2);
    int n = (int)lua_tointeger(L, 3);
    struct hk_lua_result *res = run->res;
    if (n == 0 || lua_type(co, -n) == LUA_TNIL) {
        res->next_run_set = false;
        return 0;
    }
    int isnum = 0;
    lua_Number v = lua_tonumberx(co, -n, &isnum);
    if (!isnum || lua_type(co, -n) != LUA_TNUMBER || v != v || v < 0 ||
        v > 253402300799.0) {
        lua_pushfstring(L,
                        "next_run must return epoch seconds or nil, "
                        "not a %s",
                        luaL_typename(co, -n));
        return 1;
    }
    res->next_run_set = true;
    res->next_run = (int64_t)v;
    return 0;
}

/* ------------------------------------------------------------------------
 * Driving
 * --------------------------------------------------------------------- */

static char *dup_top(lua_State *L, int idx)
{
    size_t n = 0;
    const char *s = lua_tolstring(L, idx, &n);
    return s != NULL ? hk_strndup(s, n) : hk_strdup("");
}

/* Line number from "chunk:LINE: message". */
static int error_line(const char *chunk, const char *msg)
{
    size_t n = strlen(chunk);
    if (strncmp(msg, chunk, n) != 0 || msg[n] != ':')
        return 0;
    const char *p = msg + n + 1;
    int line = 0;
    while (isdigit((unsigned char)*p) && line < 100000000)
        line = line * 10 + (*p++ - '0');
    return *p == ':' ? line : 0;
}

/* Runs a protected step with the run as argument 1 and up to two more
 * values pushed by the caller.  Returns the lua_pcall status; nret
 * results (or the error) stay on L. */
static int protected(struct hk_lua_run *run, lua_CFunction fn, int nextra,
                     int nret)
{
    lua_State *L = run->sb->L;
    lua_pushcfunction(L, fn);
    lua_pushlightuserdata(L, run);
    if (nextra > 0) {
        lua_rotate(L, -(nextra + 2), 2);
    }
    return lua_pcall(L, 1 + nextra, nret, 0);
}

static void fail(struct hk_lua_run *run, enum hk_lua_status st, const char *msg,
                 const char *tb)
{
    struct hk_lua_result *res = run->res;
    if (res->error != NULL)
        return;
    res->status = st;
    res->error = hk_strdup(msg);
    res->traceback = hk_strdup(tb != NULL ? tb : msg);
    res->error_line = error_line(run->job->chunkname, msg);
}

/* A failure of a protected runner step: only memory (or a kill) can
 * cause one. */
static void fail_step(struct hk_lua_run *run, int status)
{
    struct hk_lua_sandbox *sb = run->sb;
    if (status == LUA_ERRMEM)
        hk_lua_sandbox_kill(sb, HK_LUA_KILL_MEMORY);
    if (sb->killed != HK_LUA_KILL_NONE) {
        run->res->limit = sb->killed;
        fail(run, HK_LUA_ERR_LIMIT, sb->kill_msg, NULL);
    } else {
        fail(run, HK_LUA_ERR_RUNTIME, "internal error in the Lua runner", NULL);
    }
    lua_settop(sb->L, 0);
}

/* Records the error of a failed thread. */
static void fail_thread(struct hk_lua_run *run, lua_State *co, int status)
{
    struct hk_lua_sandbox *sb = run->sb;
    lua_State *L = sb->L;
    if (status == LUA_ERRMEM)
        hk_lua_sandbox_kill(sb, HK_LUA_KILL_MEMORY);
    lua_pushthread(co);
    lua_xmove(co, L, 1);
    int st = protected(run, p_describe_error, 1, 2);
    if (st != LUA_OK) {
        fail_step(run, st);
        return;
    }
    char *msg = dup_top(L, -2);
    char *tb = dup_top(L, -1);
    lua_settop(L, 0);
    if (sb->killed != HK_LUA_KILL_NONE) {
        run->res->limit = sb->killed;
        fail(run,
             sb->killed == HK_LUA_KILL_STRAY_YIELD ? HK_LUA_ERR_RUNTIME
                                                   : HK_LUA_ERR_LIMIT,
             msg, tb);
    } else {
        fail(run, HK_LUA_ERR_RUNTIME, msg, tb);
    }
    hk_free(msg);
    hk_free(tb);
}

/* Resumes the current phase's thread until it finishes, performing host
 * calls on the way.  Returns true when it finished without error; *nres
 * gets the number of values it returned. */
static bool drive(struct hk_lua_run *run, int nargs, int *nres)
{
    struct hk_lua_sandbox *sb = run->sb;
    lua_State *L = sb->L;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &co_key);
    lua_State *co = lua_tothread(L, -1);
    lua_pop(L, 1);
    sb->main_co = co;
    for (;;) {
        *nres = 0;
        int status = lua_resume(co, L, nargs, nres);
        nargs = 0;
        if (status == LUA_YIELD) {
            if (!run->pending.waiting) {
                /* A bare coroutine.yield() in the script's own main
                 * coroutine: nothing to resume it with. */
                hk_lua_sandbox_kill(sb, HK_LUA_KILL_STRAY_YIELD);
                fail_thread(run, co, status);
                return false;
            }
            lua_pop(co, *nres);
            run->pending.waiting = false;
            perform(run);
            continue;
        }
        if (status == LUA_OK && sb->killed == HK_LUA_KILL_NONE)
            return true;
        fail_thread(run, co, status);
        return false;
    }
}

/* Line of the first `schedule =` assignment in the source, 0 if none. */
static int find_schedule_line(const char *src, size_t len)
{
    int line = 1;
    const char *end = src + len;
    const char *p = src;
    while (p < end) {
        const char *q = p;
        while (q < end && (*q == ' ' || *q == '\t'))
            q++;
        if ((size_t)(end - q) > 8 && memcmp(q, "schedule", 8) == 0) {
            const char *r = q + 8;
            while (r < end && (*r == ' ' || *r == '\t'))
                r++;
            if (r < end && *r == '=' && (r + 1 >= end || r[1] != '='))
                return line;
        }
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            break;
        p = nl + 1;
        line++;
    }
    return 0;
}

static void run_phases(struct hk_lua_run *run)
{
    struct hk_lua_sandbox *sb = run->sb;
    lua_State *L = sb->L;
    const struct hk_lua_job *job = run->job;
    int st = protected(run, p_load, 0, 1);
    if (st != LUA_OK) {
        fail_step(run, st);
        return;
    }
    if (lua_type(L, -1) == LUA_TSTRING) {
        char *msg = dup_top(L, -1);
        fail(run, HK_LUA_ERR_SYNTAX, msg, NULL);
        hk_free(msg);
        lua_settop(L, 0);
        return;
    }
    lua_settop(L, 0);
    int nres = 0;
    if (!drive(run, 0, &nres))
        return;
    if (job->mode == HK_LUA_MODE_CHECK) {
        run->res->schedule_line =
            find_schedule_line(job->source, job->source_len);
        st = protected(run, p_inspect, 0, 1);
        if (st != LUA_OK) {
            fail_step(run, st);
            return;
        }
        if (lua_type(L, -1) == LUA_TSTRING) {
            char *msg =
                hk_asprintf("%s:%d: %s", job->chunkname,
                            run->res->schedule_line, lua_tostring(L, -1));
            fail(run, HK_LUA_ERR_RUNTIME, msg, NULL);
            hk_free(msg);
        }
        lua_settop(L, 0);
        return;
    }
    st = protected(run, p_phase2, 0, 1);
    if (st != LUA_OK) {
        fail_step(run, st);
        return;
    }
    if (lua_type(L, -1) == LUA_TSTRING) {
        char *msg = hk_asprintf("%s: %s", job->chunkname, lua_tostring(L, -1));
        fail(run, HK_LUA_ERR_RUNTIME, msg, NULL);
        hk_free(msg);
        lua_settop(L, 0);
        return;
    }
    lua_settop(L, 0);
    int nargs = job->mode == HK_LUA_MODE_NEXT_RUN ? 1 : 0;
    if (!drive(run, nargs, &nres))
        return;
    if (job->mode == HK_LUA_MODE_NEXT_RUN) {
        lua_pushthread(sb->main_co);
        lua_xmove(sb->main_co, L, 1);
        lua_pushinteger(L, nres);
        st = protected(run, p_next_run_value, 2, 1);
        if (st != LUA_OK) {
            fail_step(run, st);
            return;
        }
        if (lua_type(L, -1) == LUA_TSTRING) {
            char *msg =
                hk_asprintf("%s: %s", job->chunkname, lua_tostring(L, -1));
            fail(run, HK_LUA_ERR_RUNTIME, msg, NULL);
            hk_free(msg);
        }
        lua_settop(L, 0);
    }
}

/* See lua/runner.h. */
int hk_lua_run(const struct hk_lua_job *job, const struct hk_lua_host *host,
               struct hk_lua_result *res)
{
    memset(res, 0, sizeof(*res));
    res->log = json_object_new_array();
    int64_t t0 = hk_mono_ms();
    struct hk_lua_run run = {.job = job, .host = host, .res = res};
    int rc = hk_lua_sandbox_new(&job->limits, job->cancel, &run.sb);
    if (rc < 0) {
        res->status = HK_LUA_ERR_LIMIT;
        res->limit = HK_LUA_KILL_MEMORY;
        res->error = hk_strdup("memory limit too small to create the "
                               "Lua state");
        res->traceback = hk_strdup(res->error);
        return rc;
    }
    run.sb->runner = &run;
    run_phases(&run);
    res->instructions = run.sb->instructions;
    res->mem_peak = (int64_t)run.sb->mem_peak;
    res->host_calls = run.sb->host_calls > run.sb->lim.max_host_calls
                          ? run.sb->lim.max_host_calls
                          : run.sb->host_calls;
    hk_lua_sandbox_free(run.sb);
    pending_reset(&run);
    if (!job->stream_log)
        hk_lua_result_log_summary(res, &job->limits);
    res->duration_ms = hk_mono_ms() - t0;
    return 0;
}

/* See lua/runner.h. */
void hk_lua_result_clear(struct hk_lua_result *res)
{
    hk_free(res->error);
    hk_free(res->traceback);
    json_object_put(res->log);
    json_object_put(res->schedule);
    memset(res, 0, sizeof(*res));
}
