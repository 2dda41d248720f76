/*
 * llm/routes_answers.c - the user's answers to application questions:
 *   GET    /api/v1/answers            saved answers (override, llm,
 *                                     profile), newest first, paginated
 *   PUT    /api/v1/answers            set an override (always wins)
 *   DELETE /api/v1/answers/{id}       forget one
 *   POST   /api/v1/answers/resolve    answer a question now (task queue)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "db/db.h"
#include "http/http.h"
#include "llm/llm.h"
#include "llm/llm_int.h"
#include "util/alloc.h"
#include "util/str.h"

#define ANSWER_COLUMNS                                                         \
    "id, question, question_key, input_type, options::text, answer::text,"     \
    " source, hits,"                                                           \
    " to_char(created_at AT TIME ZONE 'UTC',"                                  \
    " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"                                   \
    " to_char(updated_at AT TIME ZONE 'UTC',"                                  \
    " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), scope, scope_key, slot"

static const char sql_list[] =
    "SELECT " ANSWER_COLUMNS " FROM llm_answers WHERE user_id = $1::bigint"
    " AND ($2::text IS NULL OR source = $2::text)"
    " ORDER BY updated_at DESC, id DESC LIMIT $3::bigint OFFSET $4::bigint";

static const char sql_count[] =
    "SELECT count(*) FROM llm_answers WHERE user_id = $1::bigint"
    " AND ($2::text IS NULL OR source = $2::text)";

static const char sql_existing[] =
    "SELECT input_type, options::text FROM llm_answers"
    " WHERE user_id = $1::bigint AND question_key = $2"
    " ORDER BY (source = 'user') DESC, updated_at DESC LIMIT 1";

/* An override holds for its scope whatever the field's options are. */
static const char sql_override[] =
    "INSERT INTO llm_answers (user_id, question_key, question, input_type,"
    " options, answer, source, scope, scope_key) VALUES ($1::bigint, $2, $3,"
    " $4, $5::jsonb, $6::jsonb, 'user', $7, lower(btrim($8::text)))"
    " ON CONFLICT (user_id, question_key, scope, scope_key, options_key)"
    " DO UPDATE SET question = EXCLUDED.question,"
    " input_type = EXCLUDED.input_type, options = EXCLUDED.options,"
    " answer = EXCLUDED.answer, source = 'user', updated_at = now()"
    " RETURNING " ANSWER_COLUMNS;

static const char sql_delete[] =
    "DELETE FROM llm_answers WHERE id = $1::bigint AND user_id = $2::bigint";

static json_object *row_json(const PGresult *r, int i)
{
    json_object *o = json_object_new_object();
    const char *src = PQgetvalue(r, i, 6);
    json_object_object_add(
        o, "id", json_object_new_int64(strtoll(PQgetvalue(r, i, 0), NULL, 10)));
    json_object_object_add(o, "question",
                           json_object_new_string(PQgetvalue(r, i, 1)));
    json_object_object_add(o, "key",
                           json_object_new_string(PQgetvalue(r, i, 2)));
    json_object_object_add(o, "type",
                           json_object_new_string(PQgetvalue(r, i, 3)));
    json_object_object_add(
        o, "options",
        PQgetisnull(r, i, 4) ? NULL : json_tokener_parse(PQgetvalue(r, i, 4)));
    json_object_object_add(o, "answer",
                           json_tokener_parse(PQgetvalue(r, i, 5)));
    json_object_object_add(
        o, "source",
        json_object_new_string(strcmp(src, "user") == 0 ? "override" : src));
    json_object_object_add(
        o, "hits",
        json_object_new_int64(strtoll(PQgetvalue(r, i, 7), NULL, 10)));
    json_object_object_add(o, "created_at",
                           json_object_new_string(PQgetvalue(r, i, 8)));
    json_object_object_add(o, "updated_at",
                           json_object_new_string(PQgetvalue(r, i, 9)));
    json_object_object_add(o, "scope",
                           json_object_new_string(PQgetvalue(r, i, 10)));
    const char *sk = PQgetvalue(r, i, 11);
    if (strcmp(PQgetvalue(r, i, 10), "company") == 0)
        json_object_object_add(o, "company", json_object_new_string(sk));
    else if (strcmp(PQgetvalue(r, i, 10), "job") == 0)
        json_object_object_add(o, "job_id",
                               json_object_new_int64(strtoll(sk, NULL, 10)));
    json_object_object_add(o, "slot",
                           PQgetisnull(r, i, 12)
                               ? NULL
                               : json_object_new_string(PQgetvalue(r, i, 12)));
    return o;
}

