/*
 * backup/job.c - the daily backup: the backup.daily job kind that the
 * scheduler enqueues every day at backup.schedule.time, the retention
 * policy applied after each good backup, and a mail to
 * backup.alert_email when the last attempt fails (or pruning does).
 *
 * A failed attempt is retried (three attempts, ten minutes apart, then an
 * hour), except when retrying cannot help: a configuration or
 * credentials error fails the job at once.  Only the final failure is
 * mailed, so a passing network hiccup costs no mail.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backup/backup_int.h"
#include "db/db.h"
#include "log/log.h"
#include "mail/mail.h"
#include "queue/queue.h"
#include "sched/sched.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

#define BK_JOB_ATTEMPTS 3
#define BK_JOB_TIMEOUT_MS (12LL * 3600 * 1000)
#define BK_JOB_BACKOFF_MS (10LL * 60 * 1000)
#define BK_JOB_BACKOFF_CAP_MS (60LL * 60 * 1000)
#define BK_MAIL_TEMPLATE "backup_failed"

/* Job progress: percent of the database size dumped so far. */
static void bk_job_report(void *opaque, const char *phase, int64_t done,
                          int64_t total, bool final)
{
    struct hk_job_ctx *ctx = opaque;
    int pct = total > 0 ? (int)(done * 100 / total) : 0;
    if (pct > 99 && !final)
        pct = 99;
    char msg[96];
    snprintf(msg, sizeof(msg), "%s: %" PRId64 " bytes", phase, done);
    hk_job_progress(ctx, pct < 0 ? 0 : pct, msg);
}

/* Queues the failure mail (what: "backup" or "pruning"); logs when there
 * is no address, no mail service, or the mail cannot be queued. */
static void bk_job_alert(struct hk_backup *b, const struct hk_job_ctx *ctx,
                         const char *what, const char *error)
{
    hk_log(HAWK_LOG_ERROR, "scheduled %s failed (attempt %d of %d): %s", what,
           ctx->attempt, ctx->max_attempts, error);
    if (b->cfg.alert_email[0] == '\0')
        return;
    if (b->mail == NULL || b->db == NULL) {
        hk_log(HAWK_LOG_ERROR,
               "backup: no mail service: %s was not told about the failure",
               b->cfg.alert_email);
        return;
    }
    char when[40], host[256], attempt[32];
    hk_time_rfc3339(hk_wall_ms(), when, sizeof(when));
    if (gethostname(host, sizeof(host)) != 0)
        hk_strlcpy(host, "?", sizeof(host));
    host[sizeof(host) - 1] = '\0';
    snprintf(attempt, sizeof(attempt), "%d of %d", ctx->attempt,
             ctx->max_attempts);
    json_object *vars = json_object_new_object();
    json_object_object_add(vars, "what", json_object_new_string(what));
    json_object_object_add(vars, "error", json_object_new_string(error));
    json_object_object_add(vars, "when", json_object_new_string(when));
    json_object_object_add(vars, "host", json_object_new_string(host));
    json_object_object_add(vars, "attempt", json_object_new_string(attempt));
    struct hk_dbconn *c = NULL;
    struct hk_err err = HK_ERR_INIT;
    int rc = hk_db_acquire(b->db, &c);
    if (rc == 0) {
        rc = hk_mail_enqueue(c, b->cfg.alert_email, BK_MAIL_TEMPLATE, vars, 0,
                             &err);
        hk_db_release(b->db, c);
    } else {
        hk_err_set(&err, rc, NULL, NULL, "database unavailable");
    }
    json_object_put(vars);
    if (rc < 0)
        hk_log(HAWK_LOG_ERROR, "backup: cannot mail %s about the failure: %s",
               b->cfg.alert_email, err.msg);
    else
        hk_log(HAWK_LOG_INFO, "backup: failure mailed to %s",
               b->cfg.alert_email);
}

/* Errors that the same attempt later cannot fix. */
static bool bk_permanent(int code)
{
    return code == HAWK_ECONFIG || code == HAWK_EAUTH || code == HAWK_EPERM ||
           code == HAWK_EINVAL || code == HAWK_ENOTFOUND;
}

