/*
 * auth/bearer.c - the Authorization header check used by the router.
 */
#include <string.h>
#include <strings.h>

#include "auth/internal.h"
#include "db/db.h"
#include "db/params.h"
#include "hawk/plugin.h"
#include "log/log.h"
#include "util/time.h"

/* The token says who the user was when it was signed; the users row
 * says who they are now.  A disabled or deleted account is refused at
 * once, and the admin flag is the current one (a demoted admin loses the
 * admin routes at once), rather than when the token expires.  One
 * primary-key read per request; with the database unreachable the
 * token's claims stand (the request needs the database anyway). */
static int current_user(const struct hk_auth *a, int64_t *user_id,
                        bool *is_admin, const char **reason)
{
    struct hk_dbconn *c = NULL;
    struct hk_db_params p;
    PGresult *r = NULL;
    if (a->db == NULL || hk_db_acquire(a->db, &c) < 0)
        return 0;
    hk_db_params_init(&p);
    hk_db_param_i64(&p, *user_id);
    int rc = hk_db_params_run(c,
                              "SELECT is_active, is_admin FROM users"
                              " WHERE id = $1::bigint",
                              &p, &r);
    hk_db_release(a->db, c);
    if (rc < 0)
        return 0;
    bool found = PQntuples(r) == 1;
    bool active = found && hk_auth_pg_bool(r, 0, 0);
    bool admin = found && hk_auth_pg_bool(r, 0, 1);
    PQclear(r);
    if (!active) {
        *user_id = 0;
        *is_admin = false;
        *reason = "account disabled";
        return HAWK_EAUTH;
    }
    *is_admin = admin;
    return 0;
}

/*
 * Validates "Bearer <jwt>" (scheme case-insensitive, RFC 7235) against
 * the accounts module ctx (a struct hk_auth) holds.  All pointers are
 * borrowed.  On success returns 0 and
 * fills *user_id and *is_admin (the account's current flag); otherwise
 * returns HAWK_EAUTH with *reason one of "missing bearer token", "token
 * expired", "invalid token", "account disabled" (static strings safe to
 * show to the client).  Thread-safe.
 */
int hk_auth_check_bearer(void *ctx, const char *authorization, int64_t *user_id,
                         bool *is_admin, const char **reason)
{
    const struct hk_auth *a = ctx;
    struct hk_jwt_claims c;
    const char *why = NULL;

    *user_id = 0;
    *is_admin = false;
    *reason = "missing bearer token";
    if (authorization == NULL)
        return HAWK_EAUTH;
    while (*authorization == ' ' || *authorization == '\t')
        authorization++;
    if (strncasecmp(authorization, "Bearer", 6) != 0 ||
        (authorization[6] != ' ' && authorization[6] != '\t'))
        return HAWK_EAUTH;
    const char *tok = authorization + 7;
    while (*tok == ' ' || *tok == '\t')
        tok++;
    size_t len = strlen(tok);
    while (len > 0 && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
        len--;
    if (len == 0)
        return HAWK_EAUTH;

    *reason = "invalid token";
    if (a == NULL || a->jwt_key == NULL || a->jwt_key_len == 0) {
        hk_error("bearer token check without a jwt key configured");
        return HAWK_EAUTH;
    }
    if (len > 4096)
        return HAWK_EAUTH;
    char buf[4097];
    memcpy(buf, tok, len);
    buf[len] = '\0';

    int rc = hk_jwt_verify(a->jwt_key, a->jwt_key_len, buf, hk_wall_ms() / 1000,
                           &c, &why);
    if (rc < 0) {
        if (why != NULL && strcmp(why, "expired") == 0)
            *reason = "token expired";
        return HAWK_EAUTH;
    }
    *user_id = c.sub;
    *is_admin = c.admin;
    *reason = NULL;
    return current_user(a, user_id, is_admin, reason);
}