static void list_route(struct hk_req *req, struct hk_resp *resp)
{
    int64_t page = 1, per_page = 20;
    char uid[24], lim[24], off[24];
    PGresult *r = NULL, *n = NULL;

    if (hk_req_page(req, resp, 100, &page, &per_page) < 0)
        return;
    const char *src = hk_req_query(req, "source");
    if (src != NULL) {
        if (strcmp(src, "override") == 0) {
            src = "user";
        } else if (strcmp(src, "llm") != 0 && strcmp(src, "profile") != 0) {
            hk_resp_error(resp, 400, "invalid_parameter", "source",
                          "source must be override, llm or profile");
            return;
        }
    }
    struct hk_dbconn *c = hk_llm_acquire(req, resp);
    if (c == NULL)
        return;
    snprintf(uid, sizeof(uid), "%lld", (long long)req->user_id);
    snprintf(lim, sizeof(lim), "%lld", (long long)per_page);
    snprintf(off, sizeof(off), "%lld", (long long)((page - 1) * per_page));
    const char *params[] = {uid, src, lim, off};
    int rc = hk_db_query(c, sql_count, 2, params, &n);
    if (rc == 0)
        rc = hk_db_query(c, sql_list, 4, params, &r);
    hk_db_release(req->app->db, c);
    if (rc < 0) {
        PQclear(n);
        hk_resp_from_status(resp, rc);
        return;
    }
    json_object *items = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_object_array_add(items, row_json(r, i));
    PQclear(r);
    int64_t total = strtoll(PQgetvalue(n, 0, 0), NULL, 10);
    PQclear(n);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "items", items);
    json_object_object_add(o, "page", json_object_new_int64(page));
    json_object_object_add(o, "per_page", json_object_new_int64(per_page));
    json_object_object_add(o, "total", json_object_new_int64(total));
    json_object_object_add(
        o, "pages", json_object_new_int64((total + per_page - 1) / per_page));
    hk_resp_json(resp, 200, o);
}

/* Options from a JSON array into q (strings borrowed from arr).  false
 * with resp filled when an item is not a string. */
static bool read_options(json_object *arr, const char **buf, size_t cap,
                         struct hk_llm_question *q, struct hk_resp *resp)
{
    q->options = buf;
    q->n_options = 0;
    if (arr == NULL)
        return true;
    size_t n = json_object_array_length(arr);
    if (n > cap) {
        hk_resp_error(resp, 400, "invalid_field", "options",
                      "at most %zu options", cap);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(e, json_type_string)) {
            hk_resp_error(resp, 400, "invalid_field", "options",
                          "'options' must be an array of strings");
            return false;
        }
        buf[q->n_options++] = json_object_get_string(e);
    }
    return true;
}

/* Maps a question check error to the field it is about. */
static void question_error(struct hk_resp *resp, const struct hawk_error *err)
{
    const char *field = "question";
    if (strstr(err->msg, "option") != NULL)
        field = "options";
    else if (strncmp(err->msg, "type", 4) == 0)
        field = "type";
    hk_resp_error(resp, 400, "invalid_field", field, "%s", err->msg);
}

/* The stored type and options of an existing answer, when the override
 * does not name them.  *opts_json caller puts. */
static void existing_shape(struct hk_dbconn *c, int64_t user_id,
                           const char *key, char *type, size_t type_size,
                           json_object **opts_json)
{
    char uid[24];
    PGresult *r = NULL;
    snprintf(uid, sizeof(uid), "%lld", (long long)user_id);
    const char *params[] = {uid, key};
    if (hk_db_query(c, sql_existing, 2, params, &r) == 0 && PQntuples(r) == 1) {
        hk_strlcpy(type, PQgetvalue(r, 0, 0), type_size);
        if (!PQgetisnull(r, 0, 1))
            *opts_json = json_tokener_parse(PQgetvalue(r, 0, 1));
    }
    PQclear(r);
}

/* The scope of an override from its body: "global" (the default),
 * "company" with company, or "job" with job_id.  false with resp filled
 * when they do not go together. */
