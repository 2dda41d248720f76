/*
 * auth/routes_auth.c - POST /api/v1/auth/register|login|refresh|logout.
 *
 * register -> 201 {"user": {...}}.  It issues no tokens: logging in is a
 *   separate, throttled step, so an account can be created by someone
 *   else (an admin, a script) without starting a session.
 * login    -> 200 {access_token, token_type, expires_in, refresh_token,
 *   user}.
 * refresh  -> 200, same shape as login, in the same token family.
 * logout   -> 204; revokes the family of the presented refresh token.
 *
 * Browsers keep the refresh token in a cookie instead (web/cookie.h):
 * login with "refresh_cookie": true sets it and leaves it out of the
 * body; refresh and logout with no refresh_token in the body use it,
 * behind the CSRF check.
 *
 * Nothing secret is logged: no passwords, tokens or hashes.
 */
#include <string.h>

#include "auth/internal.h"
#include "db/db.h"
#include "hawk/plugin.h"
#include "http/http.h"
#include "log/log.h"
#include "util/alloc.h"
#include "web/cookie.h"

#define NAME_MAX_CHARS 100

static const char sql_insert_user[] =
    "INSERT INTO users (email, username, password_hash, first_name,"
    " last_name) VALUES ($1, $2, $3, $4, $5) RETURNING " HK_USER_COLS;

static const char sql_login_user[] =
    "SELECT " HK_USER_COLS ", password_hash, is_active FROM users"
    " WHERE email = $1";

static const char msg_bad_credentials[] =
    "email or password is incorrect, check both and try again";

static const struct hk_field register_fields[] = {
    HK_FIELD("email", HK_F_STRING, true, false, 0, 0),
    HK_FIELD("password", HK_F_STRING, true, false, 0, 0),
    HK_FIELD("username", HK_F_STRING, false, true, 0, 0),
    HK_FIELD("first_name", HK_F_STRING, false, true, 0, NAME_MAX_CHARS),
    HK_FIELD("last_name", HK_F_STRING, false, true, 0, NAME_MAX_CHARS),
    HK_FIELD_END};

static const struct hk_field login_fields[] = {
    HK_FIELD("email", HK_F_STRING, true, false, 0, 0),
    HK_FIELD("password", HK_F_STRING, true, false, 0, 0),
    HK_FIELD("refresh_cookie", HK_F_BOOL, false, false, 0, 0), HK_FIELD_END};

/* refresh_token may be left out when the refresh cookie is sent */
static const struct hk_field token_fields[] = {
    HK_FIELD("refresh_token", HK_F_STRING, false, false, 0, 0), HK_FIELD_END};

/* Whether the body asks for the refresh token as a cookie. */
static bool wants_cookie(json_object *body)
{
    json_object *v = NULL;
    return json_object_object_get_ex(body, "refresh_cookie", &v) &&
           json_object_get_boolean(v);
}

/* The refresh token of a refresh or logout: the body's refresh_token, or
 * else the refresh cookie (then *by_cookie is set and the CSRF check must
 * pass).  Returns 0 with *token borrowed from body or copied into buf, or
 * HAWK_EINVAL / HAWK_EPERM with resp filled. */
static int presented_token(struct hk_req *req, struct hk_resp *resp,
                           json_object *body, char *buf, size_t buflen,
                           const char **token, bool *by_cookie)
{
    size_t len;
    *by_cookie = false;
    int rc = hk_auth_str_member(body, "refresh_token", token, &len, resp);
    if (rc != HAWK_ENOTFOUND)
        return rc;
    rc = hk_web_cookie_get(req, HK_WEB_REFRESH_COOKIE, buf, buflen);
    if (rc == HAWK_ENOTFOUND) {
        hk_resp_error(resp, 400, "invalid_field", "refresh_token",
                      "refresh_token is required (or the %s cookie "
                      "set by a login with \"refresh_cookie\": true)",
                      HK_WEB_REFRESH_COOKIE);
        return HAWK_EINVAL;
    }
    *by_cookie = true;
    if (hk_web_csrf_check(req, resp) < 0)
        return HAWK_EPERM;
    /* a malformed cookie names no session: refused like an unknown one */
    *token = rc == 0 ? buf : "";
    return 0;
}

/* Parses the body and checks it against fields; on failure resp is filled
 * and NULL returned.  Caller json_object_put()s the result. */
