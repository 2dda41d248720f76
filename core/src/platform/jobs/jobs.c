/*
 * platform/jobs/jobs.c - job postings, their links to users and scores
 * (see jobs.h).
 */
#include "platform/jobs/jobs.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "db/params.h"
#include "db/result.h"
#include "hawk/plugin.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/json_check.h"
#include "util/str.h"
#include "util/time.h"

struct hk_jobs {
    struct hk_db *db; /* borrowed; NULL: no database */
};

/* See jobs.h. */
int hk_jobs_new(struct hk_db *db, struct hk_jobs **out, struct hk_err *err)
{
    (void)err;
    struct hk_jobs *jb = hk_calloc(1, sizeof(*jb));
    jb->db = db;
    *out = jb;
    return 0;
}

/* See jobs.h. */
void hk_jobs_free(struct hk_jobs *jb)
{
    hk_free(jb);
}

/* ---------------------------------------------------------------------
 * For the search pipeline
 * ------------------------------------------------------------------ */

static bool text_ok(const char *s, size_t max, bool required)
{
    if (s == NULL)
        return !required;
    size_t n = strlen(s);
    if (required && n == 0)
        return false;
    return n <= max && hk_utf8_valid(s, n);
}

/* See jobs.h. */
int hk_jobs_upsert(struct hk_jobs *jb, struct hk_dbconn *c,
                   const struct hawk_job *job, int64_t *job_id,
                   struct hk_err *err)
{
    (void)jb;
    static const char *const wp[] = {"any", "onsite", "remote", "hybrid"};
    PGresult *r = NULL;
    *job_id = 0;
    /* The 1.0 size, not sizeof(): a board built before fields were
     * appended to hawk_job still stores its jobs. */
    if (job == NULL || job->struct_size < HAWK_JOB_SIZE_1_0 ||
        !text_ok(job->board, 64, true) ||
        !text_ok(job->external_id, 300, true) ||
        !text_ok(job->title, 1000, true) ||
        !text_ok(job->company, 1000, false) ||
        !text_ok(job->location, 1000, false) ||
        !text_ok(job->salary, 500, false) ||
        !text_ok(job->description, 1000000, false) ||
        !text_ok(job->url, 4000, false))
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                          "a job needs a board, an external id and a title, "
                          "and every text must be UTF-8 within its limit");
    unsigned w = (unsigned)job->workplace;
    if (w > 3)
        w = 0;
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_text(&p, job->board);
    hk_db_param_text(&p, job->external_id);
    hk_db_param_text(&p, job->title);
    hk_db_param_text(&p, job->company);
    hk_db_param_text(&p, job->location);
    hk_db_param_text(&p, wp[w]);
    hk_db_param_text(&p, job->salary);
    if (job->applicants >= 0)
        hk_db_param_i64(&p, job->applicants);
    else
        hk_db_param_null(&p);
    if (job->posted_at > 0)
        hk_db_param_i64(&p, job->posted_at);
    else
        hk_db_param_null(&p);
    hk_db_param_text(&p, job->description);
    hk_db_param_text(&p, job->url && *job->url ? job->url : NULL);
    hk_db_param_bool(&p, job->easy_apply);
    int rc = hk_db_params_run(
        c,
        "INSERT INTO jobs (board, external_id, title, company, location,"
        " workplace, salary, applicants, posted_at, description, url,"
        " easy_apply) VALUES ($1, $2, $3, coalesce($4, ''), coalesce($5, ''),"
        " $6, $7, $8::int, to_timestamp($9::bigint), $10, $11, $12::boolean)"
        " ON CONFLICT (board, external_id) DO UPDATE SET"
        " title = EXCLUDED.title, company = EXCLUDED.company,"
        " location = EXCLUDED.location, workplace = EXCLUDED.workplace,"
        " salary = coalesce(EXCLUDED.salary, jobs.salary),"
        " applicants = coalesce(EXCLUDED.applicants, jobs.applicants),"
        " posted_at = coalesce(EXCLUDED.posted_at, jobs.posted_at),"
        " description = coalesce(EXCLUDED.description, jobs.description),"
        " url = coalesce(EXCLUDED.url, jobs.url),"
        " easy_apply = EXCLUDED.easy_apply, updated_at = now()"
        " RETURNING id",
        &p, &r);
    if (rc < 0)
        return hk_db_err(err, rc);
    *job_id = hk_db_col_i64(r, 0, 0);
    PQclear(r);
    return 0;
}