static bool override_scope(json_object *body, struct hk_resp *resp, char *scope,
                           size_t scope_size, char *key, size_t key_size)
{
    json_object *v = NULL;
    bool has_company = json_object_object_get_ex(body, "company", NULL);
    bool has_job = json_object_object_get_ex(body, "job_id", NULL);
    if (json_object_object_get_ex(body, "scope", &v))
        hk_strlcpy(scope, json_object_get_string(v), scope_size);
    if (strcmp(scope, "global") == 0 && !has_company && !has_job)
        return true;
    if (strcmp(scope, "company") == 0 && has_company && !has_job) {
        json_object_object_get_ex(body, "company", &v);
        hk_strlcpy(key, json_object_get_string(v), key_size);
        return true;
    }
    if (strcmp(scope, "job") == 0 && has_job && !has_company) {
        json_object_object_get_ex(body, "job_id", &v);
        snprintf(key, key_size, "%lld", (long long)json_object_get_int64(v));
        return true;
    }
    hk_resp_error(resp, 400, "invalid_field", "scope",
                  "scope must be global (no company or job_id), company "
                  "(with company) or job (with job_id)");
    return false;
}

static void override_route(struct hk_req *req, struct hk_resp *resp)
{
    static const struct hk_field fields[] = {
        HK_FIELD("question", HK_F_STRING, true, false, 1, 2000),
        HK_FIELD("answer", HK_F_ANY, true, false, 0, 0),
        HK_FIELD("type", HK_F_STRING, false, false, 1, 32),
        HK_FIELD("options", HK_F_ARRAY, false, false, 0, 0),
        HK_FIELD("scope", HK_F_STRING, false, false, 1, 16),
        HK_FIELD("company", HK_F_STRING, false, false, 1, 300),
        HK_FIELD("job_id", HK_F_INT, false, false, 1, INT64_MAX),
        HK_FIELD_END};
    json_object *body = NULL, *v = NULL, *opts = NULL, *stored_opts = NULL;
    char scope[16] = "global", scope_key[320] = "";
    const char *optbuf[100];
    char type[32] = "text", why[200];
    struct hk_llm_question q;
    struct hawk_error err;

    if (hk_req_json(req, resp, &body) < 0)
        return;
    if (hk_json_check(body, fields, resp) < 0) {
        json_object_put(body);
        return;
    }
    memset(&q, 0, sizeof(q));
    memset(&err, 0, sizeof(err));
    json_object_object_get_ex(body, "question", &v);
    q.text = json_object_get_string(v);
    char *key = hk_llm_question_key(q.text);
    struct hk_dbconn *c = NULL;
    if (!override_scope(body, resp, scope, sizeof(scope), scope_key,
                        sizeof(scope_key)))
        goto out;
    c = hk_llm_acquire(req, resp);
    if (c == NULL)
        goto out;
    bool has_type = json_object_object_get_ex(body, "type", &v);
    if (has_type)
        hk_strlcpy(type, json_object_get_string(v), sizeof(type));
    if (!json_object_object_get_ex(body, "options", &opts) && !has_type)
        existing_shape(c, req->user_id, key, type, sizeof(type), &stored_opts);
    q.type = type;
    if (!read_options(opts != NULL ? opts : stored_opts, optbuf, 100, &q, resp))
        goto out;
    if (hk_llm_question_check(&q, &err) < 0) {
        question_error(resp, &err);
        goto out;
    }
    json_object_object_get_ex(body, "answer", &v);
    json_object *fit = hk_llm_answer_fit(&q, v, why, sizeof(why));
    if (fit == NULL) {
        hk_resp_error(resp, 400, "invalid_field", "answer", "%s", why);
        goto out;
    }
    json_object *oj = NULL;
    if (q.n_options > 0) {
        oj = json_object_new_array();
        for (size_t i = 0; i < q.n_options; i++)
            json_object_array_add(oj, json_object_new_string(q.options[i]));
    }
    char uid[24];
    snprintf(uid, sizeof(uid), "%lld", (long long)req->user_id);
    char *answer_text = hk_strdup(hk_llm_json(fit));
    char *opts_text = oj != NULL ? hk_strdup(hk_llm_json(oj)) : NULL;
    const char *params[] = {uid,       key,         q.text, q.type,
                            opts_text, answer_text, scope,  scope_key};
    PGresult *r = NULL;
    int rc = hk_db_query(c, sql_override, 8, params, &r);
    if (rc < 0)
        hk_resp_from_status(resp, rc);
    else
        hk_resp_json(resp, 200, row_json(r, 0));
    PQclear(r);
    hk_free(answer_text);
    hk_free(opts_text);
    json_object_put(oj);
    json_object_put(fit);
out:
    if (c != NULL)
        hk_db_release(req->app->db, c);
    json_object_put(stored_opts);
    json_object_put(body);
    hk_free(key);
}

