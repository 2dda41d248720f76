/*
 * auth/routes_user.c - the signed-in user's own account:
 *   GET   /api/v1/user                  -> 200 user object
 *   PATCH /api/v1/user                  -> 200 user object
 *   POST  /api/v1/user/change-password  -> 200 new token pair + user
 *
 * The user object is returned bare (not wrapped in {"user": ...}).
 */
#include <stdio.h>
#include <string.h>

#include "auth/internal.h"
#include "db/db.h"
#include "hawk/plugin.h"
#include "http/http.h"
#include "log/log.h"
#include "util/alloc.h"
#include "web/cookie.h"

#define NAME_MAX_CHARS 100

static const char sql_get_user[] =
    "SELECT " HK_USER_COLS " FROM users WHERE id = $1::bigint AND is_active";

/* One statement for every combination of members: $2/$4/$6/$8 say
 * whether the member was sent, so absent members keep their value and a
 * JSON null clears a nullable column. */
static const char sql_patch_user[] =
    "UPDATE users SET"
    " username = CASE WHEN $2::boolean THEN $3::text ELSE username END,"
    " first_name = CASE WHEN $4::boolean THEN $5::text ELSE first_name END,"
    " last_name = CASE WHEN $6::boolean THEN $7::text ELSE last_name END,"
    " review_before_submit = CASE WHEN $8::boolean THEN $9::boolean"
    " ELSE review_before_submit END,"
    " updated_at = now()"
    " WHERE id = $1::bigint AND is_active RETURNING " HK_USER_COLS;

static const char sql_user_secret[] = "SELECT email, password_hash FROM users"
                                      " WHERE id = $1::bigint AND is_active";

static const char sql_set_password[] =
    "UPDATE users SET password_hash = $2, updated_at = now()"
    " WHERE id = $1::bigint AND is_active RETURNING " HK_USER_COLS;

/* Members a client may never set through PATCH, named in the 400 so the
 * client learns why rather than seeing "unknown field". */
static const char *const fixed_members[] = {
    "id",         "email",      "is_admin",      "is_active", "password",
    "created_at", "updated_at", "password_hash", NULL};

static const struct hk_field patch_fields[] = {
    HK_FIELD("username", HK_F_STRING, false, true, 0, 0),
    HK_FIELD("first_name", HK_F_STRING, false, true, 0, NAME_MAX_CHARS),
    HK_FIELD("last_name", HK_F_STRING, false, true, 0, NAME_MAX_CHARS),
    HK_FIELD("review_before_submit", HK_F_BOOL, false, false, 0, 0),
    HK_FIELD_END};

static const struct hk_field change_fields[] = {
    HK_FIELD("current_password", HK_F_STRING, true, false, 0, 0),
    HK_FIELD("new_password", HK_F_STRING, true, false, 0, 0),
    /* browsers: the new refresh token as a cookie (web/cookie.h) */
    HK_FIELD("refresh_cookie", HK_F_BOOL, false, false, 0, 0), HK_FIELD_END};

static void resp_gone(struct hk_resp *resp)
{
    hk_resp_error(resp, 401, "unauthorized", NULL,
                  "this account no longer exists or is disabled, log in "
                  "again");
}

/* GET /api/v1/user */
void hk_auth_h_user_get(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    char uid[24];
    int rc;

    rc = hk_auth_db_acquire(req->ctx, &c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return;
    }
    snprintf(uid, sizeof uid, "%lld", (long long)req->user_id);
    const char *p[] = {uid};
    rc = hk_db_query(c, sql_get_user, 1, p, &r);
    if (rc < 0)
        hk_resp_from_status(resp, rc);
    else if (PQntuples(r) != 1)
        resp_gone(resp);
    else
        hk_resp_json(resp, 200, hk_auth_user_json(r, 0));
    PQclear(r);
    hk_auth_db_release(req->ctx, c);
}

/* One PATCH member: whether it was sent and its text value (NULL for
 * JSON null). */
struct patch_member {
    const char *sent;
    const char *value;
};

