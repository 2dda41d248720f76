/*
 * auth/throttle.c - failed-login throttling per (email, ip).
 *
 * After login_max_failures failures inside login_window, further logins
 * for that pair get 429 until enough failures leave the window.  Blocked
 * attempts are not recorded, so a client that waits Retry-After gets its
 * next try; one that keeps hammering gains nothing.  The counter lives in
 * PostgreSQL so every hawk process behind the load balancer shares it.
 */
#include <stdatomic.h>
#include <stdio.h>

#include "auth/internal.h"
#include "db/db.h"
#include "hawk/plugin.h"
#include "http/http.h"
#include "util/str.h"

/* The (max)-th most recent failure inside the window decides: while it is
 * inside, the pair is blocked; it leaves the window after the value
 * returned (seconds, rounded up). */
static const char sql_blocking_failure[] =
    "SELECT ceil(extract(epoch FROM attempted_at"
    " + $3::bigint * interval '1 millisecond' - now()))::bigint"
    " FROM login_attempts WHERE email = $1 AND ip = $2"
    " AND attempted_at > now() - $3::bigint * interval '1 millisecond'"
    " ORDER BY attempted_at DESC OFFSET $4::bigint LIMIT 1";

static const char sql_record_failure[] =
    "INSERT INTO login_attempts (email, ip, attempted_at)"
    " VALUES ($1, $2, now())";

static const char sql_prune_pair[] =
    "DELETE FROM login_attempts WHERE email = $1 AND ip = $2"
    " AND attempted_at <= now() - $3::bigint * interval '1 millisecond'";

static const char sql_prune_all[] =
    "DELETE FROM login_attempts"
    " WHERE attempted_at <= now() - $1::bigint * interval '1 millisecond'";

static const char sql_clear_pair[] =
    "DELETE FROM login_attempts WHERE email = $1 AND ip = $2";

/* Failures for many distinct emails would otherwise pile up; every so
 * often one failure also sweeps the whole table (indexed by time). */
#define PRUNE_ALL_EVERY 256
static atomic_uint failures_seen;

/* The HTTP layer always knows the peer; a missing one still needs a key. */
static const char *ip_key(const char *ip)
{
    return ip != NULL && ip[0] != '\0' ? ip : "unknown";
}

/*
 * Returns 0 when (email, ip) may try to log in, HAWK_ERATELIMIT with
 * *retry_after_s >= 1 when blocked, or a HAWK_E* database error.
 * Pointers are borrowed.
 */
int hk_auth_throttle_check(struct hk_dbconn *c,
                           const struct hk_auth_settings *s, const char *email,
                           const char *ip, int64_t *retry_after_s)
{
    PGresult *r = NULL;
    char window[24], offset[24];
    int rc;

    *retry_after_s = 0;
    snprintf(window, sizeof window, "%lld", (long long)s->login_window_ms);
    snprintf(offset, sizeof offset, "%lld",
             (long long)(s->login_max_failures - 1));
    const char *p[] = {email, ip_key(ip), window, offset};
    rc = hk_db_query(c, sql_blocking_failure, 4, p, &r);
    if (rc < 0)
        return rc;
    if (PQntuples(r) == 1) {
        int64_t secs = 1;
        (void)hk_parse_i64(PQgetvalue(r, 0, 0), INT64_MIN, INT64_MAX, &secs);
        *retry_after_s = secs < 1 ? 1 : secs;
        rc = HAWK_ERATELIMIT;
    }
    PQclear(r);
    return rc;
}

/* Records a failure for (email, ip) and prunes expired attempts.
 * Returns 0 or a HAWK_E* database error. */
int hk_auth_throttle_fail(struct hk_dbconn *c, const struct hk_auth_settings *s,
                          const char *email, const char *ip)
{
    char window[24];
    int rc;

    snprintf(window, sizeof window, "%lld", (long long)s->login_window_ms);
    const char *p[] = {email, ip_key(ip), window};
    rc = hk_db_query(c, sql_record_failure, 2, p, NULL);
    if (rc < 0)
        return rc;
    rc = hk_db_query(c, sql_prune_pair, 3, p, NULL);
    if (rc < 0)
        return rc;
    if (atomic_fetch_add(&failures_seen, 1) % PRUNE_ALL_EVERY == 0) {
        const char *pa[] = {window};
        rc = hk_db_query(c, sql_prune_all, 1, pa, NULL);
    }
    return rc;
}

/* Deletes the recorded failures of (email, ip).  Returns 0 or HAWK_E*. */
int hk_auth_throttle_clear(struct hk_dbconn *c, const char *email,
                           const char *ip)
{
    const char *p[] = {email, ip_key(ip)};
    return hk_db_query(c, sql_clear_pair, 2, p, NULL);
}

/* 429 {"error":{"code":"too_many_attempts",...}} with Retry-After. */
void hk_auth_resp_throttled(struct hk_resp *resp, int64_t retry_after_s)
{
    char v[24];
    snprintf(v, sizeof v, "%lld", (long long)retry_after_s);
    hk_resp_error(resp, 429, "too_many_attempts", NULL,
                  "too many failed login attempts, try again in %lld seconds",
                  (long long)retry_after_s);
    hk_resp_header(resp, "Retry-After", v);
}
