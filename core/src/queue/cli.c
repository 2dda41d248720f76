/*
 * queue/cli.c - `hawk worker`: a process that only runs queue workers,
 * for adding capacity on more machines against one PostgreSQL.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/notify.h"
#include "config/config.h"
#include "log/log.h"
#include "queue/queue.h"
#include "util/alloc.h"
#include "util/str.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: hawk worker [--workers N] [--queues NAME[,NAME...]]\n"
               "  runs queue workers only (no HTTP API, no scheduler) until\n"
               "  SIGTERM or SIGINT, then lets running jobs finish within\n"
               "  queue.shutdown_grace and releases the rest\n");
}

/* Splits "a,b" into a NULL-terminated array of validated names (caller
 * frees the array and the names with hk_free).  NULL when invalid. */
static char **split_queues(const char *s)
{
    size_t n = 1;
    for (const char *p = s; *p; p++)
        n += *p == ',';
    char **v = hk_calloc(n + 1, sizeof(char *));
    size_t k = 0;
    const char *p = s;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *name = hk_strndup(p, len);
        v[k++] = name;
        if (!hk_queue_name_valid(name)) {
            fprintf(stderr,
                    "hawk worker: '%s' is not a queue name (use a-z, 0-9, _ "
                    "and -)\n",
                    name);
            for (size_t i = 0; i < k; i++)
                hk_free(v[i]);
            hk_free(v);
            return NULL;
        }
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return v;
}

/* `hawk worker`: parses options, runs a pool until SIGTERM/SIGINT, stops
 * it gracefully.  Returns the exit code (0, 1 failure, 2 usage); see
 * queue.h. */
int hk_queue_cli_worker(struct hk_app *app, int argc, char **argv)
{
    int64_t n = 0;
    char **queues = NULL;
    int first = argc > 0 && strcmp(argv[0], "worker") == 0 ? 1 : 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            goto done_ok;
        }
        if ((strcmp(a, "--workers") == 0 || strcmp(a, "--queues") == 0) &&
            i + 1 >= argc) {
            fprintf(stderr, "hawk worker: %s needs a value\n", a);
            usage(stderr);
            goto fail_usage;
        }
        if (strcmp(a, "--workers") == 0) {
            if (hk_parse_i64(argv[++i], 1, 1024, &n) < 0) {
                fprintf(stderr,
                        "hawk worker: --workers must be a number from 1 to "
                        "1024, got '%s'\n",
                        argv[i]);
                goto fail_usage;
            }
        } else if (strcmp(a, "--queues") == 0) {
            if (queues != NULL) {
                fprintf(stderr, "hawk worker: --queues given twice\n");
                goto fail_usage;
            }
            queues = split_queues(argv[++i]);
            if (queues == NULL)
                goto fail_usage;
        } else {
            fprintf(stderr, "hawk worker: unknown option '%s'\n", a);
            usage(stderr);
            goto fail_usage;
        }
    }
    if (app == NULL || app->db == NULL) {
        fprintf(stderr, "hawk worker: no database connection\n");
        goto fail;
    }
    if (n == 0 && app->cfg != NULL && app->cfg->settings.queue.workers < 1)
        n = 1; /* queue.workers = 0 means "none in serve"; a worker works */

    /* Block the stop signals before any thread starts so they all inherit
     * the mask and only sigwait() below receives them. */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, &old);

    struct hk_workers *w = NULL;
    int rc = hk_workers_start(app, (int)n, (const char *const *)queues, &w);
    if (rc < 0 || w == NULL) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        fprintf(stderr, "hawk worker: cannot start workers: %s\n",
                hawk_strerror(rc));
        goto fail;
    }
    if (hk_notify("READY=1\nSTATUS=working") < 0)
        hk_warn("worker: cannot tell the service manager it is ready");
    int sig = 0;
    for (;;) {
        sigwait(&set, &sig);
        if (sig != SIGHUP)
            break;
        /* logrotate moved the files: reopen them, keep working */
        hk_log_reopen();
        hk_info("worker: SIGHUP received, log files reopened");
    }
    hk_info("worker: %s received, stopping",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    hk_notify("STOPPING=1");
    int64_t grace =
        app->cfg != NULL ? app->cfg->settings.queue.shutdown_grace_ms : 30000;
    hk_workers_stop(w, grace);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
done_ok:
    if (queues != NULL) {
        for (char **p = queues; *p; p++)
            hk_free(*p);
        hk_free(queues);
    }
    return 0;
fail_usage:
    if (queues != NULL) {
        for (char **p = queues; *p; p++)
            hk_free(*p);
        hk_free(queues);
    }
    return 2;
fail:
    if (queues != NULL) {
        for (char **p = queues; *p; p++)
            hk_free(*p);
        hk_free(queues);
    }
    return 1;
}
