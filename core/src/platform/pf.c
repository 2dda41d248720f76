/*
 * platform/pf.c - helpers shared by the platform's route files.
 */
#include "platform/pf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "util/str.h"

/* See pf.h. */
int hk_pf_acquire(struct hk_req *req, struct hk_resp *resp,
                  struct hk_dbconn **c)
{
    *c = NULL;
    if (req->app == NULL || req->app->db == NULL) {
        hk_resp_from_status(resp, HAWK_EUNAVAIL);
        return HAWK_EUNAVAIL;
    }
    int rc = hk_db_acquire(req->app->db, c);
    if (rc < 0) {
        hk_resp_from_status(resp, HAWK_EUNAVAIL);
        return rc;
    }
    return 0;
}

/* See pf.h. */
void hk_pf_release(struct hk_req *req, struct hk_dbconn *c)
{
    if (c != NULL)
        hk_db_release(req->app->db, c);
}

/* See pf.h. */
json_object *hk_pf_text(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return json_object_new_string_len(PQgetvalue(r, row, col),
                                      PQgetlength(r, row, col));
}

/* See pf.h. */
int64_t hk_pf_i64(const PGresult *r, int row, int col)
{
    int64_t v = 0;
    if (PQgetisnull(r, row, col))
        return 0;
    (void)hk_parse_i64(PQgetvalue(r, row, col), INT64_MIN, INT64_MAX, &v);
    return v;
}

/* See pf.h. */
json_object *hk_pf_int(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return json_object_new_int64(hk_pf_i64(r, row, col));
}

/* See pf.h. */
json_object *hk_pf_bool(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return json_object_new_boolean(PQgetvalue(r, row, col)[0] == 't');
}

/* See pf.h. */
json_object *hk_pf_num(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    const char *s = PQgetvalue(r, row, col);
    return json_object_new_double(strtod(s, NULL));
}

/* See pf.h. */
json_object *hk_pf_jsonb(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return json_tokener_parse(PQgetvalue(r, row, col));
}

/* See pf.h. */
json_object *hk_pf_page(json_object *items, int64_t page, int64_t per_page,
                        int64_t total)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "items", items);
    json_object_object_add(o, "page", json_object_new_int64(page));
    json_object_object_add(o, "per_page", json_object_new_int64(per_page));
    json_object_object_add(o, "total", json_object_new_int64(total));
    json_object_object_add(
        o, "pages",
        json_object_new_int64(per_page > 0 ? (total + per_page - 1) / per_page
                                           : 0));
    return o;
}

/* See pf.h. */
int hk_pf_query_bool(struct hk_req *req, struct hk_resp *resp, const char *name,
                     int *out)
{
    const char *v = hk_req_query(req, name);
    *out = -1;
    if (v == NULL || *v == '\0')
        return 0;
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
        *out = 1;
        return 0;
    }
    if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
        *out = 0;
        return 0;
    }
    hk_resp_error(resp, 400, "invalid_parameter", name,
                  "query parameter '%s' must be true or false", name);
    return HAWK_EINVAL;
}

/* See pf.h. */
int hk_pf_query_str(struct hk_req *req, struct hk_resp *resp, const char *name,
                    size_t maxlen, const char **out)
{
    const char *v = hk_req_query(req, name);
    *out = NULL;
    if (v == NULL || *v == '\0')
        return 0;
    size_t n = strlen(v);
    if (n > maxlen || !hk_utf8_valid(v, n)) {
        hk_resp_error(resp, 400, "invalid_parameter", name,
                      "query parameter '%s' must be UTF-8 text of at "
                      "most %zu bytes",
                      name, maxlen);
        return HAWK_EINVAL;
    }
    *out = v;
    return 0;
}

/* See pf.h. */
const char *hk_pf_id(char *buf, int64_t id)
{
    snprintf(buf, 24, "%" PRId64, id);
    return buf;
}

/* See pf.h. */
const char *hk_pf_actor(char *buf, int64_t user_id)
{
    snprintf(buf, 32, "user:%" PRId64, user_id);
    return buf;
}