static json_object *read_body(struct hk_req *req, struct hk_resp *resp,
                              const struct hk_field *fields)
{
    json_object *body = NULL;
    if (hk_req_json(req, resp, &body) < 0)
        return NULL;
    if (hk_json_check(body, fields, resp) < 0) {
        json_object_put(body);
        return NULL;
    }
    return body;
}

/* Normalizes the "email" member; on failure fills resp (400 naming email)
 * and returns NULL.  Caller hk_free()s the result. */
static char *read_email(json_object *body, struct hk_resp *resp)
{
    const char *s;
    size_t len;
    int rc = hk_auth_str_member(body, "email", &s, &len, resp);
    if (rc == HAWK_EINVAL)
        return NULL;
    char *email = rc == 0 && len <= 254 ? hk_email_normalize(s) : NULL;
    if (email == NULL)
        hk_resp_error(resp, 400, "invalid_field", "email",
                      "email is not a valid address, use the form "
                      "name@example.com");
    return email;
}

/* Reads the body of register and login: checked against fields, with its
 * email normalized and its password member.  Returns 0, or HAWK_EINVAL
 * with resp filled (400 naming the member).  Either way the caller
 * json_object_put()s *body and hk_free()s *email (each may be NULL). */
static int read_credentials(struct hk_req *req, struct hk_resp *resp,
                            const struct hk_field *fields, json_object **body,
                            char **email, const char **password, size_t *pwlen)
{
    *email = NULL;
    *body = read_body(req, resp, fields);
    if (*body == NULL)
        return HAWK_EINVAL;
    *email = read_email(*body, resp);
    if (*email == NULL)
        return HAWK_EINVAL;
    if (hk_auth_str_member(*body, "password", password, pwlen, resp) ==
        HAWK_EINVAL)
        return HAWK_EINVAL;
    return 0;
}

/* Reads an optional nullable string member into *out (NULL when absent
 * or null).  Returns 0 or HAWK_EINVAL with resp filled. */
static int optional_str(json_object *body, const char *name, const char **out,
                        struct hk_resp *resp)
{
    size_t len;
    int rc = hk_auth_str_member(body, name, out, &len, resp);
    if (rc == HAWK_ENOTFOUND) {
        *out = NULL;
        return 0;
    }
    return rc;
}

/* POST /api/v1/auth/register */
void hk_auth_h_register(struct hk_req *req, struct hk_resp *resp)
{
    const struct hk_auth_settings *s = hk_auth_settings(req->ctx);
    json_object *body = NULL;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    char *email = NULL, *hash = NULL;
    const char *password, *username, *first, *last, *msg;
    size_t pwlen;
    int rc;

    if (read_credentials(req, resp, register_fields, &body, &email, &password,
                         &pwlen) < 0)
        goto out;
    if (hk_password_policy(password, pwlen, &msg) < 0) {
        hk_resp_error(resp, 400, "invalid_field", "password", "%s", msg);
        goto out;
    }
    if (optional_str(body, "username", &username, resp) < 0 ||
        optional_str(body, "first_name", &first, resp) < 0 ||
        optional_str(body, "last_name", &last, resp) < 0)
        goto out;
    if (username != NULL &&
        !hk_auth_username_valid(username, strlen(username))) {
        hk_resp_error(resp, 400, "invalid_field", "username", "%s",
                      HK_USERNAME_RULE);
        goto out;
    }

    /* Hash before taking a connection: argon2 is the slow part. */
    rc = hk_password_hash(&s->argon2, password, &hash);
    if (rc < 0) {
        hk_resp_from_status(resp, HAWK_EINTERNAL);
        goto out;
    }
    rc = hk_auth_db_acquire(req->ctx, &c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    const char *params[] = {email, username, hash, first, last};
    rc = hk_db_query(c, sql_insert_user, 5, params, &r);
    if (rc < 0) {
        hk_auth_resp_user_conflict(c, rc, resp);
        goto out;
    }
    json_object *user = hk_auth_user_json(r, 0);
    int64_t uid = json_object_get_int64(json_object_object_get(user, "id"));
    hk_log_ctx_set_user(uid);
    hk_info("user registered");
    json_object *o = json_object_new_object();
    json_object_object_add(o, "user", user);
    hk_resp_json(resp, 201, o);
out:
    PQclear(r);
    if (c != NULL)
        hk_auth_db_release(req->ctx, c);
    hk_free(email);
    hk_free(hash);
    json_object_put(body);
}

/* What the login needs from the users row, copied so the connection can
 * be returned to the pool during the argon2 verify. */
struct login_row {
    bool found;
    bool active;
    bool admin;
    int64_t id;
    char *hash;
};

static int login_lookup(struct hk_req *req, const struct hk_auth_settings *s,
                        const char *email, struct login_row *row,
                        struct hk_resp *resp)
{
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    int64_t retry = 0;
    int rc;

    rc = hk_auth_db_acquire(req->ctx, &c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return rc;
    }
    rc = hk_auth_throttle_check(c, s, email, req->remote_addr, &retry);
    if (rc == HAWK_ERATELIMIT) {
        hk_auth_resp_throttled(resp, retry);
        goto out;
    }
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    const char *p[] = {email};
    rc = hk_db_query(c, sql_login_user, 1, p, &r);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    if (PQntuples(r) == 1) {
        row->found = true;
        json_object *u = hk_auth_user_json(r, 0);
        row->id = json_object_get_int64(json_object_object_get(u, "id"));
        json_object_put(u);
        row->admin = hk_auth_pg_bool(r, 0, 5);
        row->hash = hk_strdup(PQgetvalue(r, 0, 8));
        row->active = hk_auth_pg_bool(r, 0, 9);
    }
out:
    PQclear(r);
    hk_auth_db_release(req->ctx, c);
    return rc;
}

/* Records the failure and answers 401; the same answer whatever failed. */
static void login_failed(struct hk_req *req, const struct hk_auth_settings *s,
                         struct hk_dbconn *c, const char *email,
                         struct hk_resp *resp)
{
    int rc = hk_auth_throttle_fail(c, s, email, req->remote_addr);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        return;
    }
    hk_resp_error(resp, 401, "invalid_credentials", NULL, "%s",
                  msg_bad_credentials);
}

