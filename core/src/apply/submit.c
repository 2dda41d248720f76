/*
 * apply/submit.c - the "application_submit" queue job: one application
 * sent through the job board plugin named like the job's board, with the
 * outcome written to the application and its status history.
 *
 * The application row is locked from the status check until the outcome
 * is committed (see apply.h), which is what makes a second job for the
 * same application a no-op instead of a second submission.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "app/app.h"
#include "apply/apply.h"
#include "apply/apply_int.h"
#include "db/db.h"
#include "db/params.h"
#include "http/http.h"
#include "log/log.h"
#include "platform/platform.h"
#include "plugin/calls.h"
#include "plugin/metrics.h"
#include "plugin/plugins.h"
#include "queue/queue.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/str.h"

/* What a plugin may write as its result, and report as questions. */
#define RESULT_MAX (1024 * 1024)
#define QUESTIONS_MAX 200
#define QUESTION_MAX 2000
#define ANSWER_MAX 10000
#define QTYPE_MAX 32

/* The application as the handler sees it, read under the row lock. */
struct target {
    struct hk_platform *pf; /* borrowed */
    int64_t app_id;
    int64_t user_id;
    int64_t resume_id; /* 0: none */
    int64_t job_id;    /* jobs.id */
    char status[48];
    char board[128];
    char *external_id;
    char *url; /* NULL when the board gave none */
};

/* ------------------------------------------------------------------------
 * Payload
 * --------------------------------------------------------------------- */

/* {"application_id": N} with N a positive integer and nothing else. */
static int parse_payload(const char *payload, int64_t *app_id,
                         struct hawk_error *err)
{
    json_object *o = payload != NULL ? json_tokener_parse(payload) : NULL;
    json_object *v = NULL;
    int rc = 0;
    *app_id = 0;
    if (o == NULL || !json_object_is_type(o, json_type_object)) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "payload must be a JSON object with application_id");
        rc = HAWK_EINVAL;
        goto out;
    }
    json_object_object_foreach(o, k, val)
    {
        (void)val;
        if (strcmp(k, "application_id") != 0) {
            HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                         "payload: unknown field '%.64s'", k);
            rc = HAWK_EINVAL;
            goto out;
        }
    }
    if (!json_object_object_get_ex(o, "application_id", &v) ||
        !json_object_is_type(v, json_type_int) ||
        json_object_get_int64(v) <= 0) {
        HAWK_ERR_SET(err, HAWK_EINVAL, false, 0,
                     "payload: application_id must be a positive integer");
        rc = HAWK_EINVAL;
        goto out;
    }
    *app_id = json_object_get_int64(v);
out:
    json_object_put(o);
    return rc;
}

/* Checks a payload given to the task API (the kind is not user-startable,
 * but an admin tool may still ask). */
static int validate_payload(json_object *payload, struct hk_resp *resp)
{
    static const struct hk_field fields[] = {
        HK_FIELD("application_id", HK_F_INT, true, false, 1, INT64_MAX),
        HK_FIELD_END};
    return hk_json_check(payload, fields, resp);
}

/* ------------------------------------------------------------------------
 * Database steps
 * --------------------------------------------------------------------- */

static void db_fail(struct hawk_error *err, int rc, const char *what)
{
    HAWK_ERR_SET(err, rc, rc != HAWK_EINVAL, 0, "cannot %s: %s", what,
                 hawk_strerror(rc));
}

/* The job's own timeout (a producer may have set one other than the
 * kind's default); the kind's default when the row cannot be read. */
static int64_t job_timeout_ms(struct hk_dbconn *c, int64_t job_id)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, job_id);
    PGresult *r = NULL;
    int64_t ms = HK_APPLY_TIMEOUT_MS;
    if (hk_db_params_run(c,
                         "SELECT timeout_ms FROM queue_jobs WHERE id ="
                         " $1::bigint",
                         &p, &r) == 0) {
        if (PQntuples(r) == 1)
            (void)hk_parse_i64(PQgetvalue(r, 0, 0), 0, INT64_MAX, &ms);
        PQclear(r);
    }
    return ms;
}

/* Reads and locks the user's application with its job.  HAWK_ENOTFOUND
 * when the user has no such application. */
