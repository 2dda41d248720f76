/*
 * lua/cli.c - `hawk workflow check FILE` and `hawk workflow run FILE
 * --user EMAIL [--dry-run]`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "db/db.h"
#include "hawk/plugin.h"
#include "lua/host.h"
#include "lua/job.h"
#include "lua/lua.h"
#include "lua/pool.h"
#include "lua/runner.h"
#include "lua/schedule.h"
#include "lua/workflows.h"
#include "platform/platform.h"
#include "platform/plans/plans.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/str.h"
#include "util/time.h"

static void usage(void)
{
    fprintf(stderr, "usage: hawk workflow check FILE [--user EMAIL]\n"
                    "       hawk workflow run FILE --user EMAIL [--dry-run]\n");
}

/* Reads at most max bytes of path; caller frees *out with hk_free. */
static int read_file(const char *path, int64_t max, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
        return HAWK_EIO;
    }
    size_t cap = (size_t)max + 1;
    char *buf = hk_malloc(cap + 1);
    size_t n = fread(buf, 1, cap, f);
    bool err = ferror(f) != 0;
    fclose(f);
    if (err) {
        fprintf(stderr, "%s: cannot read the file\n", path);
        hk_free(buf);
        return HAWK_EIO;
    }
    if ((int64_t)n > max) {
        fprintf(stderr,
                "%s: script is larger than the limit of %lld bytes "
                "(lua.max_source)\n",
                path, (long long)max);
        hk_free(buf);
        return HAWK_ETOOBIG;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* Prints the top level's hawk.log lines, as a run prints its own. */
static void print_log(json_object *log)
{
    size_t nlog = json_object_array_length(log);
    for (size_t i = 0; i < nlog; i++) {
        json_object *l = json_object_array_get_idx(log, i), *m, *f, *lv;
        const char *msg = json_object_object_get_ex(l, "msg", &m)
                              ? json_object_get_string(m)
                              : "";
        const char *lev = json_object_object_get_ex(l, "level", &lv)
                              ? json_object_get_string(lv)
                              : "info";
        const char *ftext =
            json_object_object_get_ex(l, "fields", &f)
                ? json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN)
                : "";
        printf("%-5s %s%s%s\n", lev, msg, ftext[0] ? " " : "", ftext);
    }
}

/* Compiles and validates; fills *sched.  Prints errors as FILE:LINE, and
 * with show_log what the top level logged. */
static int check_file(struct hk_app *app, const char *path, const char *src,
                      size_t len, const struct hk_lua_limits *lim,
                      bool show_log, struct hk_lua_schedule *sched)
{
    struct hk_lua_job job = {.mode = HK_LUA_MODE_CHECK,
                             .source = src,
                             .source_len = len,
                             .chunkname = path,
                             .limits = *lim};
    struct hk_lua_result res;
    int xrc = hk_lua_exec(app->lua_pool, &job, NULL, &res);
    if (show_log)
        print_log(res.log);
    if (xrc < 0 || res.status != HK_LUA_OK) {
        fprintf(stderr, "%s\n", res.error != NULL ? res.error : "cannot run");
        hk_lua_result_clear(&res);
        return 1;
    }
    if (!res.has_run) {
        fprintf(stderr, "%s: workflow defines no run() function\n", path);
        hk_lua_result_clear(&res);
        return 1;
    }
    char err[256];
    int line = res.schedule_line;
    int rc = hk_lua_schedule_parse(res.schedule, res.has_next_run, sched, err,
                                   sizeof(err));
    hk_lua_result_clear(&res);
    if (rc < 0) {
        fprintf(stderr, "%s:%d: %s\n", path, line, err);
        return 1;
    }
    return 0;
}

static int find_user(struct hk_app *app, const char *email, int64_t *id)
{
    struct hk_dbconn *c = NULL;
    int rc = hk_db_acquire(app->db, &c);
    if (rc < 0)
        return rc;
    const char *p[] = {email};
    PGresult *r = NULL;
    rc = hk_db_query(c, "SELECT id FROM users WHERE email = lower($1)", 1, p,
                     &r);
    if (rc == 0) {
        if (PQntuples(r) == 0)
            rc = HAWK_ENOTFOUND;
        else
            rc = hk_parse_i64(PQgetvalue(r, 0, 0), 1, INT64_MAX, id);
        PQclear(r);
    }
    hk_db_release(app->db, c);
    return rc;
}

/* The plan limits saving would check, for the user with that email:
 * the number of workflows (one more than now) and the shortest gap
 * between the schedule's runs.  Prints what fails; returns 0 or 1. */
static int check_plan(struct hk_app *app, const char *email,
                      const int64_t *times, int n)
{
    int64_t user_id = 0;
    int rc = find_user(app, email, &user_id);
    if (rc == HAWK_ENOTFOUND) {
        fprintf(stderr, "hawk workflow check: no user with email '%s'\n",
                email);
        return 1;
    }
    struct hk_dbconn *c = NULL;
    if (rc == 0)
        rc = hk_db_acquire(app->db, &c);
    int64_t count = 0;
    if (rc == 0)
        rc = hk_wf_count(c, user_id, &count);
    struct hk_err e = HK_ERR_INIT;
    struct hk_plans *plans = app->platform->plans;
    if (rc == 0)
        rc = hk_plans_check_used(plans, c, user_id, HK_PLANS_WORKFLOWS,
                                 (double)count, 1, NULL, &e);
    int64_t gap = INT64_MAX;
    for (int i = 1; i < n; i++)
        if (times[i] - times[i - 1] < gap)
            gap = times[i] - times[i - 1];
    if (rc == 0 && n >= 2)
        rc = hk_plans_check(plans, c, user_id, HK_PLANS_MIN_SCHEDULE_INTERVAL,
                            (double)(gap / 60), NULL, &e);
    if (c != NULL)
        hk_db_release(app->db, c);
    if (rc == HAWK_EQUOTA) {
        fprintf(stderr, "plan: saving this workflow for %s would fail: %s\n",
                email, e.msg);
        return 1;
    }
    if (rc < 0) {
        fprintf(stderr, "hawk workflow check: database error: %s\n",
                hawk_strerror(rc));
        return 1;
    }
    return 0;
}