static int patch_string(json_object *body, const char *name,
                        struct patch_member *m, struct hk_resp *resp)
{
    size_t len;
    m->sent = "false";
    m->value = NULL;
    if (!json_object_object_get_ex(body, name, NULL))
        return 0;
    m->sent = "true";
    int rc = hk_auth_str_member(body, name, &m->value, &len, resp);
    return rc == HAWK_EINVAL ? rc : 0;
}

/* PATCH /api/v1/user */
void hk_auth_h_user_patch(struct hk_req *req, struct hk_resp *resp)
{
    struct patch_member user, first, last, review;
    struct hk_dbconn *c = NULL;
    json_object *body = NULL, *v = NULL;
    PGresult *r = NULL;
    char uid[24];
    int rc;

    if (hk_req_json(req, resp, &body) < 0)
        return;
    for (size_t i = 0; fixed_members[i] != NULL; i++) {
        if (json_object_object_get_ex(body, fixed_members[i], NULL)) {
            hk_resp_error(resp, 400, "invalid_field", fixed_members[i],
                          "field '%s' cannot be changed", fixed_members[i]);
            goto out;
        }
    }
    if (hk_json_check(body, patch_fields, resp) < 0)
        goto out;
    if (patch_string(body, "username", &user, resp) < 0 ||
        patch_string(body, "first_name", &first, resp) < 0 ||
        patch_string(body, "last_name", &last, resp) < 0)
        goto out;
    if (user.value != NULL &&
        !hk_auth_username_valid(user.value, strlen(user.value))) {
        hk_resp_error(resp, 400, "invalid_field", "username", "%s",
                      HK_USERNAME_RULE);
        goto out;
    }
    review.sent = "false";
    review.value = NULL;
    if (json_object_object_get_ex(body, "review_before_submit", &v)) {
        review.sent = "true";
        review.value = json_object_get_boolean(v) ? "true" : "false";
    }

    rc = hk_auth_db_acquire(req->ctx, &c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    snprintf(uid, sizeof uid, "%lld", (long long)req->user_id);
    const char *p[] = {uid,        user.sent,   user.value,
                       first.sent, first.value, last.sent,
                       last.value, review.sent, review.value};
    rc = hk_db_query(c, sql_patch_user, 9, p, &r);
    if (rc < 0)
        hk_auth_resp_user_conflict(c, rc, resp);
    else if (PQntuples(r) != 1)
        resp_gone(resp);
    else
        hk_resp_json(resp, 200, hk_auth_user_json(r, 0));
out:
    PQclear(r);
    if (c != NULL)
        hk_auth_db_release(req->ctx, c);
    json_object_put(body);
}

/* Loads the user's email and hash (copies) and applies the login
 * throttle to (email, ip), so change-password cannot be used to guess
 * the current password faster than login can. */
static int change_lookup(struct hk_req *req, const struct hk_auth_settings *s,
                         char **email, char **hash, struct hk_resp *resp)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    int64_t retry = 0;
    char uid[24];
    int rc;

    rc = hk_auth_db_acquire(req->ctx, &c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return rc;
    }
    snprintf(uid, sizeof uid, "%lld", (long long)req->user_id);
    const char *p[] = {uid};
    rc = hk_db_query(c, sql_user_secret, 1, p, &r);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    if (PQntuples(r) != 1) {
        resp_gone(resp);
        rc = HAWK_ENOTFOUND;
        goto out;
    }
    *email = hk_strdup(PQgetvalue(r, 0, 0));
    *hash = hk_strdup(PQgetvalue(r, 0, 1));
    rc = hk_auth_throttle_check(c, s, *email, req->remote_addr, &retry);
    if (rc == HAWK_ERATELIMIT)
        hk_auth_resp_throttled(resp, retry);
    else if (rc < 0)
        hk_resp_from_status(resp, rc);
out:
    PQclear(r);
    hk_auth_db_release(req->ctx, c);
    return rc;
}

/* Stores the new hash, revokes every refresh token of the user and
 * issues a fresh pair, all in one transaction. */
