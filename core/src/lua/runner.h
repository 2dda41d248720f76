/*
 * lua/runner.h - runs one workflow script in a fresh sandbox.
 *
 * The interface is process-agnostic: a run is described by a job (source,
 * mode, limits: plain data), everything the script asks of the host is a
 * host call (a name and JSON arguments, answered with JSON), and the run
 * ends with a result (plain data plus JSON).  Today the runner executes
 * in the calling thread and answers host calls through `struct
 * hk_lua_host` directly; moving the Lua side into pre-forked worker
 * processes only means carrying these three messages over a socket.
 *
 * The script runs as a coroutine.  A host call made from the script's
 * main coroutine yields to the runner, which performs it and resumes;
 * one made where yielding is impossible (inside a sort comparator, a
 * gsub callback, a coroutine the script created) is performed in place
 * through the same dispatch.
 */
#ifndef HK_LUA_RUNNER_H
#define HK_LUA_RUNNER_H

#include <json-c/json.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "lua/lua.h"
#include "lua/sandbox.h"

enum hk_lua_mode {
    /* Top level, then run(): the real thing. */
    HK_LUA_MODE_RUN = 1,
    /* Top level only (host calls refused), then read `schedule`,
     * `run` and `next_run`: what saving and `workflow check` do. */
    HK_LUA_MODE_CHECK,
    /* Top level (host calls refused), then next_run(now). */
    HK_LUA_MODE_NEXT_RUN
};

/* One request from the script to the host. */
struct hk_lua_hostcall {
    const char *fn;      /* "search", "llm.score", "state.set", ... */
    json_object *args;   /* JSON array of the arguments; borrowed */
    json_object *result; /* set by the host on success; NULL means nil.
                          * The runner takes ownership. */
    char error[256];     /* on failure: the Lua error message */
};

/* The host side of a run. */
struct hk_lua_host {
    void *ctx;
    /* Answers one call within timeout_ms (the run's remaining wall
     * time).  Returns 0, or a negative HAWK_E* with hc->error set, which
     * the script sees as a Lua error carrying that message. */
    int (*call)(void *ctx, struct hk_lua_hostcall *hc, int64_t timeout_ms);
    /* Optional: each log line as the script writes it. */
    void (*on_log)(void *ctx, const char *level, const char *msg,
                   const char *fields_json);
};

struct hk_lua_job {
    enum hk_lua_mode mode;
    const char *source; /* borrowed for the run */
    size_t source_len;
    const char *chunkname; /* "workflow:12" or a file name; borrowed */
    struct hk_lua_limits limits;
    bool dry_run;              /* exposed to the script as hawk.dry_run */
    int64_t now;               /* NEXT_RUN: next_run's argument, epoch s */
    const atomic_bool *cancel; /* may be NULL */
    /* Log lines go to host->on_log only, res->log stays empty and gets
     * no summary line (the sandbox process: hawk keeps the lines). */
    bool stream_log;
    /* Offer hawk._test_crash() and hawk._test_spin(s) (tests of the
     * sandbox processes only). */
    bool test_hooks;
};

enum hk_lua_status {
    HK_LUA_OK = 0,
    HK_LUA_ERR_SYNTAX,  /* the script does not compile */
    HK_LUA_ERR_RUNTIME, /* a Lua error (including a missing run()) */
    HK_LUA_ERR_LIMIT    /* a limit tripped; `limit` says which */
};

struct hk_lua_counts {
    int64_t searched; /* jobs returned by hawk.search */
    int64_t skipped;  /* hawk.skip calls and refused applications */
    int64_t scored;   /* hawk.llm.score calls */
    int64_t applied;  /* applications recorded (incl. dry-run/review) */
};

struct hk_lua_result {
    enum hk_lua_status status;
    enum hk_lua_kill limit; /* for HK_LUA_ERR_LIMIT */
    char *error;            /* "workflow:12:5: message"; hk_free */
    char *traceback;        /* error + Lua traceback; hk_free */
    int error_line;         /* 0 when unknown */
    struct hk_lua_counts counts;
    int64_t instructions;
    int64_t mem_peak;
    int64_t host_calls;
    int64_t duration_ms;
    json_object *log;    /* [{"time","level","msg","fields"}] */
    int64_t log_dropped; /* lines not kept (line or byte limit) */
    int64_t log_cut;     /* lines kept shortened */
    /* CHECK mode */
    json_object *schedule; /* `schedule` as JSON, NULL when absent */
    int schedule_line;     /* line of `schedule =`, 0 when not found */
    bool has_run;
    bool has_next_run;
    /* NEXT_RUN mode */
    bool next_run_set; /* false: next_run returned nil */
    int64_t next_run;  /* epoch seconds */
};

/* Runs job, answering host calls through host (borrowed; may be NULL in
 * CHECK and NEXT_RUN modes).  Returns 0 when the script ran (successfully
 * or not: see res->status), or HAWK_ENOMEM when no state could be
 * created.  res is always initialised; release it with
 * hk_lua_result_clear(). */
int hk_lua_run(const struct hk_lua_job *job, const struct hk_lua_host *host,
               struct hk_lua_result *res);

/* Appends the "N log lines dropped" line to res->log when lines were
 * dropped or cut. */
void hk_lua_result_log_summary(struct hk_lua_result *res,
                               const struct hk_lua_limits *lim);

/* msg with Lua's leading "workflow:31:3:" (chunk "workflow:31") said in
 * words: "daily_apply (workflow 31), line 3:"; chunk "workflow:new" gives
 * "daily_apply (new workflow), line 3:".  Other messages are copied.
 * name may be NULL.  Caller hk_free()s; NULL when msg is NULL. */
char *hk_lua_error_named(const char *chunk, const char *name, const char *msg);

/* Frees what res owns; accepts a zeroed result. */
void hk_lua_result_clear(struct hk_lua_result *res);

/* ---- internal to lua/: the live run, for the hawk.* bindings ---- */

struct hk_lua_run {
    struct hk_lua_sandbox *sb;
    const struct hk_lua_job *job;
    const struct hk_lua_host *host;
    struct hk_lua_result *res;

    /* The host call in flight (yield path) or just answered. */
    struct {
        const char *fn;
        json_object *args;   /* owned until the next call / run end */
        json_object *result; /* owned until the next call / run end */
        int rc;
        char error[256];
        bool waiting; /* yielded, runner must perform it */
    } pending;
    int64_t n_log;     /* lines kept */
    int64_t log_bytes; /* their bytes */
};

/* The run of a state. */
struct hk_lua_run *hk_lua_run_of(lua_State *L);

/* Performs (or yields to perform) host call fn with args (ownership
 * taken), then continues in k with status LUA_OK or LUA_YIELD; k finds
 * the answer with hk_lua_call_result().  Must be the last thing a hawk.*
 * C function does ("return hk_lua_call(...)"). */
int hk_lua_call(lua_State *L, const char *fn, json_object *args,
                lua_KFunction k, lua_KContext kctx);

/* In k: the host's answer (borrowed; NULL for nil).  Raises the host's
 * error, or the kill, when the call failed. */
json_object *hk_lua_call_result(lua_State *L);

/* Appends a log line to the run (and streams it to host->on_log). */
void hk_lua_run_log(struct hk_lua_run *run, const char *level, const char *msg,
                    json_object *fields);

#endif
