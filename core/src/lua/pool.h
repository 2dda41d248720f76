/*
 * lua/pool.h - a pool of sandbox processes that workflows run in.
 *
 * Every run of a script (the save-time check, runs, next_run(), dry runs,
 * the CLI) goes to a hawk-sandbox process (lua/sandbox_exe.c): a separate
 * executable started with an empty environment and only its socket, that
 * confines itself with rlimits, PR_SET_NO_NEW_PRIVS and a seccomp filter.
 * hawk keeps the host side: it answers the run's host calls (the same
 * struct hk_lua_host as in-process runs), keeps its log lines, and kills
 * the process when the run overruns its wall-clock limit, when the run is
 * cancelled, or when it misbehaves.  A crash, an out-of-memory, a
 * CPU-limit kill or a timeout ends that run only, with a message naming
 * what happened; the process is replaced.  A process serves at most
 * max_runs runs, then a fresh one takes its place.
 *
 * Thread-safe: any number of threads may run jobs at once; at most
 * `processes` run at the same time, the others wait for a free process.
 */
#ifndef HK_LUA_POOL_H
#define HK_LUA_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lua/runner.h"

struct hk_config;
struct hk_lua_pool;

/* Time a sandbox may run past its wall-clock limit before hawk kills it:
 * enough for the process to end the run itself and report, with its
 * traceback. */
#define HK_LUA_POOL_GRACE_MS 50

struct hk_lua_pool_opts {
    const char *path;      /* hawk-sandbox; NULL or "": looked up */
    int processes;         /* at most this many at once, >= 1 */
    int prefork;           /* started (and checked) by hk_lua_pool_new */
    int max_runs;          /* runs of one process before a fresh one */
    int64_t address_space; /* RLIMIT_AS of each process; 0: none */
    bool test_hooks;       /* hawk._test_crash() and friends exist */
};

/* Fills o from the `lua.sandbox_*` config keys (cfg borrowed; NULL:
 * defaults).  o->path borrows from cfg.  HAWK_LUA_TEST_HOOKS=1 in the
 * environment turns on the test hooks. */
void hk_lua_pool_opts_from_config(const struct hk_config *cfg,
                                  struct hk_lua_pool_opts *o);

/* Creates a pool and starts o->prefork processes, waiting until each is
 * confined and ready.  Without o->path the executable is $HAWK_LUA_SANDBOX,
 * else hawk-sandbox beside the running executable, else
 * ../libexec/hawk/hawk-sandbox from there.  Returns 0 with *out (free
 * with hk_lua_pool_free), or HAWK_ECONFIG / HAWK_EUNAVAIL with err set
 * ("cannot start the sandbox process /x/hawk-sandbox: ..."). */
int hk_lua_pool_new(const struct hk_lua_pool_opts *o, struct hk_lua_pool **out,
                    char *err, size_t errlen);

/* Stops every idle process (busy ones are killed) and frees the pool.
 * No run may be in progress.  Accepts NULL. */
void hk_lua_pool_free(struct hk_lua_pool *p);

/* Runs job in a sandbox process; same contract as hk_lua_run().  Also
 * returns HAWK_EUNAVAIL when no process could be started or none became
 * free within the job's wall-clock limit (res then says so). */
int hk_lua_pool_run(struct hk_lua_pool *p, const struct hk_lua_job *job,
                    const struct hk_lua_host *host, struct hk_lua_result *res);

/* Runs job in pool p, or in the calling thread when p is NULL (tests,
 * benchmarks). */
int hk_lua_exec(struct hk_lua_pool *p, const struct hk_lua_job *job,
                const struct hk_lua_host *host, struct hk_lua_result *res);

struct hk_lua_pool_stats {
    int64_t started;  /* processes started */
    int64_t replaced; /* ended after a crash, a kill or a protocol error */
    int live;         /* processes now */
    int busy;         /* of which running a job */
};

/* A snapshot of the counters. */
void hk_lua_pool_stats(struct hk_lua_pool *p, struct hk_lua_pool_stats *st);

/* Process ids of the busy processes into pids (at most n); returns how
 * many.  For tests that kill a sandbox from outside. */
int hk_lua_pool_busy_pids(struct hk_lua_pool *p, int *pids, int n);

#endif
