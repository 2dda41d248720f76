/*
 * platform/pf.h - helpers shared by the platform's route files (private
 * to core/src/platform).
 */
#ifndef HK_PLATFORM_PF_H
#define HK_PLATFORM_PF_H

#include <json-c/json.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"
#include "http/http.h"

struct hk_err;
struct hk_router;

/* A timestamptz column as RFC 3339 UTC with milliseconds, in SQL. */
#define PF_TS(col)                                                             \
    "to_char((" col ") AT TIME ZONE 'UTC', "                                   \
    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

#define PF_MAX_PER_PAGE 100

/* Borrows a pool connection for the request; on failure fills resp (503)
 * and returns the negative code.  Give it back with hk_pf_release(). */
int hk_pf_acquire(struct hk_req *req, struct hk_resp *resp,
                  struct hk_dbconn **c);
/* Accepts NULL. */
void hk_pf_release(struct hk_req *req, struct hk_dbconn *c);

/* Column value as a new JSON value (NULL, i.e. JSON null, for SQL NULL).
 * jsonb columns are parsed; a parse failure gives null. */
json_object *hk_pf_text(const PGresult *r, int row, int col);
json_object *hk_pf_int(const PGresult *r, int row, int col);
json_object *hk_pf_bool(const PGresult *r, int row, int col);
json_object *hk_pf_num(const PGresult *r, int row, int col);
json_object *hk_pf_jsonb(const PGresult *r, int row, int col);
/* Column as int64 (0 for NULL). */
int64_t hk_pf_i64(const PGresult *r, int row, int col);

/* {"items": items, "page", "per_page", "total", "pages"}; takes items. */
json_object *hk_pf_page(json_object *items, int64_t page, int64_t per_page,
                        int64_t total);

/* Reads an optional boolean query parameter ("true"/"false"/"1"/"0").
 * *out is -1 when absent.  A bad value fills resp (400 naming it) and
 * returns HAWK_EINVAL. */
int hk_pf_query_bool(struct hk_req *req, struct hk_resp *resp, const char *name,
                     int *out);

/* Reads an optional query parameter of at most maxlen bytes of valid
 * UTF-8 (NULL when absent or empty); else 400 naming it. */
int hk_pf_query_str(struct hk_req *req, struct hk_resp *resp, const char *name,
                    size_t maxlen, const char **out);

/* Member k of o when it is a string (borrowed from o), else NULL: for
 * bodies hk_json_check() has already checked. */
const char *hk_pf_member_str(json_object *o, const char *k);
/* Member k of o as 1 or 0 when it is a boolean, else -1. */
int hk_pf_member_bool(json_object *o, const char *k);

/* Formats an id into buf (24 bytes) and returns buf. */
const char *hk_pf_id(char *buf, int64_t id);

/* "user:<id>" into buf (32 bytes), the actor of a change made through
 * the API. */
const char *hk_pf_actor(char *buf, int64_t user_id);

/* Registers a route, logging (never ignoring) a registration failure,
 * which is a programming error such as a duplicate pattern. */
void hk_pf_route(struct hk_router *r, const char *method, const char *pattern,
                 hk_handler_fn fn, unsigned flags, size_t max_body);

/* Takes a transaction-scoped advisory lock serializing one user's
 * quota-checked inserts of one kind (`ns` is a small constant per kind),
 * so two concurrent requests cannot both pass the same limit.  Returns 0
 * or a database error. */
int hk_pf_user_lock(struct hk_dbconn *c, int ns, int64_t user_id);

#define PF_LOCK_RESUMES 1
#define PF_LOCK_JOB_CONFIGS 2
#define PF_LOCK_APPLICATIONS 3

/* Abandons the request's transaction on c: rolls it back and gives the
 * connection back (the caller then answers). */
void hk_pf_tx_abort(struct hk_req *req, struct hk_dbconn *c);
/* Ends a request whose transaction on c failed with rc: PQclear()s r (may
 * be NULL), rolls back, gives the connection back and answers rc with
 * hk_resp_from_status(). */
void hk_pf_tx_fail(struct hk_req *req, struct hk_resp *resp,
                   struct hk_dbconn *c, PGresult *r, int rc);

/* The common end of a create or update: commits c's transaction and
 * answers `status` with obj (built from r's returned row); when the commit
 * fails, drops obj and answers as hk_pf_tx_fail() does.  Takes ownership
 * of obj; clears r and gives c back either way. */
void hk_pf_commit_reply(struct hk_req *req, struct hk_resp *resp,
                        struct hk_dbconn *c, PGresult *r, int status,
                        json_object *obj);

/* Fills resp with 204 No Content. */
void hk_pf_no_content(struct hk_resp *resp);

