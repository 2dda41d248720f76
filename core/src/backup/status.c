/*
 * backup/status.c - the last backups as /health/detailed and /metrics
 * see them, read from backup_runs (so a backup taken by `hawk backup
 * create` in another process counts as much as a scheduled one).
 */
#include <stdio.h>
#include <string.h>

#include "backup/backup_int.h"
#include "db/db.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

static const char SQL_STATUS[] =
    "SELECT"
    " (SELECT floor(extract(epoch FROM max(finished_at)))::bigint"
    "   FROM backup_runs"
    "   WHERE status = 'ok'),"
    " (SELECT name FROM backup_runs WHERE status = 'ok'"
    "   ORDER BY finished_at DESC LIMIT 1),"
    " (SELECT stored_bytes FROM backup_runs WHERE status = 'ok'"
    "   ORDER BY finished_at DESC LIMIT 1),"
    " (SELECT floor(extract(epoch FROM max(finished_at)))::bigint"
    "   FROM backup_runs"
    "   WHERE status = 'failed'),"
    " (SELECT error FROM backup_runs WHERE status = 'failed'"
    "   ORDER BY finished_at DESC LIMIT 1),"
    " (SELECT count(*) FROM backup_runs WHERE status = 'ok'),"
    " (SELECT count(*) FROM backup_runs WHERE status = 'failed')";

struct bk_status {
    int64_t ok_at, ok_bytes, fail_at, n_ok, n_fail;
    char ok_name[HK_BACKUP_NAME_MAX + 1];
    char fail_error[256];
};

static int64_t bk_col(PGresult *r, int c)
{
    int64_t v = -1;
    if (!PQgetisnull(r, 0, c))
        (void)hk_parse_i64(PQgetvalue(r, 0, c), INT64_MIN, INT64_MAX, &v);
    return v;
}

/* Seconds since the last good backup, -1 when there is none. The
 * database's clock may run a little ahead of ours: a backup that has just
 * finished is zero seconds old, never "in the future" (and so not stale). */
static int64_t bk_age(int64_t now, int64_t ok_at)
{
    if (ok_at < 0)
        return -1;
    return now > ok_at ? now - ok_at : 0;
}

static int bk_status_read(struct hk_db *db, struct bk_status *s)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    memset(s, 0, sizeof(*s));
    if (db == NULL || hk_db_acquire(db, &c) < 0)
        return HAWK_EUNAVAIL;
    int64_t have = 0;
    int rc = hk_db_query(c, "SELECT to_regclass('backup_runs') IS NOT NULL", 0,
                         NULL, &r);
    if (rc == 0)
        have = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    r = NULL;
    if (rc == 0 && have)
        rc = hk_db_query(c, SQL_STATUS, 0, NULL, &r);
    if (rc == 0 && have && PQntuples(r) == 1) {
        s->ok_at = bk_col(r, 0);
        hk_strlcpy(s->ok_name, PQgetvalue(r, 0, 1), sizeof(s->ok_name));
        s->ok_bytes = bk_col(r, 2);
        s->fail_at = bk_col(r, 3);
        hk_strlcpy(s->fail_error, PQgetvalue(r, 0, 4), sizeof(s->fail_error));
        s->n_ok = bk_col(r, 5);
        s->n_fail = bk_col(r, 6);
    } else if (rc == 0) {
        s->ok_at = s->fail_at = -1;
    }
    PQclear(r);
    hk_db_release(db, c);
    return rc;
}

int hk_backup_status_json(struct hk_db *db, const struct hk_backup_cfg *cfg,
                          struct hk_buf *out, bool *stale)
{
    struct bk_status s;
    int rc = bk_status_read(db, &s);
    *stale = false;
    if (rc < 0) {
        hk_buf_puts(out, "{\"status\":\"unknown\"}");
        return rc;
    }
    int64_t now = hk_wall_ms() / 1000;
    int64_t age = bk_age(now, s.ok_at);
    *stale = cfg->schedule && (age < 0 || age * 1000 > cfg->max_age_ms);
    hk_buf_printf(out, "{\"status\":\"%s\",\"scheduled\":%s",
                  *stale         ? "stale"
                  : s.ok_at >= 0 ? "ok"
                                 : "none",
                  cfg->schedule ? "true" : "false");
    if (s.ok_at >= 0) {
        char t[40];
        hk_time_rfc3339(s.ok_at * 1000, t, sizeof(t));
        hk_buf_printf(out,
                      ",\"last_success\":\"%s\",\"age_seconds\":%lld,"
                      "\"last_name\":",
                      t, (long long)age);
        hk_buf_json_str(out, s.ok_name, strlen(s.ok_name));
        hk_buf_printf(out, ",\"last_size\":%lld", (long long)s.ok_bytes);
    }
    if (s.fail_at >= 0 && s.fail_at > s.ok_at) {
        char t[40];
        hk_time_rfc3339(s.fail_at * 1000, t, sizeof(t));
        hk_buf_printf(out, ",\"last_failure\":\"%s\",\"last_error\":", t);
        hk_buf_json_str(out, s.fail_error, strlen(s.fail_error));
    }
    hk_buf_printf(out, ",\"max_age_seconds\":%lld}",
                  (long long)(cfg->max_age_ms / 1000));
    return 0;
}

void hk_backup_metrics(struct hk_db *db, struct hk_buf *out)
{
    struct bk_status s;
    if (bk_status_read(db, &s) < 0)
        return;
    int64_t now = hk_wall_ms() / 1000;
    hk_buf_printf(
        out,
        "# HELP hawk_backup_last_success_timestamp_seconds End of the last "
        "good backup (0: none).\n"
        "# TYPE hawk_backup_last_success_timestamp_seconds gauge\n"
        "hawk_backup_last_success_timestamp_seconds %lld\n"
        "# HELP hawk_backup_age_seconds Seconds since the last good backup "
        "(-1: none).\n"
        "# TYPE hawk_backup_age_seconds gauge\n"
        "hawk_backup_age_seconds %lld\n"
        "# HELP hawk_backup_last_size_bytes Stored size of the last good "
        "backup.\n"
        "# TYPE hawk_backup_last_size_bytes gauge\n"
        "hawk_backup_last_size_bytes %lld\n"
        "# HELP hawk_backup_last_failure_timestamp_seconds End of the last "
        "failed backup (0: none).\n"
        "# TYPE hawk_backup_last_failure_timestamp_seconds gauge\n"
        "hawk_backup_last_failure_timestamp_seconds %lld\n"
        "# HELP hawk_backup_runs_total Recorded backup runs by outcome.\n"
        "# TYPE hawk_backup_runs_total counter\n"
        "hawk_backup_runs_total{status=\"ok\"} %lld\n"
        "hawk_backup_runs_total{status=\"failed\"} %lld\n",
        (long long)(s.ok_at > 0 ? s.ok_at : 0), (long long)bk_age(now, s.ok_at),
        (long long)(s.ok_bytes > 0 ? s.ok_bytes : 0),
        (long long)(s.fail_at > 0 ? s.fail_at : 0), (long long)s.n_ok,
        (long long)s.n_fail);
}
