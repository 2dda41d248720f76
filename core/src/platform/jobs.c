/*
 * platform/jobs.c - /api/v1/jobs: the postings found for the user, with
 * the user's fit score, filters and PostgreSQL full-text search; manual
 * job entry; and the upsert/link functions the search pipeline calls.
 *
 * Jobs are shared between users (one row per board + external id); what a
 * user sees is what user_jobs links to them.  Manual jobs get an external
 * id prefixed with the user's id, so one user can never overwrite a
 * posting another user sees.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hawk/plugin.h"
#include "platform/pf.h"
#include "platform/platform.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/str.h"

#define JOB_COLS                                                               \
    "j.id, j.board, j.external_id, j.title, j.company, j.location,"            \
    " j.workplace, j.salary, j.applicants, " PF_TS(                            \
        "j.posted_at") ","                                                     \
                       " j.url, j.easy_apply, " PF_TS(                         \
                           "uj.found_at") ", uj.search_term,"                  \
                                          " s.score, s.reasons::text, "        \
                                          "s.missing_skills::text, " PF_TS(    \
                                              "s.scored_at") ", a.id, "        \
                                                             "a.status, "      \
                                                             "j.description"

#define JOB_FROM                                                               \
    " FROM user_jobs uj JOIN jobs j ON j.id = uj.job_id"                       \
    " LEFT JOIN job_scores s ON s.user_id = uj.user_id AND s.job_id = j.id"    \
    " LEFT JOIN applications a ON a.user_id = uj.user_id"                      \
    "  AND a.job_id = j.id"

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
            v = hk_pf_int(r, i, c);
        else if (c == 11)
            v = hk_pf_bool(r, i, c);
        else
            v = hk_pf_text(r, i, c);
        json_object_object_add(o, names[c], v);
    }
    json_object *score = NULL;
    if (!PQgetisnull(r, i, 14)) {
        score = json_object_new_object();
        json_object_object_add(score, "score", hk_pf_num(r, i, 14));
        json_object_object_add(score, "reasons", hk_pf_jsonb(r, i, 15));
        json_object_object_add(score, "missing_skills", hk_pf_jsonb(r, i, 16));
        json_object_object_add(score, "scored_at", hk_pf_text(r, i, 17));
    }
    json_object_object_add(o, "score", score);
    json_object *app = NULL;
    if (!PQgetisnull(r, i, 18)) {
        app = json_object_new_object();
        json_object_object_add(app, "id", hk_pf_int(r, i, 18));
        json_object_object_add(app, "status", hk_pf_text(r, i, 19));
    }
    json_object_object_add(o, "application", app);
    if (detail)
        json_object_object_add(o, "description", hk_pf_text(r, i, 20));
    return o;
}

/* Adds the list filters from the query string to q; fills resp on a bad
 * parameter.  uid_param is the number of the user id parameter. */
static int add_filters(struct hk_req *req, struct hk_resp *resp,
                       struct hk_pf_q *q, char *like, size_t likelen)
{
    const char *board = NULL, *company = NULL, *min_score = NULL, *text = NULL;
    int not_applied = -1;
    if (hk_pf_query_str(req, resp, "board", 64, &board) < 0 ||
        hk_pf_query_str(req, resp, "company", 200, &company) < 0 ||
        hk_pf_query_str(req, resp, "min_score", 16, &min_score) < 0 ||
        hk_pf_query_str(req, resp, "q", 200, &text) < 0 ||
        hk_pf_query_bool(req, resp, "not_applied", &not_applied) < 0)
        return HAWK_EINVAL;
    if (min_score != NULL) {
        char *end = NULL;
        double v = strtod(min_score, &end);
        if (end == min_score || *end != '\0' || !(v >= 0 && v <= 100)) {
            hk_resp_error(resp, 400, "invalid_parameter", "min_score",
                          "query parameter 'min_score' must be a "
                          "number from 0 to 100");
            return HAWK_EINVAL;
        }
        hk_pf_q_add(q, " AND s.score >= ?::numeric", min_score);
    }
    if (board != NULL)
        hk_pf_q_add(q, " AND j.board = ?", board);
    if (company != NULL) {
        /* Substring match: escape LIKE's own wildcards in the input. */
        size_t n = 0;
        like[n++] = '%';
        for (const char *p = company; *p && n + 3 < likelen; p++) {
            if (*p == '%' || *p == '_' || *p == '\\')
                like[n++] = '\\';
            like[n++] = *p;
        }
        like[n++] = '%';
        like[n] = '\0';
        hk_pf_q_add(q, " AND j.company ILIKE ?", like);
    }
    if (text != NULL)
        hk_pf_q_add(q, " AND j.search @@ websearch_to_tsquery('english', ?)",
                    text);
    if (not_applied == 1)
        hk_pf_q_sql(q, " AND a.id IS NULL");
    else if (not_applied == 0)
        hk_pf_q_sql(q, " AND a.id IS NOT NULL");
    return 0;
}