/* See jobs.h. */
int hk_jobs_link(struct hk_jobs *jb, struct hk_dbconn *c, int64_t user_id,
                 int64_t job_id, const char *search_term, struct hk_err *err)
{
    (void)jb;
    if (search_term != NULL && !text_ok(search_term, 200, false))
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                          "a search term must be UTF-8 text of at most 200 "
                          "bytes");
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, job_id);
    hk_db_param_text(&p, search_term);
    int rc = hk_db_params_run(c,
                              "INSERT INTO user_jobs (user_id, job_id,"
                              " search_term) VALUES ($1::bigint, $2::bigint,"
                              " $3) ON CONFLICT (user_id, job_id) DO NOTHING",
                              &p, NULL);
    return rc < 0 ? hk_db_err(err, rc) : 0;
}

/* JSON array text or "[]"; NULL when it is not an array. */
static const char *json_array_text(const char *s, json_object **hold)
{
    *hold = NULL;
    if (s == NULL)
        return "[]";
    *hold = json_tokener_parse(s);
    if (*hold == NULL || !json_object_is_type(*hold, json_type_array))
        return NULL;
    return json_object_to_json_string_ext(*hold, JSON_C_TO_STRING_PLAIN);
}

/* See jobs.h. */
int hk_jobs_score_set(struct hk_jobs *jb, struct hk_dbconn *c, int64_t user_id,
                      int64_t job_id, double score, const char *reasons_json,
                      const char *missing_skills_json, struct hk_err *err)
{
    (void)jb;
    json_object *h1 = NULL, *h2 = NULL;
    char sc[32];
    int rc;
    if (!isfinite(score) || score < 0 || score > 100)
        return hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                          "a score must be a number from 0 to 100");
    const char *reasons = json_array_text(reasons_json, &h1);
    const char *missing = json_array_text(missing_skills_json, &h2);
    if (reasons == NULL || missing == NULL) {
        rc = hk_err_set(err, HAWK_EINVAL, NULL, NULL,
                        "reasons and missing skills must be JSON arrays");
        goto out;
    }
    /* the column keeps two decimals; round here as the text says */
    snprintf(sc, sizeof(sc), "%.2f", score);
    struct hk_db_params p;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, user_id);
    hk_db_param_i64(&p, job_id);
    hk_db_param_text(&p, sc);
    hk_db_param_text(&p, reasons);
    hk_db_param_text(&p, missing);
    rc = hk_db_params_run(
        c,
        "INSERT INTO job_scores (user_id, job_id, score, reasons,"
        " missing_skills) VALUES ($1::bigint, $2::bigint, $3::numeric,"
        " $4::jsonb, $5::jsonb) ON CONFLICT (user_id, job_id) DO UPDATE"
        " SET score = EXCLUDED.score, reasons = EXCLUDED.reasons,"
        " missing_skills = EXCLUDED.missing_skills, scored_at = now()",
        &p, NULL);
    if (rc < 0)
        hk_db_err(err, rc);
out:
    json_object_put(h1);
    json_object_put(h2);
    return rc;
}

/* ---------------------------------------------------------------------
 * For the API
 * ------------------------------------------------------------------ */

/* clang-format off */
#define JOB_COLS                                                               \
    "j.id, j.board, j.external_id, j.title, j.company, j.location,"            \
    " j.workplace, j.salary, j.applicants, " HK_DB_TS("j.posted_at") ","       \
    " j.url, j.easy_apply, " HK_DB_TS("uj.found_at") ", uj.search_term,"       \
    " s.score, s.reasons::text, s.missing_skills::text, "                      \
    HK_DB_TS("s.scored_at") ", a.id, a.status, j.description"
/* clang-format on */

#define JOB_FROM                                                               \
    " FROM user_jobs uj JOIN jobs j ON j.id = uj.job_id"                       \
    " LEFT JOIN job_scores s ON s.user_id = uj.user_id AND s.job_id = j.id"    \
    " LEFT JOIN applications a ON a.user_id = uj.user_id"                      \
    "  AND a.job_id = j.id"