static int change_commit(struct hk_req *req, struct hk_dbconn *c,
                         const struct hk_auth_settings *s, const char *hash,
                         json_object *o, struct hk_resp *resp)
{
    PGresult *r = NULL;
    char uid[24];
    int rc;

    snprintf(uid, sizeof uid, "%lld", (long long)req->user_id);
    rc = hk_db_begin(c);
    if (rc < 0)
        goto fail;
    const char *p[] = {uid, hash};
    rc = hk_db_query(c, sql_set_password, 2, p, &r);
    if (rc < 0)
        goto fail;
    if (PQntuples(r) != 1) {
        (void)hk_db_rollback(c);
        PQclear(r);
        resp_gone(resp);
        return HAWK_ENOTFOUND;
    }
    bool admin = hk_auth_pg_bool(r, 0, 5);
    rc = hk_auth_revoke_user(c, req->user_id);
    if (rc == 0)
        rc = hk_auth_issue_tokens(req, c, s, req->user_id, admin, NULL, o);
    if (rc == 0)
        rc = hk_db_commit(c);
    if (rc < 0)
        goto fail;
    json_object_object_add(o, "user", hk_auth_user_json(r, 0));
    PQclear(r);
    return 0;
fail:
    (void)hk_db_rollback(c);
    PQclear(r);
    hk_resp_from_status(resp, rc);
    return rc;
}

/* POST /api/v1/user/change-password */
void hk_auth_h_change_password(struct hk_req *req, struct hk_resp *resp)
{
    const struct hk_auth_settings *s = hk_auth_settings(req->ctx);
    json_object *body = NULL, *o = NULL;
    struct hk_dbconn *c = NULL;
    char *email = NULL, *old_hash = NULL, *new_hash = NULL;
    const char *cur, *neu, *msg;
    size_t cur_len, new_len;
    int rc;

    if (hk_req_json(req, resp, &body) < 0)
        return;
    if (hk_json_check(body, change_fields, resp) < 0)
        goto out;
    if (hk_auth_str_member(body, "current_password", &cur, &cur_len, resp) <
            0 ||
        hk_auth_str_member(body, "new_password", &neu, &new_len, resp) < 0)
        goto out;
    if (hk_password_policy(neu, new_len, &msg) < 0) {
        hk_resp_error(resp, 400, "invalid_field", "new_password", "%s", msg);
        goto out;
    }
    if (change_lookup(req, s, &email, &old_hash, resp) < 0)
        goto out;

    rc = hk_password_verify(old_hash, cur_len > HK_PASSWORD_MAX ? "" : cur);
    if (rc == HAWK_EINVAL)
        hk_error("stored password hash of the user is malformed");
    if (rc < 0 || cur_len > HK_PASSWORD_MAX) {
        rc = hk_auth_db_acquire(req->ctx, &c);
        if (rc == 0)
            rc = hk_auth_throttle_fail(c, s, email, req->remote_addr);
        if (rc < 0)
            hk_resp_from_status(resp, rc);
        else
            hk_resp_error(resp, 401, "invalid_credentials", NULL,
                          "current password is incorrect, check it and try "
                          "again");
        goto out;
    }
    rc = hk_password_hash(&s->argon2, neu, &new_hash);
    if (rc < 0) {
        hk_resp_from_status(resp, HAWK_EINTERNAL);
        goto out;
    }
    rc = hk_auth_db_acquire(req->ctx, &c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    o = json_object_new_object();
    if (change_commit(req, c, s, new_hash, o, resp) < 0)
        goto out;
    (void)hk_auth_throttle_clear(c, email, req->remote_addr);
    hk_info("password changed; other sessions signed out");
    json_object *want = NULL;
    if (json_object_object_get_ex(body, "refresh_cookie", &want) &&
        json_object_get_boolean(want))
        hk_web_cookie_issue(resp, o, s->refresh_ttl_s);
    hk_resp_json(resp, 200, o);
    o = NULL;
out:
    json_object_put(o);
    if (c != NULL)
        hk_auth_db_release(req->ctx, c);
    hk_free(email);
    hk_free(old_hash);
    hk_free(new_hash);
    json_object_put(body);
}
