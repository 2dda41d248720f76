/*
 * backup/prune.c - the retention policy.
 *
 * Kept: the newest keep_last backups; plus the newest backup of each of
 * the keep_daily most recent calendar days (UTC) counting today; of each
 * of the keep_weekly most recent ISO weeks (Monday to Sunday) counting
 * this week; of each of the keep_monthly most recent calendar months
 * counting this month.  Everything else goes.  A backup kept by any rule
 * is kept; a name that is not a backup name is never touched; the newest
 * backup is always kept (keep_last >= 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backup/backup_int.h"
#include "log/log.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/time.h"

struct bk_ent {
    size_t idx;
    int64_t t;
};

static int bk_ent_cmp(const void *a, const void *b)
{
    const struct bk_ent *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? 1 : -1; /* newest first */
    return x->idx < y->idx ? -1 : 1;
}

static int64_t bk_floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static int64_t bk_month(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    return (int64_t)(tm.tm_year + 1900) * 12 + tm.tm_mon;
}

/* Keeps the newest entry of each bucket among the `count` most recent
 * buckets (bucket ids > now_bucket - count). */
static void bk_keep_buckets(const struct bk_ent *e, size_t n, int count,
                            int64_t now_bucket, int64_t (*bucket)(int64_t),
                            bool *keep)
{
    int64_t last = INT64_MIN;
    if (count <= 0)
        return;
    for (size_t i = 0; i < n; i++) {
        int64_t bk = bucket(e[i].t);
        if (bk <= now_bucket - count || bk > now_bucket)
            continue;
        if (bk != last) { /* newest first: the first of a bucket wins */
            keep[e[i].idx] = true;
            last = bk;
        }
    }
}

static int64_t bk_day(int64_t t)
{
    return bk_floor_div(t, 86400);
}

static int64_t bk_week(int64_t t)
{
    /* 1970-01-01 was a Thursday: +3 days makes weeks start on Monday. */
    return bk_floor_div(bk_floor_div(t, 86400) + 3, 7);
}

void hk_backup_policy(const char *const *names, size_t n, int64_t now_ms,
                      int keep_last, int keep_daily, int keep_weekly,
                      int keep_monthly, bool *keep)
{
    struct bk_ent *e = hk_calloc(n ? n : 1, sizeof(*e));
    size_t m = 0;
    int64_t now = now_ms / 1000;
    for (size_t i = 0; i < n; i++) {
        int64_t t = bk_name_time(names[i]);
        /* Unknown names are not ours to delete. */
        keep[i] = t < 0;
        if (t >= 0)
            e[m++] = (struct bk_ent){i, t};
    }
    qsort(e, m, sizeof(*e), bk_ent_cmp);
    if (keep_last < 1)
        keep_last = 1;
    for (size_t i = 0; i < m && i < (size_t)keep_last; i++)
        keep[e[i].idx] = true;
    bk_keep_buckets(e, m, keep_daily, bk_day(now), bk_day, keep);
    bk_keep_buckets(e, m, keep_weekly, bk_week(now), bk_week, keep);
    bk_keep_buckets(e, m, keep_monthly, bk_month(now), bk_month, keep);
    hk_free(e);
}

/* Deletes one backup everywhere it is: manifest first, so a crash in
 * between leaves an orphan data file rather than a manifest without
 * data. */
static int bk_delete(struct hk_backup *b, const struct hk_backup_info *in,
                     struct hk_err *err)
{
    char mfile[128], path[4400];
    snprintf(mfile, sizeof(mfile), "%s.json", in->name);
    if (in->remote) {
        int rc = bk_remote_del(b, mfile, err);
        if (rc == 0)
            rc = bk_remote_del(b, in->file, err);
        if (rc < 0)
            return rc;
    }
    if (in->local) {
        bk_local_path(b, mfile, path, sizeof(path));
        unlink(path);
        bk_local_path(b, in->file, path, sizeof(path));
        unlink(path);
    }
    return 0;
}

int hk_backup_prune(struct hk_backup *b, int64_t now_ms, bool dry_run,
                    struct hk_buf *removed, struct hk_err *err)
{
    struct hk_backup_info *v = NULL;
    size_t n = 0;
    int rc = hk_backup_list(b, &v, &n, err);
    if (rc < 0)
        return rc;
    const char **names = hk_calloc(n ? n : 1, sizeof(*names));
    bool *keep = hk_calloc(n ? n : 1, sizeof(*keep));
    for (size_t i = 0; i < n; i++)
        names[i] = v[i].name;
    hk_backup_policy(names, n, now_ms > 0 ? now_ms : hk_wall_ms(),
                     b->cfg.keep_last, b->cfg.keep_daily, b->cfg.keep_weekly,
                     b->cfg.keep_monthly, keep);
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (keep[i])
            continue;
        if (!dry_run) {
            rc = bk_delete(b, &v[i], err);
            if (rc < 0)
                break;
            hk_log(HAWK_LOG_INFO, "backup prune: removed %s", v[i].name);
        }
        if (removed != NULL)
            hk_buf_printf(removed, "%s\n", v[i].name);
    }
    hk_free(names);
    hk_free(keep);
    hk_free(v);
    return rc;
}