static const char sql_one[] =
    "SELECT " JOB_COLS JOB_FROM " WHERE uj.user_id = $2::bigint"
    " AND uj.job_id = $1::bigint";

static json_object *job_json(const PGresult *r, int i, bool detail)
{
    json_object *o = json_object_new_object();
    static const char *const names[] = {
        "id",       "board",      "external_id", "title",      "company",
        "location", "workplace",  "salary",      "applicants", "posted_at",
        "url",      "easy_apply", "found_at",    "search_term"};
    for (int c = 0; c < 14; c++) {
        json_object *v;
        if (c == 0 || c == 8)
            v = hk_db_col_int(r, i, c);
        else if (c == 11)
            v = hk_db_col_bool(r, i, c);
        else
            v = hk_db_col_text(r, i, c);
        json_object_object_add(o, names[c], v);
    }
    json_object *score = NULL;
    if (!PQgetisnull(r, i, 14)) {
        score = json_object_new_object();
        json_object_object_add(score, "score", hk_db_col_num(r, i, 14));
        json_object_object_add(score, "reasons", hk_db_col_jsonb(r, i, 15));
        json_object_object_add(score, "missing_skills",
                               hk_db_col_jsonb(r, i, 16));
        json_object_object_add(score, "scored_at", hk_db_col_text(r, i, 17));
    }
    json_object_object_add(o, "score", score);
    json_object *app = NULL;
    if (!PQgetisnull(r, i, 18)) {
        app = json_object_new_object();
        json_object_object_add(app, "id", hk_db_col_int(r, i, 18));
        json_object_object_add(app, "status", hk_db_col_text(r, i, 19));
    }
    json_object_object_add(o, "application", app);
    if (detail)
        json_object_object_add(o, "description", hk_db_col_text(r, i, 20));
    return o;
}

/* "%text%" for ILIKE, with LIKE's own wildcards in the text escaped. */
static void like_pattern(const char *s, char *out, size_t outlen)
{
    size_t n = 0;
    out[n++] = '%';
    for (const char *p = s; *p && n + 3 < outlen; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            out[n++] = '\\';
        out[n++] = *p;
    }
    out[n++] = '%';
    out[n] = '\0';
}

/* See jobs.h. */
int hk_jobs_list(struct hk_jobs *jb, int64_t user_id,
                 const struct hk_jobs_filter *f, int64_t page, int64_t per_page,
                 json_object **items, int64_t *total, struct hk_err *err)
{
    static const char *const orders[] = {
        [HK_JOBS_SORT_FOUND] = " ORDER BY uj.found_at DESC, j.id DESC",
        [HK_JOBS_SORT_SCORE] = " ORDER BY s.score DESC NULLS LAST, j.id DESC",
        [HK_JOBS_SORT_POSTED] =
            " ORDER BY j.posted_at DESC NULLS LAST, j.id DESC"};
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL, *cr = NULL;
    struct hk_db_sql where;
    struct hk_buf sql;
    char like[820];
    *items = NULL;
    *total = 0;
    hk_db_sql_init(&where);
    hk_buf_init(&sql, 0);
    hk_db_sql_i64(&where, " WHERE uj.user_id = ?::bigint", user_id);
    if (f->min_score != NULL)
        hk_db_sql_text(&where, " AND s.score >= ?::numeric", f->min_score);
    if (f->board != NULL)
        hk_db_sql_text(&where, " AND j.board = ?", f->board);
    if (f->company != NULL) {
        like_pattern(f->company, like, sizeof(like));
        hk_db_sql_text(&where, " AND j.company ILIKE ?", like);
    }
    if (f->text != NULL)
        hk_db_sql_text(&where,
                       " AND j.search @@ websearch_to_tsquery('english', ?)",
                       f->text);
    if (f->applied == 0)
        hk_db_sql_add(&where, " AND a.id IS NULL");
    else if (f->applied == 1)
        hk_db_sql_add(&where, " AND a.id IS NOT NULL");
    int rc = hk_db_borrow(jb->db, &c, err);
    if (rc < 0)
        goto out;
    (void)hk_buf_printf(&sql, "SELECT count(*)" JOB_FROM "%s",
                        hk_buf_str(&where.sql));
    rc = hk_db_params_run(c, hk_buf_str(&sql), &where.p, &cr);
    if (rc == 0) {
        /* the page: the same filters, then its order and window */
        int n = where.p.n;
        hk_db_param_i64(&where.p, per_page);
        hk_db_param_i64(&where.p, (page - 1) * per_page);
        hk_buf_reset(&sql);
        (void)hk_buf_printf(&sql,
                            "SELECT " JOB_COLS JOB_FROM
                            "%s%s LIMIT $%d::bigint OFFSET $%d::bigint",
                            hk_buf_str(&where.sql), orders[f->sort], n + 1,
                            n + 2);
        rc = hk_db_params_run(c, hk_buf_str(&sql), &where.p, &r);
    }
    hk_db_release(jb->db, c);
    if (rc < 0) {
        hk_db_err(err, rc);
        goto out;
    }
    *total = hk_db_col_i64(cr, 0, 0);
    *items = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_object_array_add(*items, job_json(r, i, false));
out:
    if (r != NULL)
        PQclear(r);
    if (cr != NULL)
        PQclear(cr);
    hk_buf_release(&sql);
    hk_db_sql_release(&where);
    return rc;
}