static int bk_job_run(struct hk_job_ctx *ctx, const char *payload,
                      struct hk_buf *result, struct hawk_error *herr)
{
    (void)payload;
    struct hk_backup *b = ctx->kind_ctx;
    struct hk_backup_info info;
    struct hk_err err = HK_ERR_INIT;
    struct hk_backup_progress pr = {bk_job_report, ctx};
    int rc = hk_backup_create(b, &pr, &ctx->cancel, &info, &err);
    if (rc < 0) {
        bool permanent = bk_permanent(rc);
        herr->code = rc;
        herr->retryable = !permanent;
        hk_strlcpy(herr->msg, err.msg, sizeof(herr->msg));
        /* A worker shutting down retries later: no mail for that. */
        if (rc != HAWK_ECANCELED &&
            (permanent || ctx->attempt >= ctx->max_attempts))
            bk_job_alert(b, ctx, "backup", err.msg);
        return rc;
    }
    struct hk_buf removed;
    hk_buf_init(&removed, 1 << 20);
    struct hk_err perr = HK_ERR_INIT;
    int prc = hk_backup_prune(b, 0, false, &removed, &perr);
    int n_removed = 0;
    for (const char *p = hk_buf_str(&removed); *p; p++)
        n_removed += *p == '\n';
    hk_buf_release(&removed);
    hk_buf_printf(result, "{\"name\":");
    hk_buf_json_str(result, info.name, strlen(info.name));
    hk_buf_printf(result, ",\"size\":%" PRId64 ",\"sha256\":\"%s\"",
                  info.stored_bytes, info.sha256);
    if (prc < 0) {
        /* The backup is good; a retry would only take another one. */
        hk_buf_puts(result, ",\"prune_error\":");
        hk_buf_json_str(result, perr.msg, strlen(perr.msg));
        bk_job_alert(b, ctx, "pruning", perr.msg);
    } else {
        hk_buf_printf(result, ",\"pruned\":%d", n_removed);
    }
    hk_buf_putc(result, '}');
    return 0;
}

int hk_backup_register_kinds(struct hk_backup *b, struct hk_mail *mail)
{
    b->mail = mail;
    if (mail != NULL && !hk_mail_has_template(mail, BK_MAIL_TEMPLATE)) {
        hk_log(HAWK_LOG_WARN,
               "backup: mail template %s is missing: backup failures are "
               "logged only",
               BK_MAIL_TEMPLATE);
        b->mail = NULL;
    }
    struct hk_job_kind k = {
        .name = HK_BACKUP_KIND,
        .run = bk_job_run,
        .timeout_ms = BK_JOB_TIMEOUT_MS,
        .max_attempts = BK_JOB_ATTEMPTS,
        .backoff_base_ms = BK_JOB_BACKOFF_MS,
        .backoff_cap_ms = BK_JOB_BACKOFF_CAP_MS,
        .ctx = b,
    };
    return hk_queue_register_kind(&k);
}

bool hk_backup_schedule_spec(const struct hk_backup *b,
                             struct hk_sched_spec *spec, char *cron,
                             size_t cronlen)
{
    if (b == NULL || !b->cfg.schedule)
        return false;
    /* backup.schedule.time was checked as HH:MM when the config loaded. */
    int hh = (b->cfg.time[0] - '0') * 10 + (b->cfg.time[1] - '0');
    int mm = (b->cfg.time[3] - '0') * 10 + (b->cfg.time[4] - '0');
    snprintf(cron, cronlen, "%d %d * * *", mm, hh);
    *spec = (struct hk_sched_spec){
        .name = HK_BACKUP_KIND,
        .cron = cron,
        .tz = b->cfg.tz,
        .kind = HK_BACKUP_KIND,
        .payload = "{}",
        .enabled = true,
    };
    return true;
}

const struct hk_backup_cfg *hk_backup_config(const struct hk_backup *b)
{
    return &b->cfg;
}