/* See pf.h. */
void hk_pf_route(struct hk_router *r, const char *method, const char *pattern,
                 hk_handler_fn fn, unsigned flags, size_t max_body)
{
    struct hk_route_opts o = {.flags = flags, .max_body = max_body};
    int rc = hk_router_add_opts(r, method, pattern, fn, &o);
    if (rc < 0)
        hk_log(HAWK_LOG_ERROR, "cannot register route %s %s: %s", method,
               pattern, hawk_strerror(rc));
}

/* See pf.h. */
int hk_pf_user_lock(struct hk_dbconn *c, int ns, int64_t user_id)
{
    char nsb[16], uid[24];
    snprintf(nsb, sizeof(nsb), "%d", 0x504c0000 + ns);
    const char *params[] = {nsb, hk_pf_id(uid, user_id)};
    /* Two int4 keys: the namespace and the user id folded into 31 bits. */
    return hk_db_query(c,
                       "SELECT pg_advisory_xact_lock($1::int,"
                       " ($2::bigint % 2147483647)::int)",
                       2, params, NULL);
}

/* See pf.h. */
const char *hk_pf_member_str(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, k, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* See pf.h. */
int hk_pf_member_bool(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, k, &v) ||
        !json_object_is_type(v, json_type_boolean))
        return -1;
    return json_object_get_boolean(v) ? 1 : 0;
}

/* See pf.h. */
void hk_pf_tx_abort(struct hk_req *req, struct hk_dbconn *c)
{
    hk_db_rollback(c);
    hk_pf_release(req, c);
}

/* See pf.h. */
void hk_pf_tx_fail(struct hk_req *req, struct hk_resp *resp,
                   struct hk_dbconn *c, PGresult *r, int rc)
{
    if (r != NULL)
        PQclear(r);
    hk_pf_tx_abort(req, c);
    hk_resp_from_status(resp, rc);
}

/* See pf.h. */
void hk_pf_commit_reply(struct hk_req *req, struct hk_resp *resp,
                        struct hk_dbconn *c, PGresult *r, int status,
                        json_object *obj)
{
    int rc = hk_db_commit(c);
    if (rc < 0) {
        json_object_put(obj);
        hk_pf_tx_fail(req, resp, c, r, rc);
        return;
    }
    hk_pf_release(req, c);
    hk_resp_json(resp, status, obj);
    PQclear(r);
}

/* See pf.h. */
void hk_pf_no_content(struct hk_resp *resp)
{
    hk_buf_reset(&resp->body);
    resp->status = 204;
}

static int query_by_id(struct hk_req *req, struct hk_resp *resp,
                       const char *sql, int result_format, int64_t *id,
                       PGresult **r)
{
    struct hk_dbconn *c = NULL;
    char b0[24], b1[24];
    *r = NULL;
    int rc = hk_req_param_id(req, resp, "id", id);
    if (rc < 0)
        return rc;
    rc = hk_pf_acquire(req, resp, &c);
    if (rc < 0)
        return rc;
    const char *params[] = {hk_pf_id(b0, *id), hk_pf_id(b1, req->user_id)};
    rc = hk_db_query_ex(c, sql, 2, params, NULL, NULL, result_format, r);
    hk_pf_release(req, c);
    if (rc < 0) {
        *r = NULL;
        hk_resp_from_status(resp, rc);
    }
    return rc;
}

/* See pf.h. */
int hk_pf_query_by_id(struct hk_req *req, struct hk_resp *resp, const char *sql,
                      int64_t *id, PGresult **r)
{
    return query_by_id(req, resp, sql, 0, id, r);
}

/* See pf.h. */
int hk_pf_query_by_id_binary(struct hk_req *req, struct hk_resp *resp,
                             const char *sql, int64_t *id, PGresult **r)
{
    return query_by_id(req, resp, sql, 1, id, r);
}

/* See pf.h. */
void hk_pf_delete_by_id(struct hk_req *req, struct hk_resp *resp,
                        const char *sql,
                        void (*not_found)(struct hk_resp *resp, int64_t id))
{
    int64_t id;
    PGresult *r;
    if (hk_pf_query_by_id(req, resp, sql, &id, &r) < 0)
        return;
    if (PQntuples(r) == 0)
        not_found(resp, id);
    else
        hk_pf_no_content(resp);
    PQclear(r);
}

