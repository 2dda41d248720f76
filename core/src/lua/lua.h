/*
 * lua/lua.h - Lua 5.4 workflows: the public entry points of the module.
 *
 * A workflow is a user's Lua script.  Its top level declares data
 * (`schedule = {...}`, optionally `function next_run(now)`) and a
 * `function run()` that does the work through the `hawk` table.  Every
 * run gets a fresh sandboxed lua_State (lua/sandbox.h) driven by the
 * runner (lua/runner.h); host services are reached only through named
 * host calls answered by lua/host.c.
 *
 * What main.c wires:
 *   hk_lua_routes(router)        at serve start-up, with the other routes
 *   hk_lua_queue_register(app)   once the queue exists (serve and worker)
 *   hk_lua_cli(app, argc, argv)  for `hawk workflow ...` (argv from
 *                                "check" / "run")
 */
#ifndef HK_LUA_H
#define HK_LUA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hk_app;
struct hk_config;
struct hk_router;

/* Per-run limits.  Every one that trips ends the run with an error naming
 * it, which pcall/xpcall/coroutines inside the script cannot swallow. */
struct hk_lua_limits {
    int64_t max_instructions; /* VM instructions (and pattern steps) */
    int64_t max_memory;       /* bytes held by the state */
    int64_t max_wall_ms;      /* whole run, host calls and sleeps included */
    int64_t max_host_calls;   /* hawk.* calls that reach the host */
    int64_t max_source;       /* bytes of script source (and of load()) */
    int64_t max_sleep_ms;     /* one hawk.sleep() */
    int64_t state_max;        /* per-user hawk.state bytes, keys + values */
    int64_t max_log_lines;    /* hawk.log lines kept per run */
    int64_t max_log_bytes;    /* bytes of log (messages + fields) per run */
    int64_t max_output;       /* bytes a run hands the host in all */
};

/* Fills the built-in defaults (the values documented in
 * etc/hawk.cfg.example). */
void hk_lua_limits_default(struct hk_lua_limits *l);

/* Reads the `lua.*` keys of a loaded config; keys missing from the schema
 * keep their defaults.  cfg is borrowed. */
void hk_lua_limits_from_config(const struct hk_config *cfg,
                               struct hk_lua_limits *l);

/* Registers /api/v1/workflows... and
 * POST /api/v1/job-applications/{id}/approve|reject on r (borrowed). */
void hk_lua_routes(struct hk_router *r);

/* Registers the `workflow_run` job kind with app->queue.  Returns 0, or a
 * negative HAWK_E* when the queue refuses the registration. */
int hk_lua_queue_register(struct hk_app *app);

/* `hawk workflow check FILE` and `hawk workflow run FILE --user EMAIL
 * [--dry-run]`: argv[0] is "check" or "run".  `check` needs no database;
 * `run` needs app->db and app->plugins.  Returns a process exit code
 * (0 ok, 1 script error, 2 usage). */
int hk_lua_cli(struct hk_app *app, int argc, char **argv);

#endif