static int load_target(struct hk_dbconn *c, int64_t user_id, int64_t app_id,
                       struct target *t)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, app_id);
    hk_db_param_i64(&p, user_id);
    PGresult *r = NULL;
    int rc =
        hk_db_params_run(c,
                         "SELECT a.status, coalesce(a.resume_id, 0), j.board,"
                         " j.external_id, j.url, a.job_id FROM applications a"
                         " JOIN"
                         " jobs j ON j.id = a.job_id WHERE a.id = $1::bigint"
                         " AND a.user_id = $2::bigint FOR UPDATE OF a",
                         &p, &r);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return HAWK_ENOTFOUND;
    }
    t->app_id = app_id;
    t->user_id = user_id;
    hk_strlcpy(t->status, PQgetvalue(r, 0, 0), sizeof(t->status));
    (void)hk_parse_i64(PQgetvalue(r, 0, 1), 0, INT64_MAX, &t->resume_id);
    hk_strlcpy(t->board, PQgetvalue(r, 0, 2), sizeof(t->board));
    t->external_id = hk_strdup(PQgetvalue(r, 0, 3));
    t->url = PQgetisnull(r, 0, 4) ? NULL : hk_strdup(PQgetvalue(r, 0, 4));
    (void)hk_parse_i64(PQgetvalue(r, 0, 5), 0, INT64_MAX, &t->job_id);
    PQclear(r);
    return 0;
}

/* Keeps the last submission error on the application (NULL clears it). */
static int set_error(struct hk_dbconn *c, const struct target *t,
                     const char *msg)
{
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, t->app_id);
    hk_db_param_i64(&p, t->user_id);
    hk_db_param_text(&p, msg);
    return hk_db_params_run(c,
                            "UPDATE applications SET error = $3 WHERE id ="
                            " $1::bigint AND user_id = $2::bigint",
                            &p, NULL);
}

/* Moves the application to status with a history note and error text
 * (NULL clears it), in the open transaction. */
static int conclude(struct hk_dbconn *c, const struct target *t,
                    const char *status, const char *note, const char *error)
{
    int rc = hk_applications_set_status(t->pf->applications, c, t->user_id,
                                        t->app_id, status, note, HK_APPLY_ACTOR,
                                        NULL);
    if (rc == 0)
        rc = set_error(c, t, error);
    return rc;
}

/* ------------------------------------------------------------------------
 * Results and metrics
 * --------------------------------------------------------------------- */