static int not_found(struct hk_err *err, int64_t id)
{
    return hk_err_set(err, HAWK_ENOTFOUND, NULL, NULL,
                      "no job with id %" PRId64, id);
}

/* See jobs.h. */
int hk_jobs_get(struct hk_jobs *jb, int64_t user_id, int64_t id,
                json_object **out, struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    *out = NULL;
    int rc = hk_db_borrow(jb->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, id);
    hk_db_param_i64(&p, user_id);
    rc = hk_db_params_run(c, sql_one, &p, &r);
    hk_db_release(jb->db, c);
    if (rc < 0)
        return hk_db_err(err, rc);
    if (PQntuples(r) == 0)
        rc = not_found(err, id);
    else
        *out = job_json(r, 0, true);
    PQclear(r);
    return rc;
}

/* See jobs.h. */
int hk_jobs_hide(struct hk_jobs *jb, int64_t user_id, int64_t id,
                 struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hk_db_params p;
    int rc = hk_db_borrow(jb->db, &c, err);
    if (rc < 0)
        return rc;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, id);
    hk_db_param_i64(&p, user_id);
    rc = hk_db_params_run(c,
                          "DELETE FROM user_jobs WHERE job_id = $1::bigint"
                          " AND user_id = $2::bigint RETURNING job_id",
                          &p, &r);
    hk_db_release(jb->db, c);
    if (rc < 0)
        return hk_db_err(err, rc);
    if (PQntuples(r) == 0)
        rc = not_found(err, id);
    PQclear(r);
    return rc;
}

static int posted_check(const struct hk_jslot *slot, struct hk_err *err)
{
    int64_t t;
    if (hk_parse_time(json_object_get_string(slot->value), &t) < 0)
        return hk_json_fail(err, slot->path,
                            "must be a date (2025-01-31) or an RFC 3339 "
                            "date-time");
    return 0;
}

static int url_check(const struct hk_jslot *slot, struct hk_err *err)
{
    const char *u = json_object_get_string(slot->value);
    if (*u != '\0' && !hk_str_has_prefix(u, "https://") &&
        !hk_str_has_prefix(u, "http://"))
        return hk_json_fail(err, slot->path,
                            "must start with https:// or http://");
    return 0;
}

static const char *const workplaces[] = {"any", "onsite", "remote", "hybrid",
                                         NULL};
static const struct hk_field manual_fields[] = {
    HK_FIELD("title", HK_F_STRING, true, false, 1, 500),
    HK_FIELD("company", HK_F_STRING, false, false, 0, 500),
    HK_FIELD("location", HK_F_STRING, false, false, 0, 500),
    {"workplace", HK_F_STRING, false, false, 0, 10, .oneof = workplaces,
     .msg = "must be any, onsite, remote or hybrid"},
    HK_FIELD("salary", HK_F_STRING, false, true, 0, 200),
    HK_FIELD("applicants", HK_F_INT, false, true, 0, 10000000),
    {"posted_at", HK_F_STRING, false, true, 0, 40, .check = posted_check},
    HK_FIELD("description", HK_F_STRING, false, true, 0, 200000),
    {"url", HK_F_STRING, false, true, 0, 2000, .check = url_check},
    HK_FIELD("easy_apply", HK_F_BOOL, false, false, 0, 0),
    HK_FIELD("external_id", HK_F_STRING, false, false, 1, 200),
    HK_FIELD("search_term", HK_F_STRING, false, true, 0, 200),
    HK_FIELD_END};