/* See pf.h. */
void hk_pf_list(struct hk_req *req, struct hk_resp *resp, const char *sql,
                json_object *(*item)(const PGresult *r, int row, int off))
{
    int64_t page, per_page, total = 0;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    char uid[24], lim[24], off[24];
    if (hk_req_page(req, resp, PF_MAX_PER_PAGE, &page, &per_page) < 0)
        return;
    if (hk_pf_acquire(req, resp, &c) < 0)
        return;
    const char *params[] = {hk_pf_id(uid, req->user_id),
                            hk_pf_id(lim, per_page),
                            hk_pf_id(off, (page - 1) * per_page)};
    int rc = hk_db_query(c, sql, 3, params, &r);
    hk_pf_release(req, c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return;
    }
    json_object *items = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++) {
        total = hk_pf_i64(r, i, 0);
        if (PQgetisnull(r, i, 1))
            continue; /* page past the end: only the count row */
        json_object_array_add(items, item(r, i, 1));
    }
    PQclear(r);
    hk_resp_json(resp, 200, hk_pf_page(items, page, per_page, total));
}

/* See pf.h. */
void hk_pf_q_init(struct hk_pf_q *q)
{
    hk_buf_init(&q->sql, 0);
    q->n = 0;
}

/* See pf.h. */
void hk_pf_q_release(struct hk_pf_q *q)
{
    hk_buf_release(&q->sql);
    q->n = 0;
}

/* See pf.h. */
void hk_pf_q_sql(struct hk_pf_q *q, const char *frag)
{
    (void)hk_buf_puts(&q->sql, frag);
}

/* See pf.h. */
void hk_pf_q_ref(struct hk_pf_q *q, const char *frag, int num)
{
    for (const char *p = frag; *p; p++) {
        if (*p == '?')
            (void)hk_buf_printf(&q->sql, "$%d", num);
        else
            (void)hk_buf_putc(&q->sql, *p);
    }
}

/* See pf.h. */
int hk_pf_q_add(struct hk_pf_q *q, const char *frag, const char *value)
{
    if (q->n == PF_Q_MAX_PARAMS) {
        hk_log(HAWK_LOG_ERROR, "query has too many parameters");
        abort();
    }
    q->params[q->n++] = value;
    hk_pf_q_ref(q, frag, q->n);
    return q->n;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return HAWK_EINVAL;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* See pf.h. */
int hk_pf_parse_time(const char *s, int64_t *out)
{
    struct tm tm;
    int y, mo, d, h = 0, mi = 0, se = 0, off = 0;
    size_t n = strlen(s);
    memset(&tm, 0, sizeof(tm));
    if (n < 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) < 0 ||
        digits(s + 5, 2, &mo) < 0 || digits(s + 8, 2, &d) < 0)
        return HAWK_EINVAL;
    const char *p = s + 10;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        if (strlen(p) < 9 || p[3] != ':' || p[6] != ':' ||
            digits(p + 1, 2, &h) < 0 || digits(p + 4, 2, &mi) < 0 ||
            digits(p + 7, 2, &se) < 0)
            return HAWK_EINVAL;
        p += 9;
        if (*p == '.') {
            p++;
            if (*p < '0' || *p > '9')
                return HAWK_EINVAL;
            while (*p >= '0' && *p <= '9')
                p++;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh, om;
            if (strlen(p) != 6 || p[3] != ':' || digits(p + 1, 2, &oh) < 0 ||
                digits(p + 4, 2, &om) < 0 || oh > 23 || om > 59)
                return HAWK_EINVAL;
            off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
            p += 6;
        } else {
            return HAWK_EINVAL;
        }
    }
    if (*p != '\0' || y < 1900 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
        d > 31 || h > 23 || mi > 59 || se > 60)
        return HAWK_EINVAL;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    time_t t = timegm(&tm);
    /* timegm normalizes 2025-02-31 into March: refuse such dates. */
    struct tm back;
    gmtime_r(&t, &back);
    if (back.tm_mday != d || back.tm_mon != mo - 1)
        return HAWK_EINVAL;
    *out = (int64_t)t - off;
    return 0;
}