static void count(const char *board, const char *outcome)
{
    /* Board names come from plugins and "manual"; anything else is
     * folded so a label cannot carry arbitrary text. */
    bool plain = board[0] != '\0' && strlen(board) <= 32;
    for (const char *p = board; plain && *p != '\0'; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                *p == '_' || *p == '-';
    char labels[128];
    snprintf(labels, sizeof(labels), "board=\"%s\",outcome=\"%s\"",
             plain ? board : "other", outcome);
    (void)hk_metrics_add("hawk_application_submissions_total", labels, 1);
}

/* The job's result: {"application_id", "status", "submitted", "note"}. */
static void job_result(struct hk_buf *out, const struct target *t,
                       const char *status, bool submitted, const char *note,
                       int questions)
{
    (void)hk_buf_printf(
        out, "{\"application_id\":%lld,\"status\":", (long long)t->app_id);
    (void)hk_buf_json_str(out, status, strlen(status));
    (void)hk_buf_printf(out, ",\"submitted\":%s", submitted ? "true" : "false");
    if (t->board[0] != '\0') {
        (void)hk_buf_puts(out, ",\"board\":");
        (void)hk_buf_json_str(out, t->board, strlen(t->board));
    }
    if (questions > 0)
        (void)hk_buf_printf(out, ",\"questions\":%d", questions);
    if (note != NULL) {
        (void)hk_buf_puts(out, ",\"note\":");
        (void)hk_buf_json_str(out, note, strlen(note));
    }
    (void)hk_buf_putc(out, '}');
}

/* ------------------------------------------------------------------------
 * The plugin call
 * --------------------------------------------------------------------- */

static int sink_write(struct hawk_text_sink *s, const char *data, size_t len)
{
    return hk_buf_append(s->opaque, data, len) < 0 ? HAWK_ETOOBIG : 0;
}

/* Where an answer came from, as a plugin may report it: the profile, the
 * user's answer bank, the LLM (or its cache), a value the board had
 * filled in, a document, a ticked consent; anything else is "board". */
static const char *known_source(const char *s)
{
    static const char *const known[] = {
        "profile", "bank",  "llm",          "cache", "prefilled",
        "resume",  "terms", "cover_letter", "none",  NULL};
    for (size_t i = 0; known[i] != NULL; i++)
        if (strcmp(s, known[i]) == 0)
            return known[i];
    return "board";
}

/* A question the plugin reported: a string, or {"question", "type",
 * "answer", "source"}.  Returns false for anything that cannot be
 * stored. */
static bool question_of(json_object *item, const char **q, const char **type,
                        const char **answer, const char **source)
{
    json_object *v = NULL;
    *type = "text";
    *answer = NULL;
    *source = "board";
    if (json_object_is_type(item, json_type_string)) {
        *q = json_object_get_string(item);
    } else if (json_object_is_type(item, json_type_object) &&
               json_object_object_get_ex(item, "question", &v) &&
               json_object_is_type(v, json_type_string)) {
        *q = json_object_get_string(v);
        if (json_object_object_get_ex(item, "type", &v) &&
            json_object_is_type(v, json_type_string) &&
            json_object_get_string_len(v) > 0 &&
            json_object_get_string_len(v) <= QTYPE_MAX)
            *type = json_object_get_string(v);
        if (json_object_object_get_ex(item, "source", &v) &&
            json_object_is_type(v, json_type_string))
            *source = known_source(json_object_get_string(v));
        if (json_object_object_get_ex(item, "answer", &v) && v != NULL)
            *answer =
                json_object_is_type(v, json_type_string)
                    ? json_object_get_string(v)
                    : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    } else {
        return false;
    }
    size_t ql = strlen(*q);
    /* Checked here so no statement fails inside the transaction. */
    return ql > 0 && ql <= QUESTION_MAX && hk_utf8_valid(*q, ql) &&
           hk_utf8_valid(*type, strlen(*type)) &&
           (*answer == NULL || (strlen(*answer) <= ANSWER_MAX &&
                                hk_utf8_valid(*answer, strlen(*answer))));
}

/* Stores the questions the plugin reported; *stored counts them. */
static int store_questions(struct hk_dbconn *c, const struct target *t,
                           json_object *res, int *stored)
{
    json_object *qs = NULL;
    *stored = 0;
    if (!json_object_object_get_ex(res, "questions", &qs) ||
        !json_object_is_type(qs, json_type_array))
        return 0;
    size_t n = json_object_array_length(qs);
    for (size_t i = 0; i < n && i < QUESTIONS_MAX; i++) {
        const char *q, *type, *answer, *source;
        if (!question_of(json_object_array_get_idx(qs, i), &q, &type, &answer,
                         &source))
            continue;
        int rc = hk_applications_add_question(t->pf->applications, c,
                                              t->user_id, t->app_id, q, type,
                                              answer, source, NULL);
        if (rc < 0)
            return rc;
        (*stored)++;
    }
    return 0;
}

/* What the plugin's result says: "submitted", "already_applied", another
 * status, or NULL when it is not {"status": "..."}. */
static const char *result_status(json_object *res)
{
    json_object *v = NULL;
    if (res == NULL || !json_object_is_type(res, json_type_object) ||
        !json_object_object_get_ex(res, "status", &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* An optional "message" the plugin gave with a status, else NULL. */
static const char *result_message(json_object *res)
{
    json_object *v = NULL;
    if (res == NULL || !json_object_object_get_ex(res, "message", &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    const char *m = json_object_get_string(v);
    return m[0] != '\0' && hk_utf8_valid(m, strlen(m)) ? m : NULL;
}

/* The plugin returned 0: record what its result says, in the open
 * transaction.  *applied tells whether the application went out. */
static int record_answer(struct hk_dbconn *c, const struct target *t,
                         const char *text, size_t len, bool *applied,
                         int *questions, char *note, size_t notelen)
{
    json_object *res = NULL;
    json_tokener *tok = json_tokener_new_ex(64);
    res = json_tokener_parse_ex(tok, text, (int)len);
    if (json_tokener_get_error(tok) != json_tokener_success) {
        json_object_put(res);
        res = NULL;
    }
    json_tokener_free(tok);
    const char *st = result_status(res);
    const char *msg = result_message(res);
    int rc = store_questions(c, t, res, questions);
    *applied = false;
    if (rc == 0 && st != NULL &&
        (strcmp(st, "submitted") == 0 || strcmp(st, "already_applied") == 0)) {
        *applied = true;
        if (strcmp(st, "submitted") == 0)
            snprintf(note, notelen, "submitted through %s", t->board);
        else
            snprintf(note, notelen,
                     "%s already had an application for this job", t->board);
        rc = conclude(c, t, "applied", note, NULL);
    } else if (rc == 0) {
        /* Nothing confirms the submission: a person has to look. */
        if (st == NULL)
            snprintf(note, notelen,
                     "the %s plugin gave no readable result; check on the "
                     "board whether the application went out",
                     t->board);
        else
            snprintf(note, notelen,
                     "the %s plugin answered '%.40s'%s%.200s and did not "
                     "submit; finish the application on the board",
                     t->board, st, msg != NULL ? ": " : "",
                     msg != NULL ? msg : "");
        rc = conclude(c, t, "needs_attention", note, note);
    }
    json_object_put(res);
    return rc;
}

/* ------------------------------------------------------------------------
 * The handler
 * --------------------------------------------------------------------- */

struct run {
    struct hk_job_ctx *ctx;
    struct hk_dbconn *c;
    struct target t;
    struct hk_buf *result;
    struct hawk_error *err;
    struct hk_apply_services *svc; /* NULL until the plugin is called */
};

/* Keeps what the plugin captured, once the submission's transaction has
 * ended (the row lock it held would block the insert, and a retried
 * attempt's rollback must not lose them).  A capture that cannot be
 * written is logged and never changes the outcome. */
static void keep_captures(struct run *r)
{
    if (r->svc != NULL)
        (void)hk_apply_services_store(r->svc, r->c, r->t.app_id);
}

/* No plugin can send it: hand it to the user, done for the queue. */
static int no_plugin(struct run *r)
{
    char note[300];
    snprintf(note, sizeof(note),
             "no plugin can submit applications for board '%.100s'",
             r->t.board);
    int rc = conclude(r->c, &r->t, "needs_attention", note, note);
    if (rc == 0)
        rc = hk_db_commit(r->c);
    if (rc < 0) {
        db_fail(r->err, rc, "record the application's status");
        return rc;
    }
    hk_log(HAWK_LOG_INFO, "application %lld needs attention: %s",
           (long long)r->t.app_id, note);
    count(r->t.board, "needs_attention");
    job_result(r->result, &r->t, "needs_attention", false, note, 0);
    return 0;
}

/* The user paused submissions to the board: nothing is sent; the
 * application waits for the user. */
static int was_paused(struct run *r)
{
    char note[400];
    snprintf(note, sizeof(note),
             "submissions to %.100s are paused; nothing was sent (resume "
             "with DELETE /api/v1/boards/%.100s/pause, then approve the "
             "application again)",
             r->t.board, r->t.board);
    int rc = conclude(r->c, &r->t, "needs_attention", note, note);
    if (rc == 0)
        rc = hk_db_commit(r->c);
    if (rc < 0) {
        db_fail(r->err, rc, "record the application's status");
        return rc;
    }
    count(r->t.board, "paused");
    job_result(r->result, &r->t, "needs_attention", false, note, 0);
    return 0;
}

/* The plugin failed: retry, or give the application up as failed. */
static int plugin_failed(struct run *r, int rc, struct hawk_error *perr)
{
    struct hk_job_ctx *ctx = r->ctx;
    char msg[400];
    bool retryable;
    if (perr->code == 0 && perr->msg[0] == '\0')
        /* A plugin that did not fill err: judge by the code. */
        retryable = rc == HAWK_ETIMEDOUT || rc == HAWK_EUNAVAIL ||
                    rc == HAWK_ERATELIMIT || rc == HAWK_EIO;
    else
        retryable = perr->retryable;
    snprintf(msg, sizeof(msg), "%s: %s", r->t.board,
             perr->msg[0] != '\0' ? perr->msg : hawk_strerror(rc));
    bool stopped = atomic_load(&ctx->cancel) || rc == HAWK_ECANCELED;
    if (stopped) {
        /* Cancelled, timed out or shutting down: the worker decides; the
         * application stays as it was. */
        hk_db_rollback(r->c);
        keep_captures(r);
        HAWK_ERR_SET(r->err, rc, true, 0, "%.255s", msg);
        return rc;
    }
    if (retryable && ctx->attempt < ctx->max_attempts) {
        hk_db_rollback(r->c);
        keep_captures(r);
        char shown[480];
        snprintf(shown, sizeof(shown), "%s (attempt %d of %d; retrying)", msg,
                 ctx->attempt, ctx->max_attempts);
        if (set_error(r->c, &r->t, shown) < 0)
            hk_log(HAWK_LOG_WARN, "application %lld: cannot record the error",
                   (long long)r->t.app_id);
        count(r->t.board, "retry");
        HAWK_ERR_SET(r->err, rc, true, perr->http_status, "%.255s", msg);
        r->err->retry_after_ms = perr->retry_after_ms;
        return rc;
    }
    char note[480];
    if (retryable)
        snprintf(note, sizeof(note), "gave up after %d attempt%s: %s",
                 ctx->attempt, ctx->attempt == 1 ? "" : "s", msg);
    else
        snprintf(note, sizeof(note), "%s", msg);
    int drc = conclude(r->c, &r->t, "failed", note, note);
    if (drc == 0)
        drc = hk_db_commit(r->c);
    keep_captures(r);
    if (drc < 0) {
        db_fail(r->err, drc, "record the failed submission");
        return drc;
    }
    hk_log(HAWK_LOG_WARN, "application %lld failed: %s", (long long)r->t.app_id,
           note);
    count(r->t.board, "failed");
    HAWK_ERR_SET(r->err, rc, false, perr->http_status, "%.255s", note);
    return rc;
}

/* Sends the locked application through the plugin and records the
 * outcome; ends the transaction. */
static int submit(struct run *r, const struct hk_plugin_entry *e,
                  int64_t timeout_ms)
{
    struct hk_apply_docs docs;
    int rc = hk_apply_docs_prepare(r->t.pf->resumes, r->c, r->t.user_id,
                                   r->t.app_id, r->t.resume_id, &docs, r->err);
    if (rc < 0) {
        hk_db_rollback(r->c);
        hk_apply_docs_release(&docs);
        return rc;
    }
    struct hawk_apply_req req = {
        .struct_size = sizeof(req),
        .external_id = r->t.external_id,
        .job_url = r->t.url,
        .resume_path = docs.resume_path,
        .cover_letter_path = docs.cover_letter_path,
        .cover_letter_text = docs.cover_letter_text,
        .answers_json = docs.answers_json,
        .profile_json = docs.profile_json,
        .dry_run = false,
    };
    /* Leave the worker time to record the outcome before the queue's own
     * timeout fires. */
    int64_t margin = timeout_ms / 10 < 30000 ? timeout_ms / 10 : 30000;
    struct hawk_call call;
    hk_call_init(&call, r->t.user_id, NULL,
                 timeout_ms > 0 ? timeout_ms - margin : 0, &r->ctx->cancel);
    struct hk_apply_services svc;
    hk_apply_services_init(&svc, r->ctx->app, r->ctx->app->browser,
                           r->t.job_id);
    call.svc = &svc.svc;
    r->svc = &svc;
    struct hk_buf out;
    hk_buf_init(&out, RESULT_MAX);
    struct hawk_text_sink sink = {.opaque = &out, .write = sink_write};
    struct hawk_error perr = HAWK_ERROR_INIT;
    hk_log(HAWK_LOG_INFO,
           "submitting application %lld to %s (job %s, resume %s)",
           (long long)r->t.app_id, r->t.board, r->t.external_id,
           docs.resume_source[0] != '\0' ? docs.resume_source : "none");
    rc = hk_plugin_jobboard_apply(e, &call, &req, &sink, &perr);
    hk_apply_docs_release(&docs);
    if (rc < 0) {
        rc = plugin_failed(r, rc, &perr);
        hk_buf_release(&out);
        hk_apply_services_release(&svc);
        r->svc = NULL;
        return rc;
    }
    bool applied = false;
    int questions = 0;
    char note[400];
    rc = record_answer(r->c, &r->t, out.data != NULL ? out.data : "", out.len,
                       &applied, &questions, note, sizeof(note));
    hk_buf_release(&out);
    if (rc == 0)
        rc = hk_db_commit(r->c);
    else
        hk_db_rollback(r->c);
    keep_captures(r);
    hk_apply_services_release(&svc);
    r->svc = NULL;
    if (rc < 0) {
        /* The board has the application but hawk could not record it; a
         * retry finds it still queued and sends it again, which boards
         * answer as a duplicate.  Said loudly so it can be checked. */
        hk_log(HAWK_LOG_ERROR,
               "application %lld was sent to %s but its outcome could not "
               "be recorded: %s",
               (long long)r->t.app_id, r->t.board, hawk_strerror(rc));
        db_fail(r->err, rc, "record the submission");
        return rc;
    }
    hk_log(HAWK_LOG_INFO, "application %lld: %s", (long long)r->t.app_id, note);
    count(r->t.board, applied ? "applied" : "needs_attention");
    job_result(r->result, &r->t, applied ? "applied" : "needs_attention",
               applied, applied ? NULL : note, questions);
    return 0;
}

static int run_submit(struct hk_job_ctx *ctx, const char *payload,
                      struct hk_buf *result, struct hawk_error *err)
{
    int64_t app_id = 0;
    struct run r = {.ctx = ctx, .result = result, .err = err};
    int rc = parse_payload(payload, &app_id, err);
    if (rc < 0)
        return rc;
    if (ctx->user_id <= 0) {
        HAWK_ERR_SET(err, HAWK_EPERM, false, 0,
                     "application %lld: a submission must run as the "
                     "application's user",
                     (long long)app_id);
        return HAWK_EPERM;
    }
    struct hk_app *app = ctx->app;
    rc = hk_db_acquire(app->db, &r.c);
    if (rc < 0) {
        HAWK_ERR_SET(err, rc, true, 0, "the database is unavailable: %s",
                     hawk_strerror(rc));
        return rc;
    }
    int64_t timeout_ms = job_timeout_ms(r.c, ctx->job_id);
    r.t.pf = app->platform;
    rc = hk_db_begin(r.c);
    if (rc == 0)
        rc = load_target(r.c, ctx->user_id, app_id, &r.t);
    if (rc == HAWK_ENOTFOUND) {
        /* Also when it belongs to someone else: never act across users. */
        HAWK_ERR_SET(err, rc, false, 0,
                     "application %lld not found for user %lld",
                     (long long)app_id, (long long)ctx->user_id);
        goto out;
    }
    if (rc < 0) {
        db_fail(err, rc, "read the application");
        goto out;
    }
    if (strcmp(r.t.status, "queued") != 0 &&
        strcmp(r.t.status, "approved") != 0) {
        char note[160];
        snprintf(note, sizeof(note),
                 strcmp(r.t.status, "applied") == 0
                     ? "already applied; nothing sent"
                     : "the application is %s; nothing sent",
                 r.t.status);
        hk_log(HAWK_LOG_INFO, "application %lld: %s", (long long)app_id, note);
        count(r.t.board, "skipped");
        job_result(result, &r.t, r.t.status, false, note, 0);
        goto out;
    }
    bool paused = false;
    rc = hk_apply_paused(r.c, ctx->user_id, r.t.board, &paused);
    if (rc < 0) {
        db_fail(err, rc, "read the board's pause");
        goto out;
    }
    if (paused) {
        rc = was_paused(&r);
        goto out;
    }
    const struct hk_plugin_entry *e =
        strcmp(r.t.board, "manual") == 0 || app->plugins == NULL
            ? NULL
            : hk_plugins_find(app->plugins, HAWK_KIND_JOBBOARD, r.t.board);
    /* An instance without apply (an older or search-only board) is
     * handled as no plugin at all. */
    if (!hk_plugin_has_op(e, HK_OP_JOBBOARD_APPLY))
        rc = no_plugin(&r);
    else
        rc = submit(&r, e, timeout_ms);
out:
    /* Ends a transaction nothing committed (a skip, an error). */
    hk_db_release(app->db, r.c);
    hk_free(r.t.external_id);
    hk_free(r.t.url);
    return rc;
}

/* See apply.h. */
int hk_apply_register_kind(struct hk_app *app)
{
    (void)app;
    struct hk_job_kind k;
    memset(&k, 0, sizeof(k));
    k.name = HK_APPLY_KIND;
    k.run = run_submit;
    k.validate = validate_payload;
    k.queue = HK_APPLY_QUEUE;
    k.timeout_ms = HK_APPLY_TIMEOUT_MS;
    k.max_attempts = HK_APPLY_MAX_ATTEMPTS;
    k.backoff_base_ms = 60 * 1000;
    k.backoff_cap_ms = 60 * 60 * 1000;
    k.user_startable = false;
    return hk_queue_register_kind(&k);
}