static int cmd_check(struct hk_app *app, int argc, char **argv)
{
    const char *email = NULL;
    if (argc == 4 && strcmp(argv[2], "--user") == 0)
        email = argv[3];
    if (argc != 2 && email == NULL) {
        usage();
        return 2;
    }
    const char *path = argv[1];
    struct hk_lua_limits lim;
    hk_lua_app_limits(app, &lim);
    char *src = NULL;
    size_t len = 0;
    if (read_file(path, lim.max_source, &src, &len) < 0)
        return 1;
    struct hk_lua_schedule sched;
    int code = check_file(app, path, src, len, &lim, true, &sched);
    if (code == 0) {
        /* As many times as saving looks at for the plan's interval. */
        int64_t times[48];
        char err[256];
        int n = hk_lua_schedule_next_times(
            &sched, src, len, path, &lim, app->lua_pool, hk_wall_ms() / 1000,
            times, email != NULL ? 48 : 5, err, sizeof(err));
        if (n < 0) {
            fprintf(stderr, "%s\n", err);
            code = 1;
        } else if (email != NULL && check_plan(app, email, times, n) != 0) {
            code = 1;
        } else {
            printf("ok\n");
            if (n == 0)
                printf("no automatic runs (start it with POST "
                       "/api/v1/workflows/{id}/run)\n");
            for (int i = 0; i < n && i < 5; i++) {
                char t[40];
                hk_lua_schedule_format(&sched, times[i], t, sizeof(t));
                printf("%s\n", t);
            }
            if (sched.jitter_s > 0)
                printf("each run starts up to %lld s later (jitter)\n",
                       (long long)sched.jitter_s);
        }
    }
    hk_free(src);
    return code;
}

static int cmd_run(struct hk_app *app, int argc, char **argv)
{
    const char *path = NULL, *email = NULL;
    bool dry_run = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--user") == 0 && i + 1 < argc) {
            email = argv[++i];
        } else if (strcmp(argv[i], "--dry-run") == 0) {
            dry_run = true;
        } else if (argv[i][0] != '-' && path == NULL) {
            path = argv[i];
        } else {
            usage();
            return 2;
        }
    }
    if (path == NULL || email == NULL) {
        usage();
        return 2;
    }
    if (app == NULL || app->db == NULL) {
        fprintf(stderr, "hawk workflow run: no database connection\n");
        return 1;
    }
    struct hk_lua_limits lim;
    hk_lua_app_limits(app, &lim);
    char *src = NULL;
    size_t len = 0;
    if (read_file(path, lim.max_source, &src, &len) < 0)
        return 1;
    struct hk_lua_schedule sched;
    int code = check_file(app, path, src, len, &lim, false, &sched);
    int64_t user_id = 0;
    if (code == 0) {
        int rc = find_user(app, email, &user_id);
        if (rc == HAWK_ENOTFOUND)
            fprintf(stderr, "hawk workflow run: no user with email '%s'\n",
                    email);
        else if (rc < 0)
            fprintf(stderr, "hawk workflow run: database error: %s\n",
                    hawk_strerror(rc));
        if (rc < 0)
            code = 1;
    }
    struct hk_lua_env env;
    memset(&env, 0, sizeof(env));
    if (code == 0 && hk_lua_env_init(&env, app, user_id, 0, dry_run,
                                     sched.max_per_day) < 0) {
        fprintf(stderr, "hawk workflow run: cannot read the user's "
                        "settings\n");
        code = 1;
    }
    if (code == 0) {
        env.echo = stdout;
        env.state_max = lim.state_max;
        struct hk_lua_host host = hk_lua_env_host(&env);
        struct hk_lua_job job = {.mode = HK_LUA_MODE_RUN,
                                 .source = src,
                                 .source_len = len,
                                 .chunkname = path,
                                 .limits = lim,
                                 .dry_run = dry_run};
        struct hk_lua_result res;
        if (hk_lua_exec(app->lua_pool, &job, &host, &res) < 0 ||
            res.status != HK_LUA_OK) {
            fprintf(stderr, "%s\n",
                    res.traceback != NULL ? res.traceback : "run failed");
            code = 1;
        }
        printf("%s%s: searched %lld, skipped %lld, scored %lld, applied "
               "%lld in %lld ms\n",
               code == 0 ? "run finished" : "run failed",
               dry_run ? " (dry run)" : "", (long long)res.counts.searched,
               (long long)res.counts.skipped, (long long)res.counts.scored,
               (long long)res.counts.applied, (long long)res.duration_ms);
        hk_lua_result_clear(&res);
    }
    hk_lua_env_release(&env);
    hk_free(src);
    return code;
}

/* See lua/lua.h. */
int hk_lua_cli(struct hk_app *app, int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "workflow") == 0) {
        argc--;
        argv++;
    }
    if (argc < 1) {
        usage();
        return 2;
    }
    if (strcmp(argv[0], "check") == 0)
        return cmd_check(app, argc, argv);
    if (strcmp(argv[0], "run") == 0)
        return cmd_run(app, argc, argv);
    usage();
    return 2;
}
