/*
 * health/metrics_db.c - the /metrics series read from PostgreSQL at scrape
 * time (queue depth, applications) and from the process itself (open
 * files, start time): values the database or the kernel already keeps,
 * so nothing has to count them along the way.
 */
#include "health/metrics_db.h"

#include <dirent.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "db/db.h"
#include "plugin/metrics.h"
#include "util/buf.h"

/* Label values come from the database: escape for the text format. */
static void put_label(struct hk_buf *b, const char *k, const char *v)
{
    hk_buf_printf(b, "%s=\"", k);
    size_t n = strlen(v);
    if (n > 120)
        n = 120; /* kinds, states and boards are short; bound anyway */
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (c == '\\' || c == '"')
            hk_buf_putc(b, '\\');
        if (c == '\n') {
            hk_buf_puts(b, "\\n");
            continue;
        }
        hk_buf_putc(b, c);
    }
    hk_buf_putc(b, '"');
}

/* Renders "name{k1=..,k2=..} count" rows of a two-column GROUP BY. */
static void grouped(struct hk_dbconn *c, struct hk_buf *out, const char *sql,
                    const char *name, const char *help, const char *k1,
                    const char *k2)
{
    PGresult *r = NULL;
    if (hk_db_query(c, sql, 0, NULL, &r) < 0) {
        PQclear(r);
        return;
    }
    hk_buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
    for (int i = 0; i < PQntuples(r) && i < 2000; i++) {
        hk_buf_printf(out, "%s{", name);
        put_label(out, k1, PQgetvalue(r, i, 0));
        hk_buf_putc(out, ',');
        put_label(out, k2, PQgetvalue(r, i, 1));
        hk_buf_printf(out, "} %s\n", PQgetvalue(r, i, 2));
    }
    PQclear(r);
}

void hk_metrics_db_render(struct hk_db *db, struct hk_buf *out)
{
    struct hk_dbconn *c = NULL;
    if (db == NULL || hk_db_acquire(db, &c) < 0)
        return;
    grouped(c, out,
            "SELECT kind, state, count(*) FROM queue_jobs GROUP BY 1, 2 "
            "ORDER BY 1, 2",
            "hawk_queue_jobs",
            "Queue jobs by kind and state (queued, running, done, dead...).",
            "kind", "state");
    grouped(c, out,
            "SELECT status, board, count(*) FROM applications GROUP BY 1, 2 "
            "ORDER BY 1, 2",
            "hawk_applications", "Applications by status and job board.",
            "status", "board");
    hk_db_release(db, c);
}

void hk_metrics_http_observe(const char *method, const char *route, int status,
                             double seconds)
{
    struct hk_buf lb;
    hk_buf_init(&lb, 512);
    hk_buf_printf(&lb, "method=\"%s\",", method);
    put_label(&lb, "route", route);
    hk_buf_printf(&lb, ",status=\"%d\"", status);
    (void)hk_metrics_observe("hawk_http_request_duration_seconds",
                             hk_buf_str(&lb), seconds);
    hk_buf_release(&lb);
}

void hk_metrics_process_render(struct hk_buf *out)
{
    int fds = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (e->d_name[0] != '.')
                fds++;
        closedir(d);
        fds--; /* the directory stream's own descriptor */
    }
    struct rlimit rl;
    long long max = -1;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        max = (long long)rl.rlim_cur;
    hk_buf_printf(out,
                  "# HELP process_open_fds Open file descriptors.\n"
                  "# TYPE process_open_fds gauge\nprocess_open_fds %d\n",
                  fds);
    if (max >= 0)
        hk_buf_printf(out,
                      "# HELP process_max_fds Limit of open file "
                      "descriptors.\n"
                      "# TYPE process_max_fds gauge\nprocess_max_fds %lld\n",
                      max);
}