/* One statement about the user's own resource named by the {id} path
 * parameter: reads {id} (400 naming it when bad), borrows a connection
 * (503), runs sql with $1 = the id and $2 = the user's id, and gives the
 * connection back.  On success returns 0 with *id set and *r the result
 * (caller PQclear()s it; no rows means the user has no such resource, which
 * the caller answers with its own 404).  On failure fills resp and returns
 * the negative code; *r is then NULL.  The _binary form asks for binary
 * results (bytea columns as raw bytes, see hk_db_query_ex). */
int hk_pf_query_by_id(struct hk_req *req, struct hk_resp *resp, const char *sql,
                      int64_t *id, PGresult **r);
int hk_pf_query_by_id_binary(struct hk_req *req, struct hk_resp *resp,
                             const char *sql, int64_t *id, PGresult **r);

/* Answers a DELETE of the user's resource {id}: runs sql as
 * hk_pf_query_by_id() does (a DELETE ... RETURNING, so a row comes back
 * only when something was deleted) and answers 204, or 404 through
 * not_found(resp, id) when no row came back. */
void hk_pf_delete_by_id(struct hk_req *req, struct hk_resp *resp,
                        const char *sql,
                        void (*not_found)(struct hk_resp *resp, int64_t id));

/* Answers a plain list of the user's rows: reads ?page=&per_page= (400 on
 * a bad one), runs sql with $1 = the user's id, $2 = the page size and
 * $3 = the offset, and answers 200 with hk_pf_page().  sql returns the
 * total in column 0 of every row and an item from column 1 on, all NULL in
 * the single row of a page past the end; item(r, row, 1) builds each
 * item. */
void hk_pf_list(struct hk_req *req, struct hk_resp *resp, const char *sql,
                json_object *(*item)(const PGresult *r, int row, int off));

/* A statement assembled from constant fragments, with every value passed
 * as a parameter: filters that are absent add no SQL, so each
 * combination gets its own prepared statement and its own plan. */
#define PF_Q_MAX_PARAMS 16
struct hk_pf_q {
    struct hk_buf sql;
    const char *params[PF_Q_MAX_PARAMS]; /* borrowed */
    int n;
};

void hk_pf_q_init(struct hk_pf_q *q);
void hk_pf_q_release(struct hk_pf_q *q);
/* Appends a constant fragment. */
void hk_pf_q_sql(struct hk_pf_q *q, const char *frag);
/* Appends frag with each '?' replaced by "$N" of one new parameter
 * holding value (borrowed; must outlive the query).  Returns the
 * parameter's number. */
int hk_pf_q_add(struct hk_pf_q *q, const char *frag, const char *value);
/* Appends frag with each '?' replaced by "$num" (an existing parameter). */
void hk_pf_q_ref(struct hk_pf_q *q, const char *frag, int num);

/* Parses "YYYY-MM-DD" or an RFC 3339 date-time ("2025-01-31T10:00:00Z",
 * optional fraction, "Z" or "+hh:mm") into unix seconds.  0 or
 * HAWK_EINVAL. */
int hk_pf_parse_time(const char *s, int64_t *out);

/* Buffers holding parameter values of the application filters; must
 * outlive the query. */
struct hk_pf_app_bufs {
    char like[820];
    char from[24];
    char to[24];
};

/* Application list filters and sort from the query string (status,
 * company, search_term, from, to, sort, order), shared by the list and
 * the CSV export.  Appends " AND ..." conditions on alias `a` to where
 * (whose $1 is the user id) and sets *inner and *outer to constant ORDER BY
 * clauses on aliases a and p.  Fills resp and returns HAWK_EINVAL on a bad
 * parameter. */
int hk_pf_app_filters(struct hk_req *req, struct hk_resp *resp,
                      struct hk_pf_q *where, struct hk_pf_app_bufs *bufs,
                      const char **inner, const char **outer);

/* Per-area route registration (one file each). */
void hk_pf_resume_routes(struct hk_router *r);
void hk_pf_jobconfig_routes(struct hk_router *r);
void hk_pf_job_routes(struct hk_router *r);
void hk_pf_application_routes(struct hk_router *r);
void hk_pf_stats_routes(struct hk_router *r);
void hk_pf_plan_routes(struct hk_router *r);

/* Checks a job search configuration body (name, is_active, is_default
 * and every setting) with the JSON validator; create: name is required.
 * Returns 0 or HAWK_EINVAL with err naming the field.  Used by
 * jobconfigs.c. */
int hk_pf_jobconfig_check(json_object *body, bool create, struct hk_err *err);

/* Merges a checked body's settings over base (NULL for a new
 * configuration) and the defaults into *out (new object: settings only,
 * without name/is_active/is_default).  HAWK_EINVAL with err when the
 * result allows no workplace type. */
int hk_pf_jobconfig_settings(json_object *body, json_object *base,
                             json_object **out, struct hk_err *err);

#endif
