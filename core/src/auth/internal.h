/*
 * auth/internal.h - shared between the files of the accounts module only.
 */
#ifndef HK_AUTH_INTERNAL_H
#define HK_AUTH_INTERNAL_H

#include <json-c/json.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth/auth.h"

struct hk_db;
struct hk_dbconn;
struct hk_req;
struct hk_resp;

/* Settings resolved from the auth.* config keys (settings.c). */
struct hk_auth_settings {
    struct hk_argon2_params argon2;
    int64_t access_ttl_s;
    int64_t refresh_ttl_s;
    int64_t login_max_failures;
    int64_t login_window_ms;
    char *dummy_hash; /* argon2id hash of a random password */
};

/* The accounts module (settings.c).  Built once by hk_auth_new() and
 * read-only afterwards, so handlers share it without a lock. */
struct hk_auth {
    struct hk_db *db;       /* borrowed; NULL: every handler answers 503 */
    unsigned char *jwt_key; /* owned, secret; NULL: no tokens */
    size_t jwt_key_len;
    struct hk_auth_settings settings;
};

#ifdef HAWK_TEST_SEAMS
/* settings.c's unit conversion, for its unit test. */
int64_t ms_to_s_ceil(int64_t ms);
#endif

/* The settings; borrowed until hk_auth_free(). */
const struct hk_auth_settings *hk_auth_settings(const struct hk_auth *a);

/* ---- users (users.c) ---- */

/* The column list every user query selects, in the order
 * hk_auth_user_json() reads it. */
#define HK_USER_COLS                                                           \
    "id, email, username, first_name, last_name, is_admin, "                   \
    "(extract(epoch FROM created_at) * 1000)::bigint, review_before_submit"

/* Builds the public user object from row `row` of a result selected with
 * HK_USER_COLS (as the first columns).  Caller json_object_put()s it. */
json_object *hk_auth_user_json(const PGresult *r, int row);

/* Reads a boolean column ("t"/"f"). */
bool hk_auth_pg_bool(const PGresult *r, int row, int col);

/* Acquires a pooled connection, mapping every failure to HAWK_EUNAVAIL
 * (the client sees 503 and retries).  Release with hk_db_release(). */
int hk_auth_db_acquire(struct hk_auth *a, struct hk_dbconn **out);
/* Gives back a connection from hk_auth_db_acquire(). */
void hk_auth_db_release(struct hk_auth *a, struct hk_dbconn *c);

/* Checks a username: 3..32 of [A-Za-z0-9_.-]. */
bool hk_auth_username_valid(const char *s, size_t len);

/* Reads member `name` of obj (already type-checked by hk_json_check) as a
 * string: 0 with *s (borrowed from obj) and *len; HAWK_ENOTFOUND when
 * absent or null; HAWK_EINVAL when it holds a NUL character (PostgreSQL
 * text cannot store one), after filling resp with 400 naming the field. */
int hk_auth_str_member(json_object *obj, const char *name, const char **s,
                       size_t *len, struct hk_resp *resp);

/* The message for a username that breaks the rules. */
#define HK_USERNAME_RULE                                                       \
    "username must be 3 to 32 characters of letters, digits, '_', '.' "        \
    "or '-'"

/* Maps a unique violation on users to 409 email_taken/username_taken and
 * anything else through hk_resp_from_status(). */
void hk_auth_resp_user_conflict(struct hk_dbconn *c, int rc,
                                struct hk_resp *resp);

/* ---- tokens (tokens.c) ---- */

/* Issues a refresh token (new family when family_id is NULL) and an
 * access token for the user, inside whatever transaction `c` is in.
 * Adds access_token, token_type, expires_in and refresh_token to `obj`
 * (borrowed).  Returns 0 or a HAWK_E* from the database. */
int hk_auth_issue_tokens(struct hk_req *req, struct hk_dbconn *c,
                         const struct hk_auth_settings *s, int64_t user_id,
                         bool is_admin, const char *family_id,
                         json_object *obj);

/* Outcome of presenting a refresh token. */
enum hk_refresh_result {
    HK_REFRESH_OK = 0,
    HK_REFRESH_UNKNOWN, /* no such token */
    HK_REFRESH_EXPIRED,
    HK_REFRESH_REUSED,  /* rotated or revoked: the family is now revoked */
    HK_REFRESH_INACTIVE /* the user is deactivated: family revoked */
};

/* Exchanges a refresh token for a new pair in one transaction.  On
 * HK_REFRESH_OK, `obj` (borrowed) gets the token members and a "user"
 * member.  Returns 0 with *result set, or a HAWK_E* database error. */
int hk_auth_refresh(struct hk_req *req, struct hk_dbconn *c,
                    const struct hk_auth_settings *s, const char *token,
                    enum hk_refresh_result *result, json_object *obj);

/* Revokes the family of the given token (no-op for unknown tokens). */
int hk_auth_revoke_family_of(struct hk_dbconn *c, const char *token);

/* Revokes every live refresh token of a user. */
int hk_auth_revoke_user(struct hk_dbconn *c, int64_t user_id);

/* ---- login throttling (throttle.c) ---- */

/* 0 when a login for (email, ip) may proceed; HAWK_ERATELIMIT with
 * *retry_after_s (>= 1) when too many recent failures are recorded. */
int hk_auth_throttle_check(struct hk_dbconn *c,
                           const struct hk_auth_settings *s, const char *email,
                           const char *ip, int64_t *retry_after_s);
/* Records one failure (and prunes attempts that left the window). */
int hk_auth_throttle_fail(struct hk_dbconn *c, const struct hk_auth_settings *s,
                          const char *email, const char *ip);
/* Forgets the failures of (email, ip) after a successful login. */
int hk_auth_throttle_clear(struct hk_dbconn *c, const char *email,
                           const char *ip);

/* Fills resp with 429 too_many_attempts and Retry-After. */
void hk_auth_resp_throttled(struct hk_resp *resp, int64_t retry_after_s);

/* ---- handlers (routes_*.c) ---- */
void hk_auth_h_register(struct hk_req *req, struct hk_resp *resp);
void hk_auth_h_login(struct hk_req *req, struct hk_resp *resp);
void hk_auth_h_refresh(struct hk_req *req, struct hk_resp *resp);
void hk_auth_h_logout(struct hk_req *req, struct hk_resp *resp);
void hk_auth_h_user_get(struct hk_req *req, struct hk_resp *resp);
void hk_auth_h_user_patch(struct hk_req *req, struct hk_resp *resp);
void hk_auth_h_change_password(struct hk_req *req, struct hk_resp *resp);

#endif