static void delete_route(struct hk_req *req, struct hk_resp *resp)
{
    int64_t id = 0;
    char ids[24], uid[24];
    PGresult *r = NULL;
    if (hk_req_param_id(req, resp, "id", &id) < 0)
        return;
    struct hk_dbconn *c = hk_llm_acquire(req, resp);
    if (c == NULL)
        return;
    snprintf(ids, sizeof(ids), "%lld", (long long)id);
    snprintf(uid, sizeof(uid), "%lld", (long long)req->user_id);
    const char *params[] = {ids, uid};
    int rc = hk_db_query(c, sql_delete, 2, params, &r);
    hk_db_release(req->app->db, c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return;
    }
    bool gone = strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    if (!gone) {
        hk_resp_error(resp, 404, "not_found", NULL, "answer %lld not found",
                      (long long)id);
        return;
    }
    hk_resp_bytes(resp, 204, "application/json", "", 0);
}

static void resolve_route(struct hk_req *req, struct hk_resp *resp)
{
    static const struct hk_field fields[] = {
        HK_FIELD("question", HK_F_STRING, true, false, 1, 2000),
        HK_FIELD("type", HK_F_STRING, true, false, 1, 32),
        HK_FIELD("options", HK_F_ARRAY, false, false, 0, 0),
        HK_FIELD("job_id", HK_F_INT, false, false, 1, INT64_MAX), HK_FIELD_END};
    json_object *body = NULL, *v = NULL, *opts = NULL;
    const char *optbuf[100];
    struct hk_llm_question q;
    struct hawk_error err;

    if (hk_req_json(req, resp, &body) < 0)
        return;
    if (hk_json_check(body, fields, resp) < 0) {
        json_object_put(body);
        return;
    }
    memset(&q, 0, sizeof(q));
    memset(&err, 0, sizeof(err));
    json_object_object_get_ex(body, "question", &v);
    q.text = json_object_get_string(v);
    json_object_object_get_ex(body, "type", &v);
    q.type = json_object_get_string(v);
    json_object_object_get_ex(body, "options", &opts);
    if (!read_options(opts, optbuf, 100, &q, resp)) {
        json_object_put(body);
        return;
    }
    if (hk_llm_question_check(&q, &err) < 0) {
        question_error(resp, &err);
        json_object_put(body);
        return;
    }
    /* The same up-front checks as the job features: a question that can
     * only fail later is refused now, and nothing is queued. */
    if (!hk_llm_available(req, resp)) {
        json_object_put(body);
        return;
    }
    struct hk_dbconn *c = hk_llm_acquire(req, resp);
    if (c != NULL) {
        bool ok = true;
        if (json_object_object_get_ex(body, "job_id", &v)) {
            struct hk_llm_job job;
            int64_t job_id = json_object_get_int64(v);
            int rc = hk_llm_job_load(c, req->user_id, job_id, &job);
            if (rc == 0) {
                hk_llm_job_release(&job);
            } else if (rc == HAWK_ENOTFOUND) {
                hk_resp_error(resp, 404, "not_found", "job_id",
                              "job %lld not found", (long long)job_id);
                ok = false;
            } else {
                hk_resp_from_status(resp, rc);
                ok = false;
            }
        }
        if (ok)
            ok = hk_llm_budget_ok(req->app->platform, c, req->user_id, resp);
        if (ok)
            hk_llm_enqueue(req, resp, c, "llm_answer", body, NULL);
        hk_db_release(req->app->db, c);
    }
    json_object_put(body);
}

/* See llm_int.h. */
void hk_llm_answer_routes(struct hk_router *r, hk_llm_add_route_fn add)
{
    add(r, "GET", "/api/v1/answers", list_route);
    add(r, "PUT", "/api/v1/answers", override_route);
    add(r, "DELETE", "/api/v1/answers/{id}", delete_route);
    add(r, "POST", "/api/v1/answers/resolve", resolve_route);
}