/* GET /api/v1/jobs */
static void h_list(struct hk_req *req, struct hk_resp *resp)
{
    int64_t page, per_page;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL, *cr = NULL;
    char uid[24], lim[24], off[24], like[820];
    struct hk_pf_q where, q;
    const char *sort = NULL;
    if (hk_req_page(req, resp, PF_MAX_PER_PAGE, &page, &per_page) < 0)
        return;
    if (hk_pf_query_str(req, resp, "sort", 16, &sort) < 0)
        return;
    const char *order = " ORDER BY uj.found_at DESC, j.id DESC";
    if (sort != NULL && strcmp(sort, "score") == 0)
        order = " ORDER BY s.score DESC NULLS LAST, j.id DESC";
    else if (sort != NULL && strcmp(sort, "posted") == 0)
        order = " ORDER BY j.posted_at DESC NULLS LAST, j.id DESC";
    else if (sort != NULL && strcmp(sort, "found") != 0) {
        hk_resp_error(resp, 400, "invalid_parameter", "sort",
                      "query parameter 'sort' must be found, score or "
                      "posted");
        return;
    }
    hk_pf_q_init(&where);
    hk_pf_q_add(&where, " WHERE uj.user_id = ?::bigint",
                hk_pf_id(uid, req->user_id));
    if (add_filters(req, resp, &where, like, sizeof(like)) < 0) {
        hk_pf_q_release(&where);
        return;
    }
    hk_pf_q_init(&q);
    hk_pf_q_sql(&q, "SELECT count(*)" JOB_FROM);
    hk_pf_q_sql(&q, hk_buf_str(&where.sql));
    if (hk_pf_acquire(req, resp, &c) < 0)
        goto out;
    int rc = hk_db_query(c, hk_buf_str(&q.sql), where.n, where.params, &cr);
    if (rc == 0) {
        hk_buf_reset(&q.sql);
        hk_pf_q_sql(&q, "SELECT " JOB_COLS JOB_FROM);
        hk_pf_q_sql(&q, hk_buf_str(&where.sql));
        hk_pf_q_sql(&q, order);
        where.params[where.n] = hk_pf_id(lim, per_page);
        where.params[where.n + 1] = hk_pf_id(off, (page - 1) * per_page);
        hk_pf_q_ref(&q, " LIMIT ?::bigint", where.n + 1);
        hk_pf_q_ref(&q, " OFFSET ?::bigint", where.n + 2);
        rc = hk_db_query(c, hk_buf_str(&q.sql), where.n + 2, where.params, &r);
    }
    hk_pf_release(req, c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    json_object *items = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_object_array_add(items, job_json(r, i, false));
    hk_resp_json(resp, 200,
                 hk_pf_page(items, page, per_page, hk_pf_i64(cr, 0, 0)));
out:
    if (r != NULL)
        PQclear(r);
    if (cr != NULL)
        PQclear(cr);
    hk_pf_q_release(&q);
    hk_pf_q_release(&where);
}

static void not_found(struct hk_resp *resp, int64_t id)
{
    hk_resp_error(resp, 404, "not_found", NULL, "no job with id %" PRId64, id);
}

/* GET /api/v1/jobs/{id} */
static void h_get(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id;
    PGresult *r;
    if (hk_pf_query_by_id(req, resp,
                          "SELECT " JOB_COLS JOB_FROM
                          " WHERE uj.user_id = $2::bigint"
                          " AND uj.job_id = $1::bigint",
                          &id, &r) < 0)
        return;
    if (PQntuples(r) == 0)
        not_found(resp, id);
    else
        hk_resp_json(resp, 200, job_json(r, 0, true));
    PQclear(r);
}

/* DELETE /api/v1/jobs/{id}: hides the job from the user (the posting
 * itself stays for other users and for applications). */
static void h_delete(struct hk_req *req, struct hk_resp *resp)
{
    hk_pf_delete_by_id(req, resp,
                       "DELETE FROM user_jobs WHERE job_id = $1::bigint"
                       " AND user_id = $2::bigint RETURNING job_id",
                       not_found);
}

static int posted_check(const struct hk_jslot *slot, struct hk_err *err)
{
    int64_t t;
    if (hk_pf_parse_time(json_object_get_string(slot->value), &t) < 0)
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

/* POST /api/v1/jobs: a job the user found elsewhere (board "manual"). */
static void h_create(struct hk_req *req, struct hk_resp *resp)
{
    json_object *body = NULL, *v = NULL;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    struct hawk_job job;
    char ext[260], rnd[17], b0[24], b1[24];
    int64_t job_id = 0;
    int rc;
    if (hk_req_json(req, resp, &body) < 0)
        return;
    if (hk_json_check(body, manual_fields, resp) < 0)
        goto out;
    memset(&job, 0, sizeof(job));
    job.struct_size = sizeof(job);
    job.board = "manual";
    job.title = hk_pf_member_str(body, "title");
    job.company = hk_pf_member_str(body, "company");
    job.location = hk_pf_member_str(body, "location");
    job.salary = hk_pf_member_str(body, "salary");
    job.description = hk_pf_member_str(body, "description");
    job.url = hk_pf_member_str(body, "url");
    job.applicants = -1;
    if (json_object_object_get_ex(body, "applicants", &v) && v != NULL)
        job.applicants = (int)json_object_get_int64(v);
    if (json_object_object_get_ex(body, "easy_apply", &v))
        job.easy_apply = json_object_get_boolean(v);
    const char *wp = hk_pf_member_str(body, "workplace");
    if (wp == NULL || strcmp(wp, "any") == 0)
        job.workplace = HAWK_WORKPLACE_ANY;
    else if (strcmp(wp, "onsite") == 0)
        job.workplace = HAWK_WORKPLACE_ONSITE;
    else if (strcmp(wp, "remote") == 0)
        job.workplace = HAWK_WORKPLACE_REMOTE;
    else
        job.workplace = HAWK_WORKPLACE_HYBRID;
    const char *posted = hk_pf_member_str(body, "posted_at");
    if (posted != NULL)
        (void)hk_pf_parse_time(posted, &job.posted_at); /* checked above */
    const char *given = hk_pf_member_str(body, "external_id");
    if (given == NULL) {
        unsigned char raw[8];
        if (hk_random_bytes(raw, sizeof(raw)) < 0) {
            hk_resp_from_status(resp, HAWK_EIO);
            goto out;
        }
        hk_hex_encode(raw, sizeof(raw), rnd);
        given = rnd;
    }
    snprintf(ext, sizeof(ext), "%" PRId64 ":%s", req->user_id, given);
    job.external_id = ext;
    if (hk_pf_acquire(req, resp, &c) < 0)
        goto out;
    rc = hk_db_begin(c);
    if (rc == 0)
        rc = hk_jobs_upsert(c, &job, &job_id);
    if (rc == 0)
        rc = hk_user_jobs_link(c, req->user_id, job_id,
                               hk_pf_member_str(body, "search_term"));
    const char *params[] = {hk_pf_id(b0, job_id), hk_pf_id(b1, req->user_id)};
    if (rc == 0)
        rc = hk_db_query(c,
                         "SELECT " JOB_COLS JOB_FROM
                         " WHERE uj.user_id = $2::bigint"
                         " AND uj.job_id = $1::bigint",
                         2, params, &r);
    if (rc == 0)
        rc = hk_db_commit(c);
    if (rc < 0) {
        hk_pf_tx_abort(req, c);
        if (rc == HAWK_EINVAL)
            hk_resp_error(resp, 400, "invalid_field", NULL,
                          "the job could not be stored; check that every "
                          "text is valid UTF-8");
        else
            hk_resp_from_status(resp, rc);
        goto out;
    }
    hk_pf_release(req, c);
    hk_resp_json(resp, 201, job_json(r, 0, true));
out:
    if (r != NULL)
        PQclear(r);
    json_object_put(body);
}

static bool text_ok(const char *s, size_t max, bool required)
{
    if (s == NULL)
        return !required;
    size_t n = strlen(s);
    if (required && n == 0)
        return false;
    return n <= max && hk_utf8_valid(s, n);
}

/* See platform.h. */
int hk_jobs_upsert(struct hk_dbconn *c, const struct hawk_job *job,
                   int64_t *job_id)
{
    static const char *const wp[] = {"any", "onsite", "remote", "hybrid"};
    char apps[24], posted[24];
    PGresult *r = NULL;
    *job_id = 0;
    if (job == NULL || job->struct_size < sizeof(*job) ||
        !text_ok(job->board, 64, true) ||
        !text_ok(job->external_id, 300, true) ||
        !text_ok(job->title, 1000, true) ||
        !text_ok(job->company, 1000, false) ||
        !text_ok(job->location, 1000, false) ||
        !text_ok(job->salary, 500, false) ||
        !text_ok(job->description, 1000000, false) ||
        !text_ok(job->url, 4000, false))
        return HAWK_EINVAL;
    unsigned w = (unsigned)job->workplace;
    if (w > 3)
        w = 0;
    if (job->applicants >= 0)
        snprintf(apps, sizeof(apps), "%d", job->applicants);
    if (job->posted_at > 0)
        snprintf(posted, sizeof(posted), "%" PRId64, job->posted_at);
    const char *params[] = {job->board,
                            job->external_id,
                            job->title,
                            job->company,
                            job->location,
                            wp[w],
                            job->salary,
                            job->applicants >= 0 ? apps : NULL,
                            job->posted_at > 0 ? posted : NULL,
                            job->description,
                            job->url && *job->url ? job->url : NULL,
                            job->easy_apply ? "true" : "false"};
    int rc = hk_db_query(
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
        12, params, &r);
    if (rc < 0)
        return rc;
    *job_id = hk_pf_i64(r, 0, 0);
    PQclear(r);
    return 0;
}

/* See platform.h. */
int hk_user_jobs_link(struct hk_dbconn *c, int64_t user_id, int64_t job_id,
                      const char *search_term)
{
    char b0[24], b1[24];
    if (search_term != NULL && !text_ok(search_term, 200, false))
        return HAWK_EINVAL;
    const char *params[] = {hk_pf_id(b0, user_id), hk_pf_id(b1, job_id),
                            search_term};
    return hk_db_query(c,
                       "INSERT INTO user_jobs (user_id, job_id, search_term)"
                       " VALUES ($1::bigint, $2::bigint, $3)"
                       " ON CONFLICT (user_id, job_id) DO NOTHING",
                       3, params, NULL);
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

/* See platform.h. */
int hk_jobs_score_set(struct hk_dbconn *c, int64_t user_id, int64_t job_id,
                      double score, const char *reasons_json,
                      const char *missing_skills_json)
{
    json_object *h1 = NULL, *h2 = NULL;
    char b0[24], b1[24], sc[32];
    int rc = HAWK_EINVAL;
    if (!isfinite(score) || score < 0 || score > 100)
        return HAWK_EINVAL;
    const char *reasons = json_array_text(reasons_json, &h1);
    const char *missing = json_array_text(missing_skills_json, &h2);
    if (reasons != NULL && missing != NULL) {
        snprintf(sc, sizeof(sc), "%.2f", score);
        const char *params[] = {hk_pf_id(b0, user_id), hk_pf_id(b1, job_id), sc,
                                reasons, missing};
        rc = hk_db_query(
            c,
            "INSERT INTO job_scores (user_id, job_id, score, reasons,"
            " missing_skills) VALUES ($1::bigint, $2::bigint, $3::numeric,"
            " $4::jsonb, $5::jsonb) ON CONFLICT (user_id, job_id) DO UPDATE"
            " SET score = EXCLUDED.score, reasons = EXCLUDED.reasons,"
            " missing_skills = EXCLUDED.missing_skills, scored_at = now()",
            5, params, NULL);
    }
    json_object_put(h1);
    json_object_put(h2);
    return rc;
}

/* See pf.h. */
void hk_pf_job_routes(struct hk_router *r)
{
    hk_pf_route(r, "GET", "/api/v1/jobs", h_list, HK_ROUTE_AUTH, 0);
    hk_pf_route(r, "POST", "/api/v1/jobs", h_create, HK_ROUTE_AUTH, 0);
    hk_pf_route(r, "GET", "/api/v1/jobs/{id}", h_get, HK_ROUTE_AUTH, 0);
    hk_pf_route(r, "DELETE", "/api/v1/jobs/{id}", h_delete, HK_ROUTE_AUTH, 0);
}