static const char *member_str(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, k, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* The manual job of a checked body; external is the buffer its external
 * id is written into. */
static int manual_job(int64_t user_id, json_object *body, struct hawk_job *job,
                      char *external, size_t extlen, struct hk_err *err)
{
    json_object *v = NULL;
    char rnd[17];
    memset(job, 0, sizeof(*job));
    job->struct_size = sizeof(*job);
    job->board = "manual";
    job->title = member_str(body, "title");
    job->company = member_str(body, "company");
    job->location = member_str(body, "location");
    job->salary = member_str(body, "salary");
    job->description = member_str(body, "description");
    job->url = member_str(body, "url");
    job->applicants = -1;
    if (json_object_object_get_ex(body, "applicants", &v) && v != NULL)
        job->applicants = (int)json_object_get_int64(v);
    if (json_object_object_get_ex(body, "easy_apply", &v))
        job->easy_apply = json_object_get_boolean(v);
    const char *wp = member_str(body, "workplace");
    for (int i = 0; wp != NULL && workplaces[i] != NULL; i++)
        if (strcmp(workplaces[i], wp) == 0)
            job->workplace = i; /* HAWK_WORKPLACE_ANY .. _HYBRID */
    const char *posted = member_str(body, "posted_at");
    if (posted != NULL)
        (void)hk_parse_time(posted, &job->posted_at); /* checked */
    const char *given = member_str(body, "external_id");
    if (given == NULL) {
        unsigned char raw[8];
        if (hk_random_bytes(raw, sizeof(raw)) < 0)
            return hk_db_err(err, HAWK_EIO);
        hk_hex_encode(raw, sizeof(raw), rnd);
        given = rnd;
    }
    snprintf(external, extlen, "%" PRId64 ":%s", user_id, given);
    job->external_id = external;
    return 0;
}

/* See jobs.h. */
int hk_jobs_create(struct hk_jobs *jb, int64_t user_id, json_object *body,
                   json_object **out, struct hk_err *err)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hawk_job job;
    struct hk_db_params p;
    char ext[260];
    int64_t job_id = 0;
    *out = NULL;
    int rc = hk_json_validate(body, manual_fields, "", err);
    if (rc == 0)
        rc = manual_job(user_id, body, &job, ext, sizeof(ext), err);
    if (rc == 0)
        rc = hk_db_borrow(jb->db, &c, err);
    if (rc < 0)
        return rc;
    rc = hk_db_begin(c);
    if (rc < 0) {
        hk_db_err(err, rc);
        goto out;
    }
    rc = hk_jobs_upsert(jb, c, &job, &job_id, err);
    if (rc == 0)
        rc = hk_jobs_link(jb, c, user_id, job_id,
                          member_str(body, "search_term"), err);
    if (rc == 0) {
        hk_db_params_init(&p);
        hk_db_param_i64(&p, job_id);
        hk_db_param_i64(&p, user_id);
        rc = hk_db_params_run(c, sql_one, &p, &r);
        if (rc < 0)
            hk_db_err(err, rc);
    }
    if (rc == 0) {
        rc = hk_db_commit(c);
        if (rc < 0)
            hk_db_err(err, rc);
    }
    if (rc == HAWK_EINVAL)
        /* the body passed its checks: what the database refused is text */
        rc = hk_err_set(err, HAWK_EINVAL, "invalid_field", NULL,
                        "the job could not be stored; check that every text "
                        "is valid UTF-8");
    if (rc == 0)
        *out = job_json(r, 0, true);
out:
    if (rc < 0)
        hk_db_rollback(c);
    hk_db_release(jb->db, c);
    if (r != NULL)
        PQclear(r);
    return rc;
}