/* POST /api/v1/auth/login */
void hk_auth_h_login(struct hk_req *req, struct hk_resp *resp)
{
    const struct hk_auth_settings *s = hk_auth_settings(req->ctx);
    struct login_row row = {false, false, false, 0, NULL};
    json_object *body = NULL;
    struct hk_dbconn *c = NULL;
    PGresult *r = NULL;
    char *email = NULL;
    const char *password;
    size_t pwlen;
    int rc;

    if (read_credentials(req, resp, login_fields, &body, &email, &password,
                         &pwlen) < 0)
        goto out;
    if (login_lookup(req, s, email, &row, resp) < 0)
        goto out;

    /* Unknown emails cost one argon2 verify too, against a hash made with
     * the same parameters, so response time does not reveal accounts. */
    rc = hk_password_verify(row.found ? row.hash : s->dummy_hash,
                            pwlen > HK_PASSWORD_MAX ? "" : password);
    if (rc == HAWK_EINVAL && row.found)
        hk_error("stored password hash of user %lld is malformed",
                 (long long)row.id);
    bool ok = rc == 0 && row.found && row.active && pwlen <= HK_PASSWORD_MAX;

    rc = hk_auth_db_acquire(req->ctx, &c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    if (!ok) {
        login_failed(req, s, c, email, resp);
        goto out;
    }
    rc = hk_auth_throttle_clear(c, email, req->remote_addr);
    json_object *o = json_object_new_object();
    bool cookie = wants_cookie(body);
    if (rc == 0)
        rc = hk_auth_issue_tokens(req, c, s, row.id, row.admin, NULL, o);
    const char *p[] = {email};
    if (rc == 0)
        rc = hk_db_query(c, sql_login_user, 1, p, &r);
    if (rc == 0 && PQntuples(r) != 1)
        rc = HAWK_EINTERNAL;
    if (rc < 0) {
        json_object_put(o);
        hk_resp_from_status(resp, rc);
        goto out;
    }
    json_object_object_add(o, "user", hk_auth_user_json(r, 0));
    hk_log_ctx_set_user(row.id);
    hk_info("user logged in");
    if (cookie)
        hk_web_cookie_issue(resp, o, s->refresh_ttl_s);
    hk_resp_json(resp, 200, o);
out:
    PQclear(r);
    if (c != NULL)
        hk_auth_db_release(req->ctx, c);
    hk_free(row.hash);
    hk_free(email);
    json_object_put(body);
}

/* POST /api/v1/auth/refresh */
void hk_auth_h_refresh(struct hk_req *req, struct hk_resp *resp)
{
    const struct hk_auth_settings *s = hk_auth_settings(req->ctx);
    enum hk_refresh_result result = HK_REFRESH_UNKNOWN;
    struct hk_dbconn *c = NULL;
    json_object *body = NULL, *o = NULL;
    char cookie[HK_WEB_COOKIE_MAX];
    const char *token;
    bool by_cookie = false;
    int rc;

    body = read_body(req, resp, token_fields);
    if (body == NULL)
        return;
    if (presented_token(req, resp, body, cookie, sizeof(cookie), &token,
                        &by_cookie) < 0)
        goto out;
    rc = hk_auth_db_acquire(req->ctx, &c);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    o = json_object_new_object();
    rc = hk_auth_refresh(req, c, s, token, &result, o);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    switch (result) {
    case HK_REFRESH_OK:
        if (by_cookie)
            hk_web_cookie_issue(resp, o, s->refresh_ttl_s);
        hk_resp_json(resp, 200, o);
        o = NULL;
        break;
    case HK_REFRESH_EXPIRED:
        hk_resp_error(resp, 401, "token_expired", NULL,
                      "refresh token expired, log in again");
        break;
    case HK_REFRESH_REUSED:
        hk_resp_error(resp, 401, "token_reused", NULL,
                      "refresh token was already used; every session of this "
                      "login was signed out, log in again");
        break;
    case HK_REFRESH_UNKNOWN:
    case HK_REFRESH_INACTIVE:
    default:
        hk_resp_error(resp, 401, "invalid_token", NULL,
                      "refresh token is not valid, log in again");
        break;
    }
    if (by_cookie && result != HK_REFRESH_OK)
        hk_web_cookie_clear(resp);
out:
    explicit_bzero(cookie, sizeof(cookie));
    json_object_put(o);
    if (c != NULL)
        hk_auth_db_release(req->ctx, c);
    json_object_put(body);
}

/* POST /api/v1/auth/logout: idempotent, 204 even for unknown tokens so
 * the answer says nothing about which tokens exist. */
void hk_auth_h_logout(struct hk_req *req, struct hk_resp *resp)
{
    struct hk_dbconn *c = NULL;
    json_object *body = NULL;
    char cookie[HK_WEB_COOKIE_MAX];
    const char *token;
    bool by_cookie = false;
    int rc;

    cookie[0] = '\0';
    body = read_body(req, resp, token_fields);
    if (body == NULL)
        return;
    if (presented_token(req, resp, body, cookie, sizeof(cookie), &token,
                        &by_cookie) < 0)
        goto out;
    rc = hk_auth_db_acquire(req->ctx, &c);
    if (rc == 0 && token[0] != '\0')
        rc = hk_auth_revoke_family_of(c, token);
    if (rc < 0) {
        hk_resp_from_status(resp, rc);
        goto out;
    }
    hk_resp_bytes(resp, 204, "application/json", "", 0);
    if (by_cookie)
        hk_web_cookie_clear(resp);
out:
    explicit_bzero(cookie, sizeof(cookie));
    if (c != NULL)
        hk_auth_db_release(req->ctx, c);
    json_object_put(body);
}

/*
 * Registers the accounts routes on r (borrowed) with the module a
 * (borrowed, must outlive the router) as their context.  Bodies are small JSON
 * documents, so they get a 16 KiB limit instead of the server default.
 */
void hk_auth_routes(struct hk_router *r, struct hk_auth *a)
{
    static const struct {
        const char *method;
        const char *pattern;
        hk_handler_fn fn;
        unsigned flags;
    } routes[] = {
        {"POST", "/api/v1/auth/register", hk_auth_h_register, HK_ROUTE_PUBLIC},
        {"POST", "/api/v1/auth/login", hk_auth_h_login, HK_ROUTE_PUBLIC},
        {"POST", "/api/v1/auth/refresh", hk_auth_h_refresh, HK_ROUTE_PUBLIC},
        {"POST", "/api/v1/auth/logout", hk_auth_h_logout, HK_ROUTE_PUBLIC},
        {"GET", "/api/v1/user", hk_auth_h_user_get, HK_ROUTE_AUTH},
        {"PATCH", "/api/v1/user", hk_auth_h_user_patch, HK_ROUTE_AUTH},
        {"POST", "/api/v1/user/change-password", hk_auth_h_change_password,
         HK_ROUTE_AUTH},
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        struct hk_route_opts o = {
            .flags = routes[i].flags, .max_body = (size_t)16 * 1024, .ctx = a};
        if (hk_router_add_opts(r, routes[i].method, routes[i].pattern,
                               routes[i].fn, &o) < 0)
            hk_error("cannot register route %s %s", routes[i].method,
                     routes[i].pattern);
    }
}
